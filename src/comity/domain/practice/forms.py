"""The contract every practice life cycle fulfils, so that the registry, the services and the
pages hold no knowledge of any one form of cooperation.

A form module (``preservation``, ``extradition``, ``joint_investigation``…) declares one
``PracticeForm``: its life cycle table, the catalogue types that run it, the side whose node
runs its clock, and two pure functions of the record and the ``ClockFacts`` (the instant, the
profile's durations and reminders, and what the node knows of linked requests): the steps the
clock must take now, and what the clock reads (when it ends, alarms raised, deadlines set).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from comity.domain.practice.lifecycle import (
    LifeCycle,
    PracticeRecord,
    Step,
    StepSide,
    Value,
    take,
)
from comity.domain.values import Side


@dataclass(frozen=True)
class ClockFacts:
    """What a clock is read against: the instant, the profile's durations and reminder
    offsets, and whether a linked follow-up request is pending or was executed."""

    now: datetime
    durations: Mapping[str, timedelta]
    reminders: Mapping[str, tuple[timedelta, ...]] = field(default_factory=dict)
    follow_up_pending: bool = False
    follow_up_done: bool = False


@dataclass(frozen=True)
class ClockDeadline:
    """A date the record's clock sets: ``kind`` is ``deadline`` or ``reminder``, as in the
    request deadlines the dashboards and desks list."""

    code: str
    label: str
    kind: str
    at: datetime
    basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alarm:
    """An alarm the clock raised: what, how loud (``warning`` or ``critical``), since when,
    and why in one sentence."""

    code: str
    level: str
    due_at: datetime
    text: str


@dataclass(frozen=True)
class ClockReading:
    """What a record's clock says: when it ends (an expiry, a release limit, the end of an
    agreement), the alarms raised, the reminders still ahead, and every date it sets."""

    ends_at: datetime | None = None
    alarms: tuple[Alarm, ...] = ()
    reminders: tuple[tuple[datetime, str], ...] = ()
    deadlines: tuple[ClockDeadline, ...] = ()


def no_due_steps(_record: PracticeRecord, _facts: ClockFacts) -> list[Step]:
    """The clock of a life cycle that has none takes no step."""
    return []


def no_clock(_record: PracticeRecord, _facts: ClockFacts) -> ClockReading:
    """The clock of a life cycle that has none reads nothing."""
    return ClockReading()


class Guard(Protocol):
    """A form's checks that its table cannot express (a second signature by the side that
    signed first, a countersignature over another digest…): raises a ``DomainError`` to refuse
    the step, returns None to let ``take`` decide the rest."""

    def __call__(
        self,
        record: PracticeRecord,
        step_code: str,
        *,
        side: StepSide | Side,
        values: Mapping[str, Value] | None = None,
    ) -> None: ...


def no_guard(
    record: PracticeRecord,
    step_code: str,
    *,
    side: StepSide | Side,
    values: Mapping[str, Value] | None = None,
) -> None:
    """A form whose table says everything checks nothing more."""
    del record, step_code, side, values


@dataclass(frozen=True)
class PracticeForm:
    """One practice life cycle as the registry knows it.

    ``clock_side`` is the State whose node takes the clock-driven (system) steps and sends them
    to the other, None if the cycle has no such steps; a node refuses a system step from a
    State that does not run the clock.
    """

    lifecycle: LifeCycle
    type_codes: tuple[str, ...]
    clock_side: StepSide | None = None
    due_steps: Callable[[PracticeRecord, ClockFacts], list[Step]] = no_due_steps
    read_clock: Callable[[PracticeRecord, ClockFacts], ClockReading] = no_clock
    guard: Guard = no_guard

    def take(
        self,
        record: PracticeRecord,
        step_code: str,
        *,
        side: StepSide | Side,
        actor_id: str,
        at: datetime,
        values: Mapping[str, Value] | None = None,
    ) -> PracticeRecord:
        """``take`` after the form's ``guard``: how a node takes a step or applies the other
        State's. The guard runs only on a step the table allows from the record's state, so
        that a step taken in the wrong state is refused as such."""
        if step_code in {rule.code for rule in self.lifecycle.available(record.state)}:
            self.guard(record, step_code, side=side, values=values)
        return take(
            record, self.lifecycle, step_code, side=side, actor_id=actor_id, at=at, values=values
        )


def reminders_before(
    end: datetime, offsets: tuple[timedelta, ...], text: Callable[[timedelta], str]
) -> list[tuple[datetime, str]]:
    """A reminder ``offset`` before ``end`` for each positive offset, earliest first."""
    return sorted((end - before, text(before)) for before in offsets if before > timedelta(0))


def days_text(delta: timedelta) -> str:
    """A duration in days as a reader says it: ``1 day``, ``18 days``, ``0.5 days``."""
    days = delta / timedelta(days=1)
    return f"{days:g} day" + ("" if days == 1 else "s")
