"""The life cycle of an expedited preservation of stored data (type card T05) and its clock.

The requested State orders the provider to preserve the data and returns the provider's
confirmation (BC 29(1), 29(3) [V]; UNCC 42 [K]); its 24/7 point of contact may do both without
the central authority, since preserving data is one of the point's own functions (BC 35(1)(b)
[V]; UNCC 41(3)(b) [K]; statement Q17, Q21). The steps belong to the requested *side*: which
of its officers may take them is a matter for the services' roles, not for this table.

Preservation lasts not less than 60 days, to enable the requesting State to submit its
follow-up request; once that request is received the data stay preserved until it is decided
(BC 29(7) [V]; UNCC 42 [K]; R-PRES-05). The requesting State may ask for an extension and the
requested State may grant it; each extension adds the profile's duration again. legal.md sets
no cap on extensions under BC 29(7) or UNCC 42 (only the EU regime caps its single extension at
30 days, EU_EEV 11 [K], which no profile here models), so none is imposed. While executing the
preservation, the requested State discloses enough traffic data to identify another State's
provider that took part in the transmission (BC 30(1) [V]; UNCC 43(1) [K]; type card T06):
that step records the provider without moving the record.

Held time does not count. While a linked follow-up request for disclosure is pending the
expiry is suspended; if the follow-up ends without disclosure (refused, withdrawn, lapsed),
counting resumes with the days that were left when the hold began. BC 29(7) gives the requesting
State at least 60 days to submit a follow-up request and then keeps the data "pending a decision
on that request"; counting the time spent on a follow-up that failed would shorten the period
the article guarantees for a corrected one, and R-PRES-05 takes a pending follow-up to mean "no
expiry". A follow-up that ends with disclosure releases the data ("follow_up_done").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from comity.domain.practice.forms import (
    ClockDeadline,
    ClockFacts,
    ClockReading,
    PracticeForm,
    days_text,
    reminders_before,
)
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    Step,
    StepRule,
    StepSide,
    ValueRule,
    clock_step,
)

REQUESTED = "requested"
ORDERED = "ordered"
PRESERVED = "preserved"
EXTENSION_REQUESTED = "extension_requested"
EXTENDED = "extended"
HELD = "held"
RELEASED = "released"

#: The states in which the preservation clock runs.
COUNTING = frozenset({PRESERVED, EXTENSION_REQUESTED, EXTENDED})

#: The minimum period of preservation, whatever a profile says (BC 29(7) [V]; UNCC 42 [K]).
MINIMUM = timedelta(days=60)

#: The profile duration (and reminder list) that preservation reads.
DURATION = "preservation"

#: Why a preservation was released, by the step that released it.
RELEASE_REASONS: Mapping[str, str] = {
    "expire": "expired",
    "complete": "follow_up_done",
    "withdraw": "withdrawn",
}

_RUNNING = COUNTING | {HELD}

PRESERVATION = LifeCycle(
    code="preservation",
    states=(REQUESTED, ORDERED, PRESERVED, EXTENSION_REQUESTED, EXTENDED, HELD, RELEASED),
    initial=REQUESTED,
    steps=(
        # The order to the provider (BC 29(1), 29(3) [V]; UNCC 42 [K]; BC 35(1)(b) [V]).
        StepRule(
            "order",
            frozenset({REQUESTED}),
            ORDERED,
            StepSide.REQUESTED,
            values=(ValueRule("provider"), ValueRule("order_ref")),
            basis=("BC 29(1)", "BC 35(1)(b)", "UNCC 41(3)(b)", "UNCC 42", "Statement Q17, Q21"),
        ),
        # The provider's confirmation, returned to the requesting State: the clock starts here.
        StepRule(
            "confirm",
            frozenset({ORDERED}),
            PRESERVED,
            StepSide.REQUESTED,
            values=(ValueRule("confirmation_ref"),),
            basis=("BC 29(7)", "UNCC 42"),
        ),
        # Another State's provider found in the transmission path (type card T06).
        StepRule(
            "disclose_path",
            _RUNNING,
            None,
            StepSide.REQUESTED,
            values=(ValueRule("provider_name"), ValueRule("provider_country")),
            basis=("BC 30(1)", "UNCC 43(1)", "Statement Q17"),
        ),
        StepRule(
            "request_extension",
            frozenset({PRESERVED, EXTENDED}),
            EXTENSION_REQUESTED,
            StepSide.REQUESTING,
            reasoned=True,
            basis=("UNCC 42",),
        ),
        StepRule(
            "grant_extension",
            frozenset({EXTENSION_REQUESTED}),
            EXTENDED,
            StepSide.REQUESTED,
            basis=("UNCC 42",),
        ),
        # A refused extension leaves the preservation counting as it was: "preserved" means
        # counting with no extension pending, and the expiry still counts every grant.
        StepRule(
            "refuse_extension",
            frozenset({EXTENSION_REQUESTED}),
            PRESERVED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("UNCC 42",),
        ),
        StepRule("hold", COUNTING, HELD, StepSide.SYSTEM, basis=("BC 29(7)", "UNCC 42")),
        StepRule("resume", frozenset({HELD}), PRESERVED, StepSide.SYSTEM, basis=("BC 29(7)",)),
        StepRule("complete", frozenset({HELD}), RELEASED, StepSide.SYSTEM, basis=("BC 29(7)",)),
        StepRule("expire", COUNTING, RELEASED, StepSide.SYSTEM, basis=("BC 29(7)", "UNCC 42")),
        StepRule(
            "withdraw",
            frozenset({REQUESTED, ORDERED}) | _RUNNING,
            RELEASED,
            StepSide.REQUESTING,
            reasoned=True,
        ),
    ),
)


def period(durations: Mapping[str, timedelta]) -> timedelta:
    """The profile's preservation period, never less than the 60 days of BC 29(7)."""
    return max(durations.get(DURATION, MINIMUM), MINIMUM)


def expiry(record: PracticeRecord, durations: Mapping[str, timedelta]) -> datetime | None:
    """When the preservation expires: the provider's confirmation plus one period for the
    preservation and one for each extension granted, plus the time spent held. None before
    the confirmation, while held (suspended) and once released."""
    confirmed = record.last("confirm")
    if record.state not in COUNTING or confirmed is None:
        return None
    extensions = sum(1 for step in record.steps if step.code == "grant_extension")
    # In a counting state every hold has been followed by its resumption.
    holds = [step.at for step in record.steps if step.code == "hold"]
    resumptions = [step.at for step in record.steps if step.code == "resume"]
    held = sum((end - begin for begin, end in zip(holds, resumptions, strict=True)), timedelta(0))
    return confirmed.at + period(durations) * (1 + extensions) + held


def reminders(
    record: PracticeRecord,
    durations: Mapping[str, timedelta],
    reminder_offsets: tuple[timedelta, ...],
) -> list[tuple[datetime, str]]:
    """The reminders due to the requesting State before the expiry (the profile's
    ``reminders["preservation"]``: 14, 7 and 2 days, R-PRES-05), earliest first."""
    expires = expiry(record, durations)
    if expires is None:
        return []
    return reminders_before(
        expires,
        reminder_offsets,
        lambda before: f"Preservation expires in {days_text(before)} on {expires.isoformat()}",
    )


def release_reason(record: PracticeRecord) -> str | None:
    """Why the data were released (``expired``, ``follow_up_done``, ``withdrawn``), or None."""
    if record.state != RELEASED:
        return None
    last = record.last(*RELEASE_REASONS)
    return None if last is None else RELEASE_REASONS[last.code]


def due_steps(
    record: PracticeRecord,
    *,
    now: datetime,
    follow_up_pending: bool,
    durations: Mapping[str, timedelta],
    follow_up_done: bool = False,
) -> list[Step]:
    """The clock-driven steps that must be taken at ``now``, in order, each ready for ``take``.

    A pending follow-up holds a counting preservation (BC 29(7): data stay preserved pending
    the decision); a hold whose follow-up is no longer pending resumes counting or, if the
    follow-up ended with disclosure (``follow_up_done``), releases the data; a counting
    preservation past its expiry is released as ``expired``, dated at the expiry. A hold and
    a resumption are dated ``now``: call this when the follow-up's status changes, as well as
    on a timer, so that the held time is what it was.
    """
    found: list[Step] = []
    while (due := _next(record, now, follow_up_pending, follow_up_done, durations)) is not None:
        code, at = due
        record = clock_step(record, PRESERVATION, code, at=at)
        found.append(record.steps[-1])
    return found


def _next(
    record: PracticeRecord,
    now: datetime,
    pending: bool,
    done: bool,
    durations: Mapping[str, timedelta],
) -> tuple[str, datetime] | None:
    if record.state == HELD and not pending:
        return ("complete" if done else "resume", now)
    if record.state not in COUNTING:
        return None
    if pending:
        return ("hold", now)
    expires = expiry(record, durations)
    if expires is not None and now >= expires:
        return ("expire", expires)
    return None


def _due(record: PracticeRecord, facts: ClockFacts) -> list[Step]:
    return due_steps(
        record,
        now=facts.now,
        follow_up_pending=facts.follow_up_pending,
        follow_up_done=facts.follow_up_done,
        durations=facts.durations,
    )


def _read(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    expires = expiry(record, facts.durations)
    if expires is None:
        return ClockReading()
    basis = ("BC 29(7)", "UNCC 42")
    all_reminders = reminders(record, facts.durations, facts.reminders.get(DURATION, ()))
    return ClockReading(
        ends_at=expires,
        reminders=tuple((at, text) for at, text in all_reminders if at >= facts.now),
        deadlines=(
            ClockDeadline("preservation.expiry", "Preservation expires", "deadline", expires,
                          basis),
            *(ClockDeadline("preservation.expiry.reminder", text, "reminder", at, basis)
              for at, text in all_reminders),
        ),
    )  # fmt: skip


FORM = PracticeForm(
    lifecycle=PRESERVATION,
    type_codes=("preservation",),
    clock_side=StepSide.REQUESTED,
    due_steps=_due,
    read_clock=_read,
)
