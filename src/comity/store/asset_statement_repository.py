"""Asset-disposal statements, issued here or received."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comity.domain.errors import ConflictError
from comity.services.asset_statement_ports import StoredStatement
from comity.store.tables import asset_statement


class SQLAssetStatementRepository:
    """Implements ``services.asset_statement_ports.AssetStatementRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, statement: StoredStatement) -> None:
        try:
            with self._session.begin_nested():
                self._session.execute(
                    insert(asset_statement).values(
                        id=statement.id,
                        request_id=statement.request_id,
                        issued_at=statement.issued_at,
                        issuer_state=statement.issuer_state,
                        sha256=statement.sha256,
                        token=statement.token,
                        statement=dict(statement.statement),
                    )
                )
        except IntegrityError as error:
            # The same statement kept concurrently: the first one stands.
            raise ConflictError("this statement is already kept for the request") from error

    def for_request(self, request_id: str) -> Sequence[StoredStatement]:
        rows = self._session.execute(
            select(asset_statement)
            .where(asset_statement.c.request_id == request_id)
            .order_by(asset_statement.c.issued_at, asset_statement.c.id)
        )
        return [_statement(row) for row in rows]

    def by_digest(self, request_id: str, sha256: str) -> StoredStatement | None:
        row = self._session.execute(
            select(asset_statement).where(
                asset_statement.c.request_id == request_id, asset_statement.c.sha256 == sha256
            )
        ).one_or_none()
        return None if row is None else _statement(row)

    def erase_for(self, request_id: str) -> int:
        done = self._session.execute(
            delete(asset_statement).where(asset_statement.c.request_id == request_id)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]


def _statement(row: Any) -> StoredStatement:
    return StoredStatement(
        id=row.id,
        request_id=row.request_id,
        issued_at=row.issued_at,
        issuer_state=row.issuer_state,
        sha256=row.sha256,
        token=row.token,
        statement=row.statement,
    )
