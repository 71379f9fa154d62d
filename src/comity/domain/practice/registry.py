"""Which forms of cooperation run a practice life cycle, and what each one's clock says.

A form of cooperation (the catalogue's type code) maps to its life cycle; the clock functions
(``due_steps``, ``alarms``, ``expiry``) are called through here, so that services hold no
knowledge of any one form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from comity.domain.deadlines import Deadline
from comity.domain.practice import preservation, provisional_arrest
from comity.domain.practice.lifecycle import LifeCycle, PracticeRecord, Step, StepSide

LIFE_CYCLES: Mapping[str, LifeCycle] = {
    "preservation": preservation.PRESERVATION,
    "provisional_arrest": provisional_arrest.PROVISIONAL_ARREST,
}

# The side whose node runs each life cycle's clock: the State that holds the data or the
# person, and so takes the clock-driven steps and sends them to the other State.
CLOCK_SIDE: Mapping[str, StepSide] = {
    "preservation": StepSide.REQUESTED,
    "provisional_arrest": StepSide.REQUESTED,
}


@dataclass(frozen=True)
class ClockReading:
    """What a record's clock says at one instant: when it ends, alarms raised, and the
    reminders still ahead."""

    ends_at: datetime | None
    alarms: tuple[tuple[str, str, datetime, str], ...]
    reminders: tuple[tuple[datetime, str], ...]


def practice_deadlines(
    request_id: str,
    record: PracticeRecord,
    *,
    now: datetime,
    durations: Mapping[str, timedelta],
    reminders: Mapping[str, tuple[timedelta, ...]],
) -> tuple[Deadline, ...]:
    """The deadlines a record's clock sets, for the dashboards and desks: a preservation's
    expiry and the reminders before it, a provisional arrest's review and release limit."""
    reading = read_clock(record, now=now, durations=durations, reminders=reminders)
    found: list[Deadline] = []
    if record.lifecycle == preservation.PRESERVATION.code and reading.ends_at is not None:
        basis: tuple[str, ...] = ("BC 29(7)", "UNCC 42")
        found.append(
            Deadline(request_id, "preservation.expiry", "Preservation expires", "deadline",
                     reading.ends_at, basis)
        )  # fmt: skip
        found.extend(
            Deadline(request_id, "preservation.expiry.reminder", text, "reminder", at, basis)
            for at, text in reading.reminders
        )
    running = (
        provisional_arrest.clocks(record, durations)
        if record.lifecycle == provisional_arrest.PROVISIONAL_ARREST.code
        else None
    )
    if running is not None:
        ece = ("ECE 16(4)",)
        review, limit = running
        found.append(
            Deadline(request_id, "provisional_arrest.review", "Provisional arrest: review",
                     "reminder", review, ece)
        )  # fmt: skip
        found.append(
            Deadline(request_id, "provisional_arrest.limit", "Provisional arrest: release limit",
                     "deadline", limit, ece)
        )  # fmt: skip
    return tuple(found)


def lifecycle_for(type_code: str) -> LifeCycle | None:
    """The life cycle of a form of cooperation, or None if it runs the shared workflow only."""
    return LIFE_CYCLES.get(type_code)


def due_steps(
    record: PracticeRecord,
    *,
    now: datetime,
    durations: Mapping[str, timedelta],
    follow_up_pending: bool = False,
    follow_up_done: bool = False,
) -> list[Step]:
    """The clock-driven steps the record must take at ``now``, in order."""
    if record.lifecycle == preservation.PRESERVATION.code:
        return preservation.due_steps(
            record,
            now=now,
            follow_up_pending=follow_up_pending,
            follow_up_done=follow_up_done,
            durations=durations,
        )
    if record.lifecycle == provisional_arrest.PROVISIONAL_ARREST.code:
        return provisional_arrest.due_steps(record, now=now, durations=durations)
    return []


def read_clock(
    record: PracticeRecord,
    *,
    now: datetime,
    durations: Mapping[str, timedelta],
    reminders: Mapping[str, tuple[timedelta, ...]],
) -> ClockReading:
    """The record's clock at ``now``."""
    if record.lifecycle == preservation.PRESERVATION.code:
        ahead = tuple(
            (at, text)
            for at, text in preservation.reminders(
                record, durations, reminders.get(preservation.DURATION, ())
            )
            if at >= now
        )
        return ClockReading(preservation.expiry(record, durations), (), ahead)
    if record.lifecycle == provisional_arrest.PROVISIONAL_ARREST.code:
        running = provisional_arrest.clocks(record, durations)
        raised = tuple(
            (alarm.code, str(alarm.level), alarm.due_at, alarm.text)
            for alarm in provisional_arrest.alarms(record, now=now, durations=durations)
        )
        return ClockReading(None if running is None else running[1], raised, ())
    return ClockReading(None, (), ())
