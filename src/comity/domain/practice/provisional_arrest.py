"""The life cycle of a provisional arrest pending an extradition request (type card T02) and
its two clocks.

The requested State arrests the person and records when; from then the extradition request
and the documents of ECE 12 are due. Provisional arrest may be terminated if the requested
State has not received them within 18 days of the arrest, and it shall in no event exceed 40
days (ECE 16(4) [V]; legal.md §9). Both durations come from the profile
(``provisional_arrest_review``, ``provisional_arrest_limit``). The 18-day mark raises a warning
(the requested State *may* release); the 40-day mark raises a critical alarm and the system
step ``release_due`` (it *must* release). Both clocks stop when the extradition request is
received: the person is then kept under the extradition procedure or released, with reasons.
A release does not bar a later re-arrest once the request arrives (ECE 16(5) [V]); that is a
new provisional arrest, not a step of this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from comity.domain.practice.forms import (
    Alarm,
    ClockDeadline,
    ClockFacts,
    ClockReading,
    PracticeForm,
    days_text,
)
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    Step,
    StepRule,
    StepSide,
    ValueKind,
    ValueRule,
    clock_step,
    instant_value,
)

REQUESTED = "requested"
ARRESTED = "arrested"
RELEASE_DUE = "release_due"
REQUEST_RECEIVED = "request_received"
KEPT = "kept"
RELEASED = "released"
DECLINED = "declined"

#: The profile durations read here.
REVIEW = "provisional_arrest_review"
LIMIT = "provisional_arrest_limit"

PROVISIONAL_ARREST = LifeCycle(
    code="provisional_arrest",
    states=(REQUESTED, ARRESTED, RELEASE_DUE, REQUEST_RECEIVED, KEPT, RELEASED, DECLINED),
    initial=REQUESTED,
    steps=(
        # Custody when the circumstances so warrant and are urgent (UNTOC 16(9) [V]; UNCAC
        # 44(10) [V]; UNCC 37(10) [K]); the clocks run from the arrest itself (ECE 16(4)).
        StepRule(
            "arrest",
            frozenset({REQUESTED}),
            ARRESTED,
            StepSide.REQUESTED,
            values=(ValueRule("arrested_at", ValueKind.INSTANT),),
            basis=("ECE 16(1)", "ECE 16(4)", "UNTOC 16(9)", "UNCC 37(10)"),
        ),
        # The requesting authority is told the result without delay (ECE 16(3) [V]).
        StepRule(
            "decline",
            frozenset({REQUESTED}),
            DECLINED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("ECE 16(3)",),
        ),
        # The request and the documents of ECE 12 arrive within the 40 days: the clocks stop.
        StepRule(
            "receive_request",
            frozenset({ARRESTED}),
            REQUEST_RECEIVED,
            StepSide.REQUESTED,
            values=(ValueRule("extradition_request_ref"),),
            basis=("ECE 12", "ECE 16(4)"),
        ),
        # The 40-day limit has passed without the request: release is due (ECE 16(4)).
        StepRule(
            "release_due",
            frozenset({ARRESTED}),
            RELEASE_DUE,
            StepSide.SYSTEM,
            basis=("ECE 16(4)",),
        ),
        StepRule(
            "release",
            frozenset({ARRESTED, RELEASE_DUE, REQUEST_RECEIVED}),
            RELEASED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("ECE 16(4)", "ECE 16(5)"),
        ),
        StepRule(
            "keep",
            frozenset({REQUEST_RECEIVED}),
            KEPT,
            StepSide.REQUESTED,
            values=(ValueRule("decision_ref", required=False),),
            basis=("ECE 16(4)",),
        ),
    ),
)


class Level(StrEnum):
    """How loud an alarm is: a decision may be taken (warning) or must be (critical)."""

    WARNING = "warning"
    CRITICAL = "critical"


def arrested_at(record: PracticeRecord) -> datetime | None:
    """When the person was arrested, as recorded by the ``arrest`` step, or None."""
    return instant_value(record.last("arrest"), "arrested_at")


def clocks(
    record: PracticeRecord, durations: Mapping[str, timedelta]
) -> tuple[datetime, datetime] | None:
    """The review (18 days) and limit (40 days) instants while the clocks run, or None once
    the request has been received, the person released, or before the arrest."""
    start = arrested_at(record)
    if record.state not in {ARRESTED, RELEASE_DUE} or start is None:
        return None
    return start + durations[REVIEW], start + durations[LIMIT]


def alarms(
    record: PracticeRecord, *, now: datetime, durations: Mapping[str, timedelta]
) -> list[Alarm]:
    """The alarms raised at ``now``: the review warning once the review duration has passed
    without the extradition request, and the critical alarm once the limit has passed and
    until the release is recorded."""
    running = clocks(record, durations)
    if running is None:
        return []
    review, limit = running
    raised: list[Alarm] = []
    if now >= review:
        raised.append(
            Alarm(
                "provisional_arrest.review",
                Level.WARNING,
                review,
                f"No extradition request {days_text(durations[REVIEW])} after the arrest: the "
                "person may be released (ECE 16(4)).",
            )
        )
    if now >= limit:
        raised.append(
            Alarm(
                "provisional_arrest.limit",
                Level.CRITICAL,
                limit,
                f"{days_text(durations[LIMIT])} since the arrest without the extradition request: "
                "the person must be released (ECE 16(4)).",
            )
        )
    return raised


def due_steps(
    record: PracticeRecord, *, now: datetime, durations: Mapping[str, timedelta]
) -> list[Step]:
    """The clock-driven steps due at ``now``: ``release_due``, dated at the limit, once the
    limit has passed while the person is held without the extradition request."""
    running = clocks(record, durations)
    if record.state != ARRESTED or running is None or now < running[1]:
        return []
    after = clock_step(record, PROVISIONAL_ARREST, "release_due", at=running[1])
    return [after.steps[-1]]


def _due(record: PracticeRecord, facts: ClockFacts) -> list[Step]:
    return due_steps(record, now=facts.now, durations=facts.durations)


def _read(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    running = clocks(record, facts.durations)
    if running is None:
        return ClockReading()
    review, limit = running
    ece = ("ECE 16(4)",)
    return ClockReading(
        ends_at=limit,
        alarms=tuple(alarms(record, now=facts.now, durations=facts.durations)),
        deadlines=(
            ClockDeadline("provisional_arrest.review", "Provisional arrest: review",
                          "reminder", review, ece),
            ClockDeadline("provisional_arrest.limit",
                          "Provisional arrest: release limit", "deadline", limit, ece),
        ),
    )  # fmt: skip


FORM = PracticeForm(
    lifecycle=PROVISIONAL_ARREST,
    type_codes=("provisional_arrest",),
    clock_side=StepSide.REQUESTED,
    due_steps=_due,
    read_clock=_read,
)
