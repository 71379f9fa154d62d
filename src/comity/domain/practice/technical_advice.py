"""The life cycle of a request for technical advice between 24/7 points of contact, and its
answer clock (legal.md §5, N247-09).

Each State's 24/7 point of contact provides immediate assistance, which includes the provision
of technical advice, facilitated or, if permitted by its domestic law, carried out directly
(BC 35(1)(a) [V]; UNCC 41(3)(a) [K]), and legal information (BC 35(1)(c) [V]; UNCC 41(3)(c)
[K]); the statement asks the points for "technical advisory assistance" (Statement Q21). Points
communicate with each other on an expedited basis (BC 35(2)(a) [V]; UNCC 41(4) [K]).

The requesting State's point asks (the request carries the question); the requested State's
duty officer acknowledges it, then answers (the answer and its references). The requesting
State may ask a follow-up question, which is answered in turn, and closes the exchange when it
has what it needs; it may withdraw a question still unanswered, and the requested State may
decline one it cannot answer, with reasons (advice "if permitted by its domestic law").

The clock: the law sets no time for an answer (legal.md §5.2 N247-01 leaves the targets to
configuration), so the profile's ``technical_advice_answer`` (24 hours in every profile) runs
from the acknowledgement of a question, or from the follow-up question; a profile without the
key reads the same 24 hours. Past that instant without an answer the clock raises a warning:
the requested State has not breached a legal duty, so there is no critical alarm and no
system step.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from comity.domain.practice.forms import (
    Alarm,
    ClockDeadline,
    ClockFacts,
    ClockReading,
    PracticeForm,
    reminders_before,
)
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    StepRule,
    StepSide,
    ValueRule,
)

ASKED = "asked"
ACKNOWLEDGED = "acknowledged"
ANSWERED = "answered"
FOLLOW_UP = "follow_up"
CLOSED = "closed"
DECLINED = "declined"
WITHDRAWN = "withdrawn"

#: The states in which a question waits for its answer, with the clock running.
WAITING = frozenset({ACKNOWLEDGED, FOLLOW_UP})

#: The profile duration (and reminder list) read here.
DURATION = "technical_advice_answer"

#: The answer target when a profile has none: the 24 hours every profile sets. Not a legal
#: limit (legal.md §5.2 N247-01: the law sets none), a service target of the 24/7 network.
DEFAULT_ANSWER = timedelta(hours=24)

BASIS = ("BC 35(1)(a)", "UNCC 41(3)(a)")

_OPEN = frozenset({ASKED}) | WAITING

TECHNICAL_ADVICE = LifeCycle(
    code="technical_advice",
    states=(ASKED, ACKNOWLEDGED, ANSWERED, FOLLOW_UP, CLOSED, DECLINED, WITHDRAWN),
    initial=ASKED,
    steps=(
        # The duty officer takes the question: the answer clock starts (BC 35(1) [V]).
        StepRule(
            "acknowledge",
            frozenset({ASKED}),
            ACKNOWLEDGED,
            StepSide.REQUESTED,
            basis=("BC 35(1)", "UNCC 41(1)", "Statement Q21"),
        ),
        # Technical advice or legal information (BC 35(1)(a), (c) [V]; UNCC 41(3)(a), (c) [K]).
        StepRule(
            "answer",
            WAITING,
            ANSWERED,
            StepSide.REQUESTED,
            values=(ValueRule("answer"), ValueRule("references", required=False)),
            basis=("BC 35(1)(a)", "BC 35(1)(c)", "UNCC 41(3)(a)", "UNCC 41(3)(c)"),
        ),
        # Another question on the same matter, over the same expedited channel (BC 35(2)(a)).
        StepRule(
            "follow_up",
            frozenset({ANSWERED}),
            FOLLOW_UP,
            StepSide.REQUESTING,
            values=(ValueRule("question"),),
            basis=("BC 35(2)(a)", "UNCC 41(4)"),
        ),
        StepRule("close", frozenset({ANSWERED}), CLOSED, StepSide.REQUESTING, basis=BASIS),
        # Advice the point may not give under its domestic law (BC 35(1)(a) [V]).
        StepRule("decline", _OPEN, DECLINED, StepSide.REQUESTED, reasoned=True, basis=BASIS),
        StepRule("withdraw", _OPEN, WITHDRAWN, StepSide.REQUESTING, reasoned=True),
    ),
)


def answer_time(durations: Mapping[str, timedelta]) -> timedelta:
    """How long the requested point has to answer: the profile's, else 24 hours."""
    return durations.get(DURATION, DEFAULT_ANSWER)


def asked_at(record: PracticeRecord) -> datetime | None:
    """When the question now waiting was taken up: its acknowledgement, or the follow-up
    question; None when no question waits (not yet acknowledged, answered, ended)."""
    if record.state not in WAITING:
        return None
    last = record.last("acknowledge", "follow_up")
    return None if last is None else last.at


def answer_due(record: PracticeRecord, durations: Mapping[str, timedelta]) -> datetime | None:
    """When the answer to the waiting question is due, or None if no question waits."""
    start = asked_at(record)
    return None if start is None else start + answer_time(durations)


def hours_text(delta: timedelta) -> str:
    """A duration in hours as a reader says it: ``1 hour``, ``24 hours``, ``0.5 hours``."""
    hours = delta / timedelta(hours=1)
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def alarms(
    record: PracticeRecord, *, now: datetime, durations: Mapping[str, timedelta]
) -> list[Alarm]:
    """A warning once the answer is overdue, until it is given."""
    due = answer_due(record, durations)
    if due is None or now < due:
        return []
    within = hours_text(answer_time(durations))
    return [
        Alarm(
            "technical_advice.answer",
            "warning",
            due,
            f"The technical advice has not been answered within {within} "
            "(24/7 network, BC 35(1)(a)).",
        )
    ]


def _read(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    due = answer_due(record, facts.durations)
    if due is None:
        return ClockReading()
    ahead = reminders_before(
        due,
        facts.reminders.get(DURATION, ()),
        lambda before: f"Technical advice due in {hours_text(before)} on {due.isoformat()}",
    )
    return ClockReading(
        ends_at=due,
        alarms=tuple(alarms(record, now=facts.now, durations=facts.durations)),
        reminders=tuple((at, text) for at, text in ahead if at >= facts.now),
        deadlines=(
            ClockDeadline("technical_advice.answer", "Technical advice: answer due",
                          "deadline", due, BASIS),
            *(ClockDeadline("technical_advice.answer.reminder", text, "reminder", at, BASIS)
              for at, text in ahead),
        ),
    )  # fmt: skip


FORM = PracticeForm(
    lifecycle=TECHNICAL_ADVICE,
    type_codes=("technical_advice",),
    read_clock=_read,
)
