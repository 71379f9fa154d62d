"""Who is on duty at a 24/7 point of contact, and whom an unacknowledged emergency escalates to
(issue 8 item 1; legal.md §5.2 N247-01: on-call roster, escalation, acknowledgement target).

Shifts are instants (UTC); the point's pages show them in its time zone. At any instant the
point has its duty officers, the backups who take over when an emergency is not acknowledged
in time, and the supervisor who is told at the same moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from comity.domain.errors import FieldIssue, InvalidFieldsError

# A shift longer than this is a mistake in the dates, not a roster.
MAX_SHIFT = timedelta(days=14)
# An address alerts can reach: something@domain, nothing more is checked here.
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}")


class ShiftRole(StrEnum):
    """What a shift is for; the order is the order of escalation."""

    DUTY = "duty"
    BACKUP = "backup"
    SUPERVISOR = "supervisor"


_ORDER = {ShiftRole.DUTY: 0, ShiftRole.BACKUP: 1, ShiftRole.SUPERVISOR: 2}


@dataclass(frozen=True)
class Shift:
    """One officer on the roster of a 24/7 point, from ``starts_at`` until ``ends_at``."""

    id: str
    authority_id: str
    user_id: str
    role: ShiftRole
    starts_at: datetime
    ends_at: datetime
    # Where this officer's alerts go during the shift (an e-mail address), if anywhere.
    contact: str | None = None
    # What the officer going off duty hands over (open cases, pending calls).
    handover_note: str = ""

    def covers(self, at: datetime) -> bool:
        """True while the shift runs (its start included, its end not)."""
        return self.starts_at <= at < self.ends_at


def check_shift(starts_at: datetime, ends_at: datetime, contact: str | None) -> None:
    """Refuse a shift that ends before it starts, runs over 14 days, or has no usable address."""
    issues = []
    if ends_at <= starts_at:
        issues.append(FieldIssue("ends_at", "invalid", "the shift must end after it starts"))
    elif ends_at - starts_at > MAX_SHIFT:
        issues.append(FieldIssue("ends_at", "invalid", "a shift lasts at most 14 days"))
    if contact is not None and not _EMAIL.fullmatch(contact):
        issues.append(FieldIssue("contact", "invalid", "an e-mail address such as duty@xa.example"))
    if issues:
        raise InvalidFieldsError(tuple(issues))


def on_duty(shifts: Iterable[Shift], at: datetime) -> list[Shift]:
    """The shifts running at ``at``: duty officers first, then backups, then supervisors."""
    return sorted(
        (shift for shift in shifts if shift.covers(at)),
        key=lambda shift: (_ORDER[shift.role], shift.starts_at, shift.id),
    )


def first_alerted(shifts: Iterable[Shift], at: datetime) -> list[Shift]:
    """Who is alerted the moment an emergency arrives: the duty officers on shift."""
    return [shift for shift in on_duty(shifts, at) if shift.role is ShiftRole.DUTY]


def escalated_to(shifts: Iterable[Shift], at: datetime) -> list[Shift]:
    """Who is alerted when the acknowledgement target passes: the next officers (backups)
    and the supervisor on shift — and, if nobody backs up, the duty officers again."""
    running = on_duty(shifts, at)
    chosen = [shift for shift in running if shift.role is not ShiftRole.DUTY]
    if not any(shift.role is ShiftRole.BACKUP for shift in chosen):
        chosen = [shift for shift in running if shift.role is ShiftRole.DUTY] + chosen
    return chosen


def escalation_due(
    *, arrived_at: datetime, acknowledged_at: datetime | None, target: timedelta, now: datetime
) -> bool:
    """True once an emergency has waited longer than its acknowledgement target."""
    return acknowledged_at is None and now >= arrived_at + target
