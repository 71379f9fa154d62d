"""Playing the demo walks of the practice life cycles (``comity demo scenario --all``): for
each form of cooperation, XA sends XB a request of that form, and the two States' officers —
and, where a timer runs out, the clock — take the life cycle's steps to its end. Each step is
printed when the other State's copy shows it too, so every line is agreed by both nodes.

Timers are shown by moving the demo network's clock forward (``demo_network.advance_clock``):
every node reads the same offset, so both States see the same days pass, and the node whose
clock runs the life cycle takes the step that fell due on its next pass (every 2 s on demo
nodes).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from comity.cli import demo_network
from comity.cli.scenario_client import (
    AGREE_TIMEOUT,
    Json,
    Network,
    Officer,
    ScenarioError,
    find_in_inbox,
    wait_until,
)
from comity.cli.timeline import Timeline
from comity.cli.walks.walk import REQUESTED, REQUESTING, Move, Walk
from comity.domain.practice.forms import days_text

# A clock step falls due on the node's next practice pass (2 s on demo nodes) and then travels
# to the other State: allowed more time than a step an officer takes.
CLOCK_TIMEOUT = AGREE_TIMEOUT * 2


class Officers:
    """The signed-in demo officers, one session each, signed in when first needed."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.signed_in: dict[tuple[str, str], Officer] = {}

    def get(self, state: str, username: str) -> Officer:
        """``username`` of ``state``'s node, signed in."""
        key = (state, username)
        if key not in self.signed_in:
            self.signed_in[key] = self.network.sign_in(state, username)
        return self.signed_in[key]


class WalkPlayer:
    """Plays one walk between XA and XB and prints its timeline."""

    def __init__(self, officers: Officers, data_dir: Path, console: Console, walk: Walk) -> None:
        self.officers = officers
        self.data_dir = data_dir
        self.console = console
        self.walk = walk
        self.timeline = Timeline(console)
        self.ids: dict[str, str] = {}
        self.viewers: dict[str, Officer] = {}
        self.states = {REQUESTING: "—", REQUESTED: "—"}

    def play(self) -> None:
        """Send the request, then take every move; a ``ScenarioError`` on anything unexpected."""
        self.send()
        for move in self.walk.moves:
            self.take(move)

    def send(self) -> None:
        """XA drafts, approves and sends the walk's request; XB finds it in its inbox."""
        drafter = self.officers.get(REQUESTING, "drafter")
        approver = self.officers.get(REQUESTING, "approver")
        body: Json = {
            "type": self.walk.type_code,
            "requested_state": REQUESTED,
            "urgency": self.walk.urgency,
            "fields": self.walk.fields(REQUESTING),
        }
        if self.walk.channel is not None:
            body["channel"] = self.walk.channel
        created = drafter.post("/requests", body, expect=201)
        if created["missing"]:
            raise ScenarioError(
                f"the example {self.walk.type_code} request is incomplete", created["completeness"]
            )
        request_id = created["id"]
        drafter.post(f"/requests/{request_id}/submit")
        approver.post(f"/requests/{request_id}/approve", {"comment": "Checked: complete."})
        sent = approver.post(f"/requests/{request_id}/send")
        self.line(approver, f"sends {created['reference']} ({self.walk.type_code}) to XB")
        receiver = self.officers.get(REQUESTED, self._receiver())
        arrived = find_in_inbox(receiver, sent["exchange_id"])
        self.ids = {REQUESTING: request_id, REQUESTED: arrived["id"]}
        self.viewers = {REQUESTING: drafter, REQUESTED: receiver}
        self.line(receiver, f"finds {arrived['reference']} in its inbox")

    def take(self, move: Move) -> None:
        """One move: the clock moved forward if the move says so, then the step taken (or
        awaited, for the clock's own), then awaited on the other State's copy."""
        if move.advance is not None:
            offset = demo_network.advance_clock(self.data_dir, move.advance)
            today = (datetime.now(UTC) + offset).date().isoformat()
            self.timeline.step(
                "XA+XB",
                "clock",
                f"{span(move.advance)} pass: the demo date is now {today}",
                self._states(),
            )
        if not move.step:
            self.timeline.step(move.state, "clock", move.what, self._states())
            if move.alarm is not None:
                self.show_alarm(move.alarm)
            return
        other = REQUESTED if move.state == REQUESTING else REQUESTING
        if move.clock:
            actor = self.viewers[move.state]
            counted = self.wait_for_step(move.state, move.step, CLOCK_TIMEOUT)
        else:
            actor = self.officers.get(move.state, move.officer or self._default(move.state))
            path = f"/requests/{self.ids[move.state]}/practice/steps"
            values = {name: self._value(value) for name, value in move.values.items()}
            taken: Json = actor.post(path, {"step": move.step, "values": values})
            counted = len(taken["steps"])
            self.states[move.state] = str(taken["state"])
        self.wait_for_count(other, counted, CLOCK_TIMEOUT if move.clock else None)
        if move.expect is not None and {self.states[REQUESTING], self.states[REQUESTED]} != {
            move.expect
        }:
            raise ScenarioError(
                f"after {move.step!r} both copies should be {move.expect!r}, they are "
                f"{self.states[REQUESTING]!r} and {self.states[REQUESTED]!r}"
            )
        who = "clock" if move.clock else actor.username
        self.timeline.step(move.state, who, move.what, self._states())
        if move.alarm is not None:
            self.show_alarm(move.alarm)

    def wait_for_step(self, state: str, step: str, timeout: float) -> int:
        """Wait until ``state``'s copy has taken ``step`` as its last step; the step count."""
        viewer = self.viewers[state]

        def probe() -> Json | None:
            practice: Json = viewer.get(f"/requests/{self.ids[state]}/practice")
            steps = practice["steps"]
            return practice if steps and steps[-1]["code"] == step else None

        found = wait_until(viewer, f"the clock taking {step!r}", probe, timeout=timeout)
        self.states[state] = str(found["state"])
        return len(found["steps"])

    def wait_for_count(self, state: str, count: int, timeout: float | None) -> Json:
        """Wait until ``state``'s copy holds at least ``count`` steps; its practice."""
        viewer = self.viewers[state]

        def probe() -> Json | None:
            practice: Json = viewer.get(f"/requests/{self.ids[state]}/practice")
            return practice if len(practice["steps"]) >= count else None

        found = wait_until(
            viewer,
            f"{state} receiving the step",
            probe,
            timeout=timeout if timeout is not None else AGREE_TIMEOUT,
        )
        self.states[state] = str(found["state"])
        return found

    def show_alarm(self, code: str) -> None:
        """Check that the clock raised ``code`` on the requested State's copy (the State that
        holds the person, the data or the assets) and print it."""
        state = REQUESTED
        seen: Json = self.viewers[state].get(f"/requests/{self.ids[state]}/practice")
        alarms = {alarm["code"]: alarm for alarm in seen["alarms"]}
        if code not in alarms:
            raise ScenarioError(f"the alarm {code!r} was not raised (raised: {sorted(alarms)})")
        alarm = alarms[code]
        self.timeline.step(
            state, "clock", f"ALARM ({alarm['level']}): {alarm['text']}", self._states()
        )

    def print_record(self) -> None:
        """Both copies' records as their nodes return them, side by side."""
        copies = {
            state: self.viewers[state].get(f"/requests/{self.ids[state]}/practice")
            for state in (REQUESTING, REQUESTED)
        }
        table = Table(
            title=f"{self.walk.title}: the record on XA ({copies[REQUESTING]['state']}) and "
            f"XB ({copies[REQUESTED]['state']})",
            title_justify="left",
        )
        for column in ("#", "at (node clock)", "side", "step", "values", "same on both"):
            table.add_column(column)
        theirs = copies[REQUESTING]["steps"]
        for index, step in enumerate(copies[REQUESTED]["steps"]):
            values = ", ".join(f"{k}={v}" for k, v in sorted(step["values"].items()))
            same = index < len(theirs) and _same(theirs[index], step)
            table.add_row(
                str(index + 1),
                str(step["at"])[:19],
                step["side"],
                step["code"],
                escape(values[:60]),
                "yes" if same else "NO",
            )
            if not same:
                raise ScenarioError(f"step {index + 1} differs between XA and XB")
        self.console.print(table)

    def line(self, officer: Officer, what: str) -> None:
        """Print one line for ``officer``."""
        self.timeline.step(officer.state, officer.username, what, self._states())

    def _value(self, value: str | int | bool) -> str | int | bool:
        """``value``, or the instant it names relative to the demo clock (``@now+3d``)."""
        if not isinstance(value, str) or not value.startswith("@now"):
            return value
        now = datetime.now(UTC) + demo_network.clock_offset(self.data_dir)
        return (now + _relative(value[len("@now") :])).isoformat(timespec="seconds")

    def _states(self) -> str:
        return f"practice XA {self.states[REQUESTING]} | XB {self.states[REQUESTED]}"

    def _receiver(self) -> str:
        return "duty" if self.walk.channel == "network_24_7" else "executor"

    def _default(self, state: str) -> str:
        return "drafter" if state == REQUESTING else self._receiver()


def _same(one: Json, other: Json) -> bool:
    """The same step on both copies: code, side, instant and values (the actor is each node's
    own: the officer's id where the step was taken, the State where it was received)."""
    keys = ("code", "side", "at", "values")
    return all(one[key] == other[key] for key in keys)


def span(delta: timedelta) -> str:
    """A stretch of time as a reader says it: ``25 hours`` below two days, else ``18 days``."""
    if delta < timedelta(days=2):
        hours = round(delta / timedelta(hours=1), 1)
        return f"{hours:g} hour" + ("" if hours == 1 else "s")
    return days_text(timedelta(days=round(delta / timedelta(days=1), 1)))


_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def _relative(text: str) -> timedelta:
    """``+3d``, ``-2h``, ``+30m`` or empty as a duration; a ``ScenarioError`` otherwise."""
    if not text:
        return timedelta()
    sign, amount, unit = text[0], text[1:-1], text[-1:]
    if sign not in "+-" or not amount.isdigit() or unit not in _UNITS:
        raise ScenarioError(f"a walk's instant @now{text} is not @now±<n>d|h|m")
    return _UNITS[unit] * int(amount) * (1 if sign == "+" else -1)


def play_walks(network: Network, data_dir: Path, console: Console, walks: Iterable[Walk]) -> int:
    """Play every walk in turn, each under its own rule and timeline; how many were played."""
    officers = Officers(network)
    played = 0
    for walk in walks:
        console.rule(f"{walk.title} (XA → XB)")
        player = WalkPlayer(officers, data_dir, console, walk)
        player.play()
        player.print_record()
        played += 1
    return played
