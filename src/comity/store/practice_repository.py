"""Practice records and their steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from comity.domain.practice.lifecycle import PracticeRecord, Step
from comity.store.tables import practice_record, practice_step


class SQLPracticeRepository:
    """Implements ``services.practice_ports.PracticeRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, request_id: str) -> PracticeRecord | None:
        row = self._session.execute(
            select(practice_record.c.lifecycle, practice_record.c.state).where(
                practice_record.c.request_id == request_id
            )
        ).one_or_none()
        if row is None:
            return None
        steps = self._session.scalars(
            select(practice_step.c.step)
            .where(practice_step.c.request_id == request_id)
            .order_by(practice_step.c.seq)
        )
        return PracticeRecord(row.lifecycle, row.state, tuple(Step.from_dict(s) for s in steps))

    def save(self, request_id: str, record: PracticeRecord, *, final: bool, at: datetime) -> None:
        stored = int(
            self._session.scalar(
                select(func.count()).where(practice_step.c.request_id == request_id)
            )
            or 0
        )
        new = record.steps[stored:]
        if new:
            self._session.execute(
                insert(practice_step),
                [
                    {"request_id": request_id, "seq": stored + n, "step": step.to_dict()}
                    for n, step in enumerate(new)
                ],
            )
        values = {"state": record.state, "final": final, "updated_at": at}
        done = self._session.execute(
            update(practice_record)
            .where(practice_record.c.request_id == request_id)
            .values(**values)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            self._session.execute(
                insert(practice_record).values(
                    request_id=request_id, lifecycle=record.lifecycle, **values
                )
            )

    def open_records(self, lifecycles: Sequence[str], limit: int) -> Sequence[str]:
        return list(
            self._session.scalars(
                select(practice_record.c.request_id)
                .where(
                    practice_record.c.final.is_(False),
                    practice_record.c.lifecycle.in_(list(lifecycles)),
                )
                .order_by(practice_record.c.updated_at, practice_record.c.request_id)
                .limit(limit)
            )
        )

    def erase_values(self, request_id: str, at: datetime) -> int:
        rows = self._session.execute(
            select(practice_step.c.seq, practice_step.c.step).where(
                practice_step.c.request_id == request_id
            )
        ).all()
        for row in rows:
            self._session.execute(
                update(practice_step)
                .where(practice_step.c.request_id == request_id, practice_step.c.seq == row.seq)
                .values(step={**row.step, "values": {}})
            )
        self._session.execute(
            update(practice_record)
            .where(practice_record.c.request_id == request_id)
            .values(final=True, updated_at=at)
        )
        return len(rows)
