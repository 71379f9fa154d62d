"""The practice registry: each form's life cycle, its clock and the deadlines it sets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from comity.domain.errors import IllegalTransitionError, PermissionDeniedError
from comity.domain.practice import preservation, provisional_arrest
from comity.domain.practice.forms import (
    ClockFacts,
    ClockReading,
    PracticeForm,
    days_text,
    reminders_before,
)
from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    StepSide,
    Value,
    begin,
    take,
)
from comity.domain.practice.registry import (
    BY_LIFECYCLE,
    CLOCK_SIDE,
    FORMS,
    due_steps,
    form_for,
    lifecycle_for,
    practice_deadlines,
    read_clock,
)
from comity.domain.values import Side

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


def _facts(now: datetime, **more: object) -> ClockFacts:
    return ClockFacts(now=now, durations=DURATIONS, reminders=REMINDERS, **more)  # type: ignore[arg-type]


def test_the_forms_with_a_life_cycle_and_whose_clock_runs_it() -> None:
    assert lifecycle_for("preservation") is preservation.PRESERVATION
    assert lifecycle_for("provisional_arrest") is provisional_arrest.PROVISIONAL_ARREST
    assert lifecycle_for("mla") is None and form_for("mla") is None
    assert CLOCK_SIDE["preservation"] is StepSide.REQUESTED
    # Each life cycle code and each type code belongs to one form only.
    assert len(BY_LIFECYCLE) == len(FORMS)
    type_codes = [code for form in FORMS for code in form.type_codes]
    assert len(type_codes) == len(set(type_codes))


def test_a_preservations_clock_expiry_reminders_and_deadlines() -> None:
    record = _preserved()
    reading = read_clock(record, _facts(T0))
    # Confirmed 1 March 10:00 + 60 days = 30 April 10:00; reminders 16, 23 and 28 April.
    assert reading.ends_at == datetime(2026, 4, 30, 10, 0, tzinfo=UTC)
    assert [at.day for at, _ in reading.reminders] == [16, 23, 28]
    late = read_clock(record, _facts(datetime(2026, 4, 24, tzinfo=UTC)))
    assert [at.day for at, _ in late.reminders] == [28]
    deadlines = practice_deadlines("r1", record, _facts(T0))
    assert [(d.code, d.kind) for d in deadlines] == [
        ("preservation.expiry", "deadline"),
        ("preservation.expiry.reminder", "reminder"),
        ("preservation.expiry.reminder", "reminder"),
        ("preservation.expiry.reminder", "reminder"),
    ]
    expired = due_steps(record, _facts(datetime(2026, 5, 1, tzinfo=UTC)))
    assert [step.code for step in expired] == ["expire"]
    held = due_steps(record, _facts(T0, follow_up_pending=True))
    assert [step.code for step in held] == ["hold"]


def test_a_provisional_arrests_alarms_and_deadlines() -> None:
    record = _arrested()
    early = read_clock(record, _facts(T0))
    assert early.alarms == () and early.ends_at == T0 + timedelta(days=40)
    review = read_clock(record, _facts(T0 + timedelta(days=18)))
    assert [alarm.code for alarm in review.alarms] == ["provisional_arrest.review"]
    deadlines = practice_deadlines("r1", record, _facts(T0))
    assert [(d.code, d.due_at) for d in deadlines] == [
        ("provisional_arrest.review", T0 + timedelta(days=18)),
        ("provisional_arrest.limit", T0 + timedelta(days=40)),
    ]
    assert [s.code for s in due_steps(record, _facts(T0 + timedelta(days=40)))] == ["release_due"]


def test_records_without_a_running_clock_set_nothing() -> None:
    assert practice_deadlines("r1", begin(preservation.PRESERVATION), _facts(T0)) == ()
    not_arrested = begin(provisional_arrest.PROVISIONAL_ARREST)
    assert practice_deadlines("r1", not_arrested, _facts(T0)) == ()
    other = LifeCycle(code="other", states=("a",), initial="a", steps=())
    record = begin(other)
    assert due_steps(record, _facts(T0)) == []
    reading = read_clock(record, _facts(T0))
    assert (reading.ends_at, reading.alarms, reading.reminders) == (None, (), ())


def test_a_form_without_a_clock_takes_no_step_and_reads_nothing() -> None:
    quiet = PracticeForm(LifeCycle(code="quiet", states=("a",), initial="a", steps=()), ("q",))
    record = begin(quiet.lifecycle)
    assert quiet.clock_side is None
    assert quiet.due_steps(record, _facts(T0)) == []
    assert quiet.read_clock(record, _facts(T0)) == ClockReading()


def test_reminders_come_before_the_end_earliest_first_and_days_read_as_said() -> None:
    end = datetime(2026, 4, 30, 10, 0, tzinfo=UTC)
    found = reminders_before(
        end, (timedelta(days=2), timedelta(0), timedelta(days=14)), lambda d: days_text(d)
    )
    # Zero and negative offsets remind of nothing.
    assert found == [(datetime(2026, 4, 16, 10, 0, tzinfo=UTC), "14 days"),
                     (datetime(2026, 4, 28, 10, 0, tzinfo=UTC), "2 days")]  # fmt: skip
    assert days_text(timedelta(days=1)) == "1 day"
    assert days_text(timedelta(hours=12)) == "0.5 days"


def test_a_forms_guard_runs_before_its_table_only_on_a_step_the_table_allows() -> None:
    seen: list[str] = []

    def guard(
        record: PracticeRecord,
        step_code: str,
        *,
        side: StepSide | Side,
        values: Mapping[str, Value] | None = None,
    ) -> None:
        seen.append(step_code)
        if (values or {}).get("order_ref") == "refused":
            raise PermissionDeniedError("the guard says no")

    guarded = PracticeForm(preservation.PRESERVATION, ("p",), guard=guard)
    record = begin(preservation.PRESERVATION)
    with pytest.raises(PermissionDeniedError, match="guard"):
        guarded.take(record, "order", side=Side.REQUESTED, actor_id="d", at=T0,
                     values={"provider": "P", "order_ref": "refused"})  # fmt: skip
    # A step the state does not allow is the table's to refuse, and the guard never sees it.
    with pytest.raises(IllegalTransitionError):
        guarded.take(record, "confirm", side=Side.REQUESTED, actor_id="d", at=T0)
    assert seen == ["order"]
    ordered = preservation.FORM.take(
        record, "order", side=Side.REQUESTED, actor_id="d", at=T0,
        values={"provider": "P", "order_ref": "PO-1"},
    )  # fmt: skip
    assert ordered.state == preservation.ORDERED
