"""Signed originals, attached to their requests (table ``request_original``, migration 0005).

The PDF bytes are kept in the row: originals are small, and keeping them in the database
commits each with its audit entry and backs it up with the request it belongs to.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    delete,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from comity.domain.events import Event
from comity.services.originals_ports import StoredOriginal
from comity.store.audit_log import SQLAuditLog
from comity.store.columns import UTCDateTime
from comity.store.tables import ID, metadata

request_original = Table(
    "request_original",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(ID), nullable=False),
    # SHA-256 of the signed PDF, and of the DER certificate that signed it.
    Column("sha256", String(64), nullable=False),
    Column("signer_subject", String(400), nullable=False),
    Column("certificate_sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Index("ix_request_original_request", "request_id", "created_at"),
)


class SQLOriginalArchive:
    """Implements ``services.originals_ports.OriginalArchive`` over its own sessions."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def keep(self, original: StoredOriginal, event: Event) -> None:
        """Insert the original and the event's audit entry, committed together."""
        with self._sessions() as session:
            session.execute(
                request_original.insert().values(
                    id=original.id,
                    request_id=original.request_id,
                    lang=original.lang,
                    created_at=original.created_at,
                    created_by=original.created_by,
                    sha256=original.sha256,
                    signer_subject=original.signer_subject,
                    certificate_sha256=original.certificate_sha256,
                    size=len(original.pdf),
                    pdf=original.pdf,
                )
            )
            SQLAuditLog(session).append(event, request_id=original.request_id)
            session.commit()

    def for_request(self, request_id: str) -> list[StoredOriginal]:
        """The request's originals, oldest first."""
        t = request_original
        with self._sessions() as session:
            rows = session.execute(
                select(t).where(t.c.request_id == request_id).order_by(t.c.created_at, t.c.id)
            )
            return [
                StoredOriginal(
                    id=row.id,
                    request_id=row.request_id,
                    lang=row.lang,
                    created_at=row.created_at,
                    created_by=row.created_by,
                    sha256=row.sha256,
                    signer_subject=row.signer_subject,
                    certificate_sha256=row.certificate_sha256,
                    pdf=bytes(row.pdf),
                )
                for row in rows
            ]


class SQLOriginalRecords:
    """The originals of a request inside a unit of work: erased with the request's data."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def erase_for(self, request_id: str) -> int:
        """Delete the request's signed originals (they hold its data); how many went."""
        result = self._session.execute(
            delete(request_original).where(request_original.c.request_id == request_id)
        )
        return int(getattr(result, "rowcount", 0) or 0)
