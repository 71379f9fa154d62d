"""The practice registry: each form's life cycle, its clock and the deadlines it sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from comity.domain.practice import preservation, provisional_arrest
from comity.domain.practice.lifecycle import LifeCycle, PracticeRecord, StepSide, begin, take
from comity.domain.practice.registry import (
    CLOCK_SIDE,
    due_steps,
    lifecycle_for,
    practice_deadlines,
    read_clock,
)

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
DURATIONS = {
    "preservation": timedelta(days=60),
    "provisional_arrest_review": timedelta(days=18),
    "provisional_arrest_limit": timedelta(days=40),
}
REMINDERS = {"preservation": (timedelta(days=14), timedelta(days=7), timedelta(days=2))}


def _preserved() -> PracticeRecord:
    record = begin(preservation.PRESERVATION)
    record = take(
        record,
        preservation.PRESERVATION,
        "order",
        side=StepSide.REQUESTED,
        actor_id="duty",
        at=T0,
        values={"provider": "Example Hosting Ltd", "order_ref": "PO-1"},
    )
    return take(
        record,
        preservation.PRESERVATION,
        "confirm",
        side=StepSide.REQUESTED,
        actor_id="duty",
        at=T0,
        values={"confirmation_ref": "C-1"},
    )


def _arrested() -> PracticeRecord:
    return take(
        begin(provisional_arrest.PROVISIONAL_ARREST),
        provisional_arrest.PROVISIONAL_ARREST,
        "arrest",
        side=StepSide.REQUESTED,
        actor_id="police",
        at=T0,
        values={"arrested_at": T0.isoformat()},
    )


def test_the_forms_with_a_life_cycle_and_whose_clock_runs_it() -> None:
    assert lifecycle_for("preservation") is preservation.PRESERVATION
    assert lifecycle_for("provisional_arrest") is provisional_arrest.PROVISIONAL_ARREST
    assert lifecycle_for("mla") is None
    assert set(CLOCK_SIDE.values()) == {StepSide.REQUESTED}


def test_a_preservations_clock_expiry_reminders_and_deadlines() -> None:
    record = _preserved()
    reading = read_clock(record, now=T0, durations=DURATIONS, reminders=REMINDERS)
    # Confirmed 1 March 10:00 + 60 days = 30 April 10:00; reminders 16, 23 and 28 April.
    assert reading.ends_at == datetime(2026, 4, 30, 10, 0, tzinfo=UTC)
    assert [at.day for at, _ in reading.reminders] == [16, 23, 28]
    late = read_clock(
        record, now=datetime(2026, 4, 24, tzinfo=UTC), durations=DURATIONS, reminders=REMINDERS
    )
    assert [at.day for at, _ in late.reminders] == [28]
    deadlines = practice_deadlines("r1", record, now=T0, durations=DURATIONS, reminders=REMINDERS)
    assert [(d.code, d.kind) for d in deadlines] == [
        ("preservation.expiry", "deadline"),
        ("preservation.expiry.reminder", "reminder"),
        ("preservation.expiry.reminder", "reminder"),
        ("preservation.expiry.reminder", "reminder"),
    ]
    expired = due_steps(record, now=datetime(2026, 5, 1, tzinfo=UTC), durations=DURATIONS)
    assert [step.code for step in expired] == ["expire"]
    held = due_steps(record, now=T0, durations=DURATIONS, follow_up_pending=True)
    assert [step.code for step in held] == ["hold"]


def test_a_provisional_arrests_alarms_and_deadlines() -> None:
    record = _arrested()
    early = read_clock(record, now=T0, durations=DURATIONS, reminders=REMINDERS)
    assert early.alarms == () and early.ends_at == T0 + timedelta(days=40)
    review = read_clock(record, now=T0 + timedelta(days=18), durations=DURATIONS, reminders={})
    assert [alarm[0] for alarm in review.alarms] == ["provisional_arrest.review"]
    deadlines = practice_deadlines("r1", record, now=T0, durations=DURATIONS, reminders={})
    assert [(d.code, d.due_at) for d in deadlines] == [
        ("provisional_arrest.review", T0 + timedelta(days=18)),
        ("provisional_arrest.limit", T0 + timedelta(days=40)),
    ]
    assert [
        s.code for s in due_steps(record, now=T0 + timedelta(days=40), durations=DURATIONS)
    ] == ["release_due"]


def test_records_without_a_running_clock_set_nothing() -> None:
    requested = begin(preservation.PRESERVATION)
    assert (
        practice_deadlines("r1", requested, now=T0, durations=DURATIONS, reminders=REMINDERS) == ()
    )
    not_arrested = begin(provisional_arrest.PROVISIONAL_ARREST)
    assert practice_deadlines("r1", not_arrested, now=T0, durations=DURATIONS, reminders={}) == ()
    other = LifeCycle(code="other", states=("a",), initial="a", steps=())
    record = begin(other)
    assert due_steps(record, now=T0, durations=DURATIONS) == []
    reading = read_clock(record, now=T0, durations=DURATIONS, reminders=REMINDERS)
    assert (reading.ends_at, reading.alarms, reading.reminders) == (None, (), ())
