"""Who is on duty at a 24/7 point, and whom an emergency escalates to (hand-checked times)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comity.domain.errors import InvalidFieldsError
from comity.domain.roster import (
    Shift,
    ShiftRole,
    check_shift,
    escalated_to,
    escalation_due,
    first_alerted,
    on_duty,
)

NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)


def _shift(name: str, role: ShiftRole, start: datetime, hours: int) -> Shift:
    return Shift(name, "poc", f"user-{name}", role, start, start + timedelta(hours=hours))


ROSTER = [
    _shift("ana", ShiftRole.DUTY, NIGHT, 8),  # 22:00 → 06:00
    _shift("ben", ShiftRole.DUTY, NIGHT + timedelta(hours=8), 8),  # 06:00 → 14:00
    _shift("cho", ShiftRole.BACKUP, NIGHT, 12),  # 22:00 → 10:00
    _shift("dan", ShiftRole.SUPERVISOR, NIGHT - timedelta(hours=10), 24),  # 12:00 → 12:00
]


def test_on_duty_lists_duty_then_backup_then_supervisor_at_that_instant() -> None:
    at = NIGHT + timedelta(hours=3)  # 01:00
    assert [s.id for s in on_duty(ROSTER, at)] == ["ana", "cho", "dan"]
    # Hand-over at 06:00: the start is included, the end is not.
    handover = NIGHT + timedelta(hours=8)
    assert [s.id for s in first_alerted(ROSTER, handover)] == ["ben"]
    assert [s.id for s in first_alerted(ROSTER, handover - timedelta(seconds=1))] == ["ana"]


def test_escalation_goes_to_the_backups_and_the_supervisor_or_back_to_duty() -> None:
    assert [s.id for s in escalated_to(ROSTER, NIGHT + timedelta(hours=3))] == ["cho", "dan"]
    # From 10:00 nobody backs up: the duty officer is alerted again, with the supervisor.
    late = NIGHT + timedelta(hours=13)  # 11:00
    assert [s.id for s in escalated_to(ROSTER, late)] == ["ben", "dan"]
    assert escalated_to([], late) == []


def test_escalation_is_due_when_the_target_passes_unacknowledged() -> None:
    arrived = NIGHT
    target = timedelta(hours=1)
    assert not escalation_due(
        arrived_at=arrived, acknowledged_at=None, target=target, now=arrived + timedelta(minutes=59)
    )
    assert escalation_due(
        arrived_at=arrived, acknowledged_at=None, target=target, now=arrived + target
    )
    assert not escalation_due(
        arrived_at=arrived,
        acknowledged_at=arrived + timedelta(minutes=5),
        target=target,
        now=arrived + timedelta(hours=2),
    )


@pytest.mark.parametrize(
    ("hours", "contact", "path"),
    [
        (0, None, "ends_at"),
        (-1, None, "ends_at"),
        (24 * 15, None, "ends_at"),
        (8, "not-an-address", "contact"),
    ],
)
def test_a_wrong_shift_is_refused_at_its_field(hours: int, contact: str | None, path: str) -> None:
    with pytest.raises(InvalidFieldsError) as caught:
        check_shift(NIGHT, NIGHT + timedelta(hours=hours), contact)
    assert [issue.path for issue in caught.value.issues] == [path]


def test_a_good_shift_passes() -> None:
    check_shift(NIGHT, NIGHT + timedelta(days=14), "duty@xb.example")
    check_shift(NIGHT, NIGHT + timedelta(hours=8), None)
