"""The data-access register and deletion records, as rows. Repositories never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from comity.services.data_protection_ports import DataAccess, DeletionRecord, RetentionDue
from comity.store.tables import cooperation_request, data_access, deletion_record, user_account


class SQLDataAccessRepository:
    """Who accessed which request's data, when, under which purpose, with what outcome."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, access: DataAccess) -> None:
        self._session.execute(
            insert(data_access).values(
                id=access.id,
                at=access.at,
                user_id=access.user_id,
                request_id=access.request_id,
                purpose_code=access.purpose_code[:40],
                action=access.action,
                outcome=access.outcome,
                code=access.code,
                recipient_state=access.recipient_state,
            )
        )

    def list(
        self, *, authority_id: str, request_id: str | None, limit: int
    ) -> Sequence[DataAccess]:
        statement = (
            select(
                data_access,
                user_account.c.username,
                cooperation_request.c.reference,
            )
            .join(cooperation_request, cooperation_request.c.id == data_access.c.request_id)
            .outerjoin(user_account, user_account.c.id == data_access.c.user_id)
            .where(cooperation_request.c.authority_id == authority_id)
        )
        if request_id is not None:
            statement = statement.where(data_access.c.request_id == request_id)
        rows = self._session.execute(
            statement.order_by(data_access.c.at.desc(), data_access.c.id).limit(limit)
        ).mappings()
        return [
            DataAccess(
                id=row["id"],
                at=row["at"],
                user_id=row["user_id"],
                request_id=row["request_id"],
                purpose_code=row["purpose_code"],
                action=row["action"],
                outcome=row["outcome"],
                code=row["code"],
                recipient_state=row["recipient_state"],
                username=row["username"] or "",
                reference=row["reference"],
            )
            for row in rows
        ]


class SQLDeletionRecordRepository:
    """Deletion records, one per erased request."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, record: DeletionRecord) -> None:
        self._session.execute(
            insert(deletion_record).values(
                request_id=record.request_id,
                at=record.at,
                digest=record.digest,
                record=record.record,
                signed=record.signed,
            )
        )

    def get(self, request_id: str) -> DeletionRecord | None:
        row = (
            self._session.execute(
                select(deletion_record).where(deletion_record.c.request_id == request_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return DeletionRecord(
            request_id=row["request_id"],
            at=row["at"],
            digest=row["digest"],
            record=row["record"],
            signed=row["signed"],
        )

    def list(self, *, authority_id: str, limit: int) -> Sequence[DeletionRecord]:
        rows = self._session.execute(
            select(
                deletion_record, cooperation_request.c.reference, cooperation_request.c.type_code
            )
            .join(cooperation_request, cooperation_request.c.id == deletion_record.c.request_id)
            .where(cooperation_request.c.authority_id == authority_id)
            .order_by(deletion_record.c.at.desc(), deletion_record.c.request_id)
            .limit(limit)
        ).mappings()
        return [
            DeletionRecord(
                request_id=row["request_id"],
                at=row["at"],
                digest=row["digest"],
                record=row["record"],
                signed=row["signed"],
                reference=row["reference"],
                type_code=row["type_code"],
            )
            for row in rows
        ]

    def due(self, *, authority_id: str, before: datetime, limit: int) -> Sequence[RetentionDue]:
        table = cooperation_request
        # The retention date has its own indexed column; the legal hold is read from the
        # policy's JSON of the few rows listed, the same way on both engines.
        rows = self._session.execute(
            select(
                table.c.id,
                table.c.reference,
                table.c.type_code,
                table.c.retention_until,
                table.c.usage_policy,
            )
            .where(
                table.c.authority_id == authority_id,
                table.c.retention_until < before,
                table.c.erased_at.is_(None),
            )
            .order_by(table.c.retention_until, table.c.id)
            .limit(limit)
        ).mappings()
        return [
            RetentionDue(
                request_id=row["id"],
                reference=row["reference"],
                type_code=row["type_code"],
                retention_until=row["retention_until"],
                legal_hold=bool((row["usage_policy"] or {}).get("legal_hold", False)),
            )
            for row in rows
        ]
