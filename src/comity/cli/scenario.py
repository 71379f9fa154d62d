"""The demo scenario: two requests ``XA → XB`` driven over the officers' API of a running demo
network (``comity demo up``), printed as a timeline.

A. An MLA request for stored data: drafted, approved and sent by XA; registered and assessed
   by XB, which asks for supplementary information; answered by XA; accepted, executed and
   its result returned by XB; closed on both sides.
B. An emergency preservation request through the 24/7 points of contact, acknowledged by XB's
   duty officer; the time to human acknowledgement is shown on both sides.

This is an ordinary HTTP client of the nodes, exactly as an officer's tools would be: it reads
``credentials.json`` and signs in with bearer tokens. After every step that reaches the other
State it polls that State until both agree, so the timeline shows what each side sees.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from comity.cli.scenario_client import (
    Json,
    Network,
    Officer,
    ScenarioError,
    agreed,
    find_in_inbox,
    wait_for_practice,
    wait_for_status,
)
from comity.cli.scenario_practice import play_walks
from comity.cli.timeline import Timeline
from comity.cli.walks.walk import Walk
from comity.services.demo import example_mla_fields, example_preservation_fields

REQUESTING, REQUESTED = "XA", "XB"


def sides(requesting: Json | None, requested: Json | None) -> str:
    """Both copies' statuses, each with what it knows of the other's: ``sent (→ registered)``."""

    def one(state: str, view: Json | None) -> str:
        if view is None:
            return f"{state} —"
        remote = view.get("remote_status")
        return f"{state} {view['status']}" + (f" (sees {remote})" if remote else "")

    return f"{one(REQUESTING, requesting)} | {one(REQUESTED, requested)}"


@dataclass
class Exchange:
    """One request as the timeline shows it: the last view of each State's copy."""

    timeline: Timeline
    xa: Json | None = None
    xb: Json | None = None

    def step(
        self, actor: Officer, what: str, *, xa: Json | None = None, xb: Json | None = None
    ) -> None:
        """Print what ``actor`` did, with the latest status of both copies."""
        self.xa = xa if xa is not None else self.xa
        self.xb = xb if xb is not None else self.xb
        self.timeline.step(actor.state, actor.username, what, sides(self.xa, self.xb))


def run_mla(
    timeline: Timeline, drafter: Officer, approver: Officer, executor: Officer
) -> tuple[str, str]:
    """Scenario A: an MLA request for stored data, XA → XB, with a round of supplementary
    information; returns the request's id on XA and on XB."""
    shown = Exchange(timeline)
    created = drafter.post(
        "/requests",
        {"type": "mla", "requested_state": REQUESTED, "fields": example_mla_fields(REQUESTING)},
        expect=201,
    )
    xa_id = created["id"]
    if created["missing"]:
        raise ScenarioError("the example MLA request is incomplete", created["completeness"])
    shown.step(drafter, f"drafts MLA {created['reference']} for stored data", xa=created)
    shown.step(drafter, "submits it for approval", xa=drafter.post(f"/requests/{xa_id}/submit"))
    approved = approver.post(f"/requests/{xa_id}/approve", {"comment": "Checked: complete."})
    shown.step(approver, "approves it (four eyes)", xa=approved)
    sent = approver.post(f"/requests/{xa_id}/send")
    shown.step(approver, "sends it to XB's central authority", xa=sent)

    arrived = find_in_inbox(executor, sent["exchange_id"])
    xb_id = arrived["id"]
    shown.step(executor, f"finds {arrived['reference']} in the inbox", xb=arrived)

    def xb_moves(to: str, what: str, reason: str = "") -> None:
        moved = executor.post(f"/requests/{xb_id}/transitions", {"to": to, "reason": reason})
        # Printed once XA's copy shows the step: both sides agree on every line.
        shown.step(executor, what, xb=moved, xa=agreed(drafter, xa_id, to))

    xb_moves("registered", "registers it")
    xb_moves("under_assessment", "starts the assessment")
    xb_moves(
        "more_info_requested",
        "asks for supplementary information",
        "Please state the time zone of the logs requested and confirm that the judicial "
        "order ORD-2026-77 covers traffic data (XB requires it).",
    )
    questions = wait_for_status(
        drafter,
        xa_id,
        lambda view: view["status"] == "more_info_requested",
        "XA seeing the request for information",
    )
    shown.step(drafter, "reads XB's questions", xa=questions)
    answered = drafter.post(
        f"/requests/{xa_id}/supply-information",
        {
            "answers": "Logs in UTC. Order ORD-2026-77 of 2 April 2026 authorises the "
            "disclosure of subscriber and traffic data for the whole period."
        },
    )
    received = wait_for_status(
        executor,
        xb_id,
        lambda view: view["status"] == "info_supplied",
        "XB receiving the answers",
    )
    shown.step(drafter, "supplies the information", xa=answered, xb=received)
    xb_moves("under_assessment", "resumes the assessment")
    xb_moves("accepted", "accepts the request")
    xb_moves("in_execution", "executes it (production order served)")
    xb_moves(
        "executed",
        "returns the result",
        "Subscriber data and access logs for account 88412 (1 Jan - 31 Mar 2026) obtained "
        "from Example Hosting Ltd; 2 files, SHA-256 listed in the execution report.",
    )
    closed = approver.post(
        f"/requests/{xa_id}/close", {"reason": "Result received; case file updated."}
    )
    shown.step(approver, "closes it", xa=closed, xb=agreed(executor, xb_id, "closed"))
    closed = executor.post(f"/requests/{xb_id}/transitions", {"to": "closed"})
    shown.step(executor, "closes it", xb=closed, xa=agreed(drafter, xa_id, "closed"))
    return xa_id, xb_id


def run_preservation(
    timeline: Timeline, drafter: Officer, approver: Officer, duty: Officer
) -> tuple[str, str]:
    """Scenario B: an emergency preservation request through the 24/7 points of contact,
    acknowledged by XB's duty officer; returns the request's id on XA and on XB."""
    shown = Exchange(timeline)
    fields = example_preservation_fields(REQUESTING)
    fields.update(
        {
            "urgency_reasons": "The provider deletes connection logs after 30 days.",
            "emergency_facts": "Threats against a witness announce an attack within 48 hours.",
            "emergency_nexus": "The logs identify the sender of the threats.",
        }
    )
    created = drafter.post(
        "/requests",
        {
            "type": "preservation",
            "requested_state": REQUESTED,
            "urgency": "emergency",
            "fields": fields,
        },
        expect=201,
    )
    xa_id = created["id"]
    if created["missing"]:
        raise ScenarioError(
            "the example preservation request is incomplete", created["completeness"]
        )
    shown.step(drafter, f"drafts emergency preservation {created['reference']}", xa=created)
    shown.step(drafter, "submits it for approval", xa=drafter.post(f"/requests/{xa_id}/submit"))
    approved = approver.post(f"/requests/{xa_id}/approve", {"comment": "Emergency: approved."})
    shown.step(approver, "approves it", xa=approved)
    sent = approver.post(f"/requests/{xa_id}/send")
    sent_at = time.monotonic()
    shown.step(approver, "sends it to XB's 24/7 point of contact", xa=sent)

    arrived = find_in_inbox(duty, sent["exchange_id"])
    xb_id = arrived["id"]
    if arrived["waiting_acknowledgement"] is not True:
        raise ScenarioError("XB's inbox does not flag the emergency as awaiting a duty officer")
    shown.step(duty, f"sees {arrived['reference']} waiting for acknowledgement", xb=arrived)
    acknowledged = duty.post(f"/requests/{xb_id}/acknowledge")
    waited = time.monotonic() - sent_at
    shown.step(
        duty,
        f"acknowledges it {acknowledged['seconds_to_acknowledge']} s after arrival "
        f"({waited:.1f} s after XA sent it)",
        xb=acknowledged,
    )
    informed = wait_for_status(
        drafter,
        xa_id,
        lambda view: view.get("acknowledged_at") is not None,
        "XA learning of the acknowledgement",
    )
    shown.step(drafter, f"sees it acknowledged at {informed['acknowledged_at']}", xa=informed)
    run_preservation_practice(timeline, drafter, duty, xa_id, xb_id)
    return xa_id, xb_id


def run_preservation_practice(
    timeline: Timeline, drafter: Officer, duty: Officer, xa_id: str, xb_id: str
) -> None:
    """The preservation's own life cycle (Q17): XB's 24/7 point orders it and returns the
    provider's confirmation without the central authority, which starts the 60-day clock;
    XA asks for an extension and XB grants it. Each step reaches the other State's copy."""
    states = {"XA": "—", "XB": "—"}

    def show(officer: Officer, what: str, practice: Json) -> None:
        states[officer.state] = str(practice["state"])
        timeline.step(
            officer.state,
            officer.username,
            what,
            f"practice {REQUESTING} {states['XA']} | {REQUESTED} {states['XB']}",
        )

    steps = f"/requests/{xb_id}/practice/steps"
    order = {"provider": "Example Hosting Ltd", "order_ref": "PO-2026-17"}
    show(duty, "orders the data preserved", duty.post(steps, {"step": "order", "values": order}))
    confirm = {"step": "confirm", "values": {"confirmation_ref": "EH-5531"}}
    confirmed = duty.post(steps, confirm)
    show(duty, f"confirms it: kept until {confirmed['ends_at'][:10]}", confirmed)
    seen = wait_for_practice(drafter, xa_id, "preserved", "XA learning of the preservation")
    show(drafter, f"sees it preserved until {seen['ends_at'][:10]} (BC 29(7))", seen)
    reason = {"reason": "The formal request is being translated."}
    asked = drafter.post(
        f"/requests/{xa_id}/practice/steps", {"step": "request_extension", "values": reason}
    )
    show(drafter, "asks for an extension", asked)
    waiting = wait_for_practice(duty, xb_id, "extension_requested", "XB receiving the request")
    show(duty, "receives the extension request", waiting)
    granted = duty.post(steps, {"step": "grant_extension"})
    show(duty, f"grants it: kept until {granted['ends_at'][:10]}", granted)
    extended = wait_for_practice(drafter, xa_id, "extended", "XA learning of the extension")
    show(drafter, f"sees it extended until {extended['ends_at'][:10]}", extended)


def print_timelines(console: Console, title: str, copies: list[tuple[Officer, str]]) -> None:
    """Print each copy's timeline as its node returns it: steps and transport evidences."""
    for officer, request_id in copies:
        view = officer.get(f"/requests/{request_id}")
        table = Table(
            title=f"{title}: {officer.state}'s copy {view['reference']} "
            f"({view['side']}, {view['status']}, the other side: {view.get('remote_status')})",
            title_justify="left",
        )
        for column in ("at", "kind", "what", "reason / message"):
            table.add_column(column)
        for item in view.get("timeline", []):
            at = item["at"][11:23]
            if item["kind"] == "status":
                mirrored = " (mirrored)" if (item.get("detail") or {}).get("mirrored") else ""
                what = f"{item.get('from_status') or '∅'} → {item['to_status']}{mirrored}"
                note = item.get("reason") or ""
            else:
                what = str(item.get("stage"))
                note = f"{item.get('message_type')} ↔ {item.get('counterpart_state')}"
                if item.get("code"):
                    note += f" {item['code']}"
            table.add_row(at, item["kind"], what, escape(note[:70]))
        console.print(table)


@contextmanager
def _network(data_dir: Path) -> Iterator[Network]:
    network = Network.load(data_dir)
    try:
        yield network
    finally:
        network.close()


def run(data_dir: Path, console: Console, walks: Sequence[Walk] = ()) -> int:
    """Run the scenario against the network in ``data_dir``, then play ``walks`` (the practice
    life cycles, ``--all``); the exit code (0 success, 1 any unexpected answer, which is
    printed with its problem document)."""
    try:
        with _network(data_dir) as network:
            xa_drafter = network.sign_in(REQUESTING, "drafter")
            xa_approver = network.sign_in(REQUESTING, "approver")
            xb_executor = network.sign_in(REQUESTED, "executor")
            xb_duty = network.sign_in(REQUESTED, "duty")
            console.rule("A. MLA for stored data, XA → XB (central authorities)")
            timeline = Timeline(console)
            mla = run_mla(timeline, xa_drafter, xa_approver, xb_executor)
            console.rule("B. Emergency preservation, XA → XB (24/7 points of contact)")
            timeline = Timeline(console)
            preservation = run_preservation(timeline, xa_drafter, xa_approver, xb_duty)
            console.rule("Timelines as each node records them")
            print_timelines(console, "MLA", [(xa_drafter, mla[0]), (xb_executor, mla[1])])
            print_timelines(
                console,
                "Preservation",
                [(xa_drafter, preservation[0]), (xb_duty, preservation[1])],
            )
            if walks:
                played = play_walks(network, data_dir, console, walks)
                console.print(f"[green]{played} life cycles walked to their end.[/green]")
    except ScenarioError as error:
        console.print(f"[red]Scenario failed:[/red] {escape(str(error))}", highlight=False)
        if error.problem is not None:
            console.print_json(json.dumps(error.problem, ensure_ascii=False, default=str))
        return 1
    except httpx2.TransportError as error:
        console.print(
            f"[red]Scenario failed:[/red] a node did not answer ({escape(str(error))}); "
            "is `comity demo up` running?",
            highlight=False,
        )
        return 1
    console.print("[green]Scenario complete:[/green] both requests went through XA → XB.")
    return 0
