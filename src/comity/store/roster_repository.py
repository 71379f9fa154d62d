"""The rosters of the 24/7 points of contact and the escalations of their emergencies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from comity.domain.roster import Shift, ShiftRole
from comity.store.tables import duty_shift, emergency_escalation


class SQLRosterRepository:
    """Implements ``services.roster_ports.RosterRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, shift: Shift) -> None:
        self._session.execute(
            insert(duty_shift).values(
                id=shift.id,
                authority_id=shift.authority_id,
                user_id=shift.user_id,
                role=str(shift.role),
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                contact=shift.contact,
                handover_note=shift.handover_note,
            )
        )

    def get(self, shift_id: str) -> Shift | None:
        row = self._session.execute(
            select(duty_shift).where(duty_shift.c.id == shift_id)
        ).one_or_none()
        return None if row is None else _shift(row)

    def remove(self, shift_id: str) -> None:
        self._session.execute(delete(duty_shift).where(duty_shift.c.id == shift_id))

    def between(self, authority_id: str, start: datetime, end: datetime) -> Sequence[Shift]:
        rows = self._session.execute(
            select(duty_shift)
            .where(
                duty_shift.c.authority_id == authority_id,
                duty_shift.c.ends_at > start,
                duty_shift.c.starts_at < end,
            )
            .order_by(duty_shift.c.starts_at, duty_shift.c.id)
        )
        return [_shift(row) for row in rows]

    def escalated(self, request_id: str) -> bool:
        return (
            self._session.scalar(
                select(emergency_escalation.c.request_id).where(
                    emergency_escalation.c.request_id == request_id
                )
            )
            is not None
        )

    def mark_escalated(self, request_id: str, at: datetime, alerted: int) -> None:
        self._session.execute(
            insert(emergency_escalation).values(
                request_id=request_id, escalated_at=at, alerted=alerted
            )
        )

    def escalated_at(self, request_ids: Sequence[str]) -> dict[str, datetime]:
        if not request_ids:
            return {}
        rows = self._session.execute(
            select(emergency_escalation.c.request_id, emergency_escalation.c.escalated_at).where(
                emergency_escalation.c.request_id.in_(list(request_ids))
            )
        )
        return {row.request_id: row.escalated_at for row in rows}


def _shift(row: Any) -> Shift:
    return Shift(
        id=row.id,
        authority_id=row.authority_id,
        user_id=row.user_id,
        role=ShiftRole(row.role),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        contact=row.contact,
        handover_note=row.handover_note,
    )
