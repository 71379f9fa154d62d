"""The life cycle of a freezing or seizure for eventual confiscation (type card T21) and its
two clocks: the periodic review of the measure and the window in which the requesting State
may argue against its lifting.

The requested State takes the measure under its own law, on the request of a State with
jurisdiction, to identify, trace, freeze or seize proceeds, property or instrumentalities for
eventual confiscation (UNTOC 13(2) [V]; UNCAC 54(2), 55(2) [V]; UNCC 49(2), 50(2) [K]); it
records the order (reference, freeze or seize, the assets, when it was made) and the measure
is then in force. legal.md §1.2 T21 asks for a "periodic review task": the measure is reviewed
every ``freezing_review`` (90 days in every profile) from the order or from the last review,
with a reminder ``freezing_review`` (14 days) before each review date and a warning alarm once
the date has passed without a review. A review that continues the measure starts the period
again.

A measure may be lifted, for instance when sufficient and timely evidence has not arrived or
the property is of de minimis value (UNCAC 55(7) [V]); but "before lifting any provisional
measure … the requested State Party shall, wherever possible, give the requesting State Party
an opportunity to present its reasons in favour of continuing the measure" (UNCAC 55(8) [V];
UNCC 50 [K]). So the requested State first states its intention, with reasons; the
requesting State may argue for continuation within ``lift_comment_window`` (14 days); the
measure may be lifted only once that window has closed without an argument (the system step
``close_comment_window``, taken by the requested State's clock) or once the argument has been
answered. The requested State may instead maintain the measure at any point of that exchange.
An argument is accepted while the record still shows the window open: the clock closes it on
its next run, so an argument sent a moment late but before that run is heard — "wherever
possible" favours hearing it. Finally the requesting State may name the confiscation request
that takes over from the measure (UNTOC 13(1) [V]; UNCAC 55(1) [V]): the freezing is then
superseded.
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
    days_text,
    reminders_before,
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
IN_FORCE = "in_force"
LIFT_NOTIFIED = "lift_notified"
CONTINUATION_ARGUED = "continuation_argued"
LIFT_OPEN = "lift_open"
LIFTED = "lifted"
SUPERSEDED = "superseded"
DECLINED = "declined"

#: The states in which the measure is in force, and so reviewed.
MEASURE_IN_FORCE = frozenset({IN_FORCE, LIFT_NOTIFIED, CONTINUATION_ARGUED, LIFT_OPEN})

#: The profile durations (and reminder list) read here.
REVIEW = "freezing_review"
COMMENT_WINDOW = "lift_comment_window"

#: The legal defaults where a profile lacks the key: every packaged profile says the same.
DEFAULT_REVIEW = timedelta(days=90)
DEFAULT_COMMENT_WINDOW = timedelta(days=14)
DEFAULT_REMINDERS = (timedelta(days=14),)

MEASURES = ("freeze", "seize")

FREEZING = LifeCycle(
    code="freezing",
    states=(
        REQUESTED,
        IN_FORCE,
        LIFT_NOTIFIED,
        CONTINUATION_ARGUED,
        LIFT_OPEN,
        LIFTED,
        SUPERSEDED,
        DECLINED,
    ),
    initial=REQUESTED,
    steps=(
        # The requested State's order under its own law (UNTOC 13(2), 13(4) [V]; UNCAC 54(2),
        # 55(2) [V]; UNCC 49(2), 50(2) [K]): the review clock runs from when it was made.
        StepRule(
            "order",
            frozenset({REQUESTED}),
            IN_FORCE,
            StepSide.REQUESTED,
            values=(
                ValueRule("order_ref"),
                ValueRule("measure", ValueKind.CHOICE, choices=MEASURES),
                ValueRule("assets"),
                ValueRule("ordered_at", ValueKind.INSTANT),
            ),
            basis=("UNTOC 13(2)", "UNCAC 54(2)", "UNCAC 55(2)", "UNCC 49(2)", "UNCC 50(2)"),
        ),
        StepRule(
            "decline",
            frozenset({REQUESTED}),
            DECLINED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("UNCAC 55(7)",),
        ),
        # The periodic review (legal.md §1.2 T21): the measure continues, the period restarts.
        StepRule(
            "review",
            frozenset({IN_FORCE}),
            None,
            StepSide.REQUESTED,
            values=(
                ValueRule("outcome", ValueKind.CHOICE, choices=("continue",)),
                ValueRule("notes", required=False),
            ),
            basis=("UNCAC 55(7)",),
        ),
        # The requesting State is told, with reasons, before the measure is lifted (55(8)).
        StepRule(
            "intend_lift",
            frozenset({IN_FORCE}),
            LIFT_NOTIFIED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("UNCAC 55(7)", "UNCAC 55(8)", "UNCC 50"),
        ),
        StepRule(
            "argue_continuation",
            frozenset({LIFT_NOTIFIED}),
            CONTINUATION_ARGUED,
            StepSide.REQUESTING,
            values=(ValueRule("arguments"),),
            basis=("UNCAC 55(8)", "UNCC 50"),
        ),
        # No argument within the window: the requesting State had its opportunity.
        StepRule(
            "close_comment_window",
            frozenset({LIFT_NOTIFIED}),
            LIFT_OPEN,
            StepSide.SYSTEM,
            basis=("UNCAC 55(8)",),
        ),
        StepRule(
            "answer_argument",
            frozenset({CONTINUATION_ARGUED}),
            LIFT_OPEN,
            StepSide.REQUESTED,
            values=(ValueRule("answer"),),
            basis=("UNCAC 55(8)",),
        ),
        # Having heard the requesting State, the requested State keeps the measure.
        StepRule(
            "maintain",
            frozenset({LIFT_NOTIFIED, CONTINUATION_ARGUED, LIFT_OPEN}),
            IN_FORCE,
            StepSide.REQUESTED,
            values=(ValueRule("notes", required=False),),
            basis=("UNCAC 55(8)",),
        ),
        StepRule(
            "lift",
            frozenset({LIFT_OPEN}),
            LIFTED,
            StepSide.REQUESTED,
            reasoned=True,
            basis=("UNCAC 55(7)", "UNCAC 55(8)", "UNCC 50"),
        ),
        # The confiscation request takes over from the provisional measure (13(1); 55(1)).
        StepRule(
            "convert_to_confiscation",
            MEASURE_IN_FORCE,
            SUPERSEDED,
            StepSide.REQUESTING,
            values=(ValueRule("confiscation_ref"),),
            basis=("UNTOC 13(1)", "UNCAC 55(1)", "UNCC 50(1)"),
        ),
    ),
)


def review_period(durations: Mapping[str, timedelta]) -> timedelta:
    """The profile's review period, 90 days where the profile does not say."""
    return durations.get(REVIEW, DEFAULT_REVIEW)


def comment_window(durations: Mapping[str, timedelta]) -> timedelta:
    """The profile's window to argue against a lifting, 14 days where it does not say."""
    return durations.get(COMMENT_WINDOW, DEFAULT_COMMENT_WINDOW)


def ordered_at(record: PracticeRecord) -> datetime | None:
    """When the measure was ordered, as the ``order`` step records it, or None."""
    return instant_value(record.last("order"), "ordered_at")


def review_due(record: PracticeRecord, durations: Mapping[str, timedelta]) -> datetime | None:
    """When the next review is due: one period after the last review, or after the order if
    none was held; None while the measure is not in force."""
    start = ordered_at(record)
    if record.state not in MEASURE_IN_FORCE or start is None:
        return None
    reviewed = record.last("review")
    return (start if reviewed is None else reviewed.at) + review_period(durations)


def window_closes(record: PracticeRecord, durations: Mapping[str, timedelta]) -> datetime | None:
    """When the requesting State's window to argue for continuation closes: one window after
    the intention to lift was notified; None unless that notice is pending."""
    notice = record.last("intend_lift")
    if record.state != LIFT_NOTIFIED or notice is None:
        return None
    return notice.at + comment_window(durations)


def alarms(
    record: PracticeRecord, *, now: datetime, durations: Mapping[str, timedelta]
) -> list[Alarm]:
    """The warning raised once the review date has passed without a review."""
    due = review_due(record, durations)
    if due is None or now < due:
        return []
    return [
        Alarm(
            "freezing.review_overdue",
            "warning",
            due,
            f"The measure has not been reviewed in {days_text(review_period(durations))}: "
            "review it or lift it after hearing the requesting State (UNCAC 55(7), 55(8)).",
        )
    ]


def due_steps(
    record: PracticeRecord, *, now: datetime, durations: Mapping[str, timedelta]
) -> list[Step]:
    """``close_comment_window``, dated when the window closed, once it has closed without an
    argument for continuation."""
    closes = window_closes(record, durations)
    if closes is None or now < closes:
        return []
    after = clock_step(record, FREEZING, "close_comment_window", at=closes)
    return [after.steps[-1]]


def _due(record: PracticeRecord, facts: ClockFacts) -> list[Step]:
    return due_steps(record, now=facts.now, durations=facts.durations)


def _read(record: PracticeRecord, facts: ClockFacts) -> ClockReading:
    due = review_due(record, facts.durations)
    if due is None:
        return ClockReading()
    review_basis = ("UNCAC 55(7)",)
    offsets = facts.reminders.get(REVIEW, DEFAULT_REMINDERS)
    ahead = reminders_before(
        due, offsets, lambda before: f"Freezing review due in {days_text(before)}"
    )
    closes = window_closes(record, facts.durations)
    window = (
        ()
        if closes is None
        else (
            ClockDeadline(
                "freezing.lift_comment_window",
                "The requesting State may argue against the lifting until then",
                "deadline",
                closes,
                ("UNCAC 55(8)",),
            ),
        )
    )
    return ClockReading(
        ends_at=closes,
        alarms=tuple(alarms(record, now=facts.now, durations=facts.durations)),
        reminders=tuple((at, text) for at, text in ahead if at >= facts.now),
        deadlines=(
            ClockDeadline("freezing.review", "Freezing or seizure to be reviewed", "deadline",
                          due, review_basis),
            *(ClockDeadline("freezing.review.reminder", text, "reminder", at, review_basis)
              for at, text in ahead),
            *window,
        ),
    )  # fmt: skip


FORM = PracticeForm(
    lifecycle=FREEZING,
    type_codes=("freezing",),
    clock_side=StepSide.REQUESTED,
    due_steps=_due,
    read_clock=_read,
)
