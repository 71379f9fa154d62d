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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from comity.services.demo import example_mla_fields, example_preservation_fields

CREDENTIALS_FILE = "credentials.json"
API = "/api/v1"
# How long the other State may take to show a step, and how often to look.
AGREE_TIMEOUT = 30.0
POLL_INTERVAL = 0.2
REQUESTING, REQUESTED = "XA", "XB"

Json = dict[str, Any]


class ScenarioError(Exception):
    """The network answered something the scenario did not expect."""

    def __init__(self, message: str, problem: Any = None) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass
class Officer:
    """A signed-in user of one node, calling its API with a bearer token."""

    state: str
    username: str
    http: httpx2.Client
    token: str = ""

    @property
    def label(self) -> str:
        """How the timeline names the officer."""
        return f"{self.state} {self.username}"

    def get(self, path: str) -> Any:
        """GET ``path`` and return the JSON body; anything but 200 is a ``ScenarioError``."""
        return self._call("GET", path, None, expect=200)

    def post(self, path: str, body: Json | None = None, *, expect: int = 200) -> Any:
        """POST ``body`` to ``path`` and return the JSON answer."""
        return self._call("POST", path, body, expect=expect)

    def _call(self, method: str, path: str, body: Json | None, *, expect: int) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.request(method, f"{API}{path}", json=body, headers=headers)
        if response.status_code != expect:
            try:
                problem: Any = response.json()
            except ValueError:
                problem = response.text
            raise ScenarioError(
                f"{self.label}: {method} {API}{path} answered {response.status_code}, "
                f"expected {expect}",
                problem,
            )
        return response.json()


@dataclass
class Network:
    """The running demo network, as ``credentials.json`` describes it."""

    credentials: Json
    clients: list[httpx2.Client] = field(default_factory=list)

    @classmethod
    def load(cls, data_dir: Path) -> Network:
        """Read the credentials ``comity demo up`` wrote."""
        path = data_dir / CREDENTIALS_FILE
        if not path.exists():
            raise ScenarioError(f"no {path}: start the network first with `comity demo up`")
        credentials: Json = json.loads(path.read_text("utf-8"))
        return cls(credentials)

    def sign_in(self, state: str, username: str) -> Officer:
        """Sign ``username`` in on ``state``'s node."""
        node = self.credentials.get(state)
        if node is None:
            raise ScenarioError(f"{CREDENTIALS_FILE} lists no State {state}")
        account = next((u for u in node["users"] if u["username"] == username), None)
        if account is None:
            raise ScenarioError(f"{CREDENTIALS_FILE} lists no user {username} for {state}")
        client = httpx2.Client(base_url=node["base_url"], timeout=15.0)
        self.clients.append(client)
        officer = Officer(state, username, client)
        answer = officer.post(
            "/auth/token", {"username": username, "password": account["password"]}
        )
        officer.token = answer["access_token"]
        return officer

    def close(self) -> None:
        """Close every connection."""
        for client in self.clients:
            client.close()


class Timeline:
    """Prints one line per step: clock time, State, actor, what happened, both sides' status."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()
        header = f"{'time':<12}  {'+s':>6}  {'State':<5}  {'actor':<12}  {'what happened':<52}"
        self.console.print(f"[bold]{header}  status XA | XB[/bold]", highlight=False)

    def step(self, state: str, actor: str, what: str, sides: str) -> None:
        """Print one step."""
        now = datetime.now()
        clock = now.strftime("%H:%M:%S.") + f"{now.microsecond // 1000:03d}"
        elapsed = f"{time.monotonic() - self.started:6.2f}"
        self.console.print(
            f"{clock:<12}  {elapsed}  [bold]{state:<5}[/bold]  {escape(actor):<12}  "
            f"{escape(what):<52}  [cyan]{escape(sides)}[/cyan]",
            highlight=False,
        )


def sides(requesting: Json | None, requested: Json | None) -> str:
    """Both copies' statuses, each with what it knows of the other's: ``sent (→ registered)``."""

    def one(state: str, view: Json | None) -> str:
        if view is None:
            return f"{state} —"
        remote = view.get("remote_status")
        return f"{state} {view['status']}" + (f" (sees {remote})" if remote else "")

    return f"{one(REQUESTING, requesting)} | {one(REQUESTED, requested)}"


def wait_until(
    officer: Officer, what: str, probe: Callable[[], Json | None], *, timeout: float = AGREE_TIMEOUT
) -> Json:
    """Call ``probe`` every 0.2 s until it returns a view; a ``ScenarioError`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise ScenarioError(f"{officer.label}: {what} did not happen within {timeout:.0f} s")
        time.sleep(POLL_INTERVAL)


def wait_for_status(
    officer: Officer, request_id: str, check: Callable[[Json], bool], what: str
) -> Json:
    """Poll ``officer``'s copy of a request until ``check`` holds for it."""
    last: list[Json] = []

    def probe() -> Json | None:
        view: Json = officer.get(f"/requests/{request_id}")
        last[:] = [view]
        return view if check(view) else None

    try:
        return wait_until(officer, what, probe)
    except ScenarioError as error:
        seen = last[0] if last else {}
        raise ScenarioError(
            f"{error} (last seen: status {seen.get('status')}, "
            f"remote_status {seen.get('remote_status')})"
        ) from None


def agreed(other: Officer, request_id: str, status: str) -> Json:
    """Wait until ``other``'s copy records that the other State's copy is now ``status``."""
    return wait_for_status(
        other,
        request_id,
        lambda view: view.get("remote_status") == status,
        f"{other.state} seeing the other State's status {status}",
    )


def find_in_inbox(officer: Officer, exchange_id: str) -> Json:
    """Wait until the request exchanged as ``exchange_id`` is in ``officer``'s inbox; its view."""
    checked: set[str] = set()

    def probe() -> Json | None:
        answer = officer.get("/inbox")
        items = answer["items"] if isinstance(answer, dict) else answer
        for item in items:
            if item["id"] in checked:
                continue
            view: Json = officer.get(f"/requests/{item['id']}")
            # Another request's exchange id never changes, so each is read only once.
            checked.add(item["id"])
            if view.get("exchange_id") == exchange_id:
                return {**view, "waiting_acknowledgement": item.get("waiting_acknowledgement")}
        return None

    return wait_until(officer, f"the request {exchange_id} reaching the inbox", probe)


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
    return xa_id, xb_id


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


def run(data_dir: Path, console: Console) -> int:
    """Run the scenario against the network in ``data_dir``; the exit code (0 success, 1 any
    unexpected answer, which is printed with its problem document)."""
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
