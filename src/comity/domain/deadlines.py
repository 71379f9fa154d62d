"""Deadlines from the catalogue's timers and the profile's durations; ``now`` is never read.

A timer starts when the request enters a status (``sent``, ``in_execution``…) or on the date in
a field (``arrested_at``, ``requested_deadline``). It is met once the request enters one of its
``until`` statuses after the start, and no deadline stays open on a request that has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from comity.domain.catalogue import Profile, RequestType, TimerSpec
from comity.domain.fields import parse_instant
from comity.domain.requests import CooperationRequest
from comity.domain.workflow import Status, is_open


@dataclass(frozen=True)
class Deadline:
    """One date by which something must happen (or a reminder that it soon must)."""

    request_id: str
    code: str
    label: str
    kind: str
    due_at: datetime
    basis: tuple[str, ...] = ()


def compute_deadlines(
    request: CooperationRequest, rtype: RequestType, profile: Profile
) -> tuple[Deadline, ...]:
    """Every open deadline of ``request``, earliest first."""
    if not is_open(request.status):
        return ()
    found: list[Deadline] = []
    for timer in rtype.timers:
        found.extend(_timer_deadlines(timer, request, profile))
    return tuple(sorted(found, key=lambda deadline: (deadline.due_at, deadline.code)))


def _timer_deadlines(
    timer: TimerSpec, request: CooperationRequest, profile: Profile
) -> list[Deadline]:
    if timer.side is not None and timer.side is not request.side:
        return []
    if timer.applies_when is not None and not timer.applies_when.holds(request.context()):
        return []
    start = _start(timer, request)
    if start is None or _met(timer, request, start):
        return []
    due = start + _duration(timer, profile)
    deadlines = [Deadline(request.id, timer.code, timer.label, timer.kind, due, timer.basis)]
    for before in profile.reminders.get(timer.reminders_profile or "", ()):
        deadlines.append(
            Deadline(
                request.id,
                f"{timer.code}.reminder",
                f"{timer.label} in {_say(before)}",
                "reminder",
                due - before,
                timer.basis,
            )
        )
    return deadlines


def _start(timer: TimerSpec, request: CooperationRequest) -> datetime | None:
    if timer.start_status is not None:
        return request.entered_at(Status(timer.start_status))
    return parse_instant(request.fields.get(timer.start_field or ""))


def _met(timer: TimerSpec, request: CooperationRequest, start: datetime) -> bool:
    return any(entry.to_status in timer.until and entry.at >= start for entry in request.history)


def _duration(timer: TimerSpec, profile: Profile) -> timedelta:
    if timer.after_profile is not None:
        return profile.durations[timer.after_profile]
    return timer.after or timedelta(0)


def _say(delta: timedelta) -> str:
    if delta % timedelta(days=1) == timedelta(0):
        days = delta // timedelta(days=1)
        return f"{days} day" + ("" if days == 1 else "s")
    hours = delta / timedelta(hours=1)
    return f"{hours:g} hour" + ("" if hours == 1 else "s")
