"""Outbox, inbox, delivery evidences, quarantine and signature nonces, as rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comity.domain.delivery import DeliveryStatus, MessageType, OutboundMessage, Stage
from comity.domain.errors import ConcurrencyError
from comity.services.transport_ports import Evidence, InboxRecord
from comity.store.tables import (
    delivery_evidence,
    inbox_message,
    outbox_message,
    quarantine_record,
    signature_nonce,
)


class SQLOutboxRepository:
    """The transactional outbox."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, message: OutboundMessage) -> None:
        self._session.execute(insert(outbox_message).values(**_outbox_row(message)))

    def get(self, message_id: str) -> OutboundMessage | None:
        row = (
            self._session.execute(
                select(outbox_message).where(outbox_message.c.message_id == message_id)
            )
            .mappings()
            .first()
        )
        return _outbound(row) if row is not None else None

    def save(self, message: OutboundMessage) -> None:
        values = _outbox_row(message)
        # The envelope and its digest never change: retries repeat the same bytes (INV-3).
        for frozen in ("message_id", "envelope", "digest", "created_at", "recipient_state"):
            values.pop(frozen)
        self._session.execute(
            update(outbox_message)
            .where(outbox_message.c.message_id == message.message_id)
            .values(**values)
        )

    def due(
        self, *, now: datetime, limit: int, latest: datetime | None = None
    ) -> Sequence[OutboundMessage]:
        when = outbox_message.c.next_attempt_at <= now
        if latest is not None:
            when = or_(when, outbox_message.c.next_attempt_at > latest)
        # The head of each recipient's queue, grouped once over the heads index: a correlated
        # subquery per pending row made a backlog quadratic to drain.
        heads = (
            select(func.min(outbox_message.c.seq).label("seq"))
            .where(outbox_message.c.status == str(DeliveryStatus.PENDING))
            .group_by(outbox_message.c.recipient_state)
            .subquery()
        )
        rows = (
            self._session.execute(
                select(outbox_message)
                .join(heads, heads.c.seq == outbox_message.c.seq)
                .where(when)
                .order_by(outbox_message.c.seq)
                .limit(limit)
            )
            .mappings()
            .all()
        )
        return [_outbound(row) for row in rows]

    def pending(self) -> int:
        count = self._session.scalar(
            select(func.count()).where(outbox_message.c.status == str(DeliveryStatus.PENDING))
        )
        return int(count or 0)


def _outbox_row(message: OutboundMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "recipient_state": message.recipient_state,
        "type": str(message.type),
        "request_id": message.request_id,
        "envelope": message.envelope.decode("ascii"),
        "digest": message.digest,
        "created_at": message.created_at,
        "status": str(message.status),
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at,
        "relayed_at": message.relayed_at,
        "last_error": message.last_error,
        "receipt": message.receipt,
        "finished_at": message.finished_at,
    }


def _outbound(row: RowMapping) -> OutboundMessage:
    return OutboundMessage(
        message_id=row["message_id"],
        recipient_state=row["recipient_state"],
        type=MessageType(row["type"]),
        request_id=row["request_id"],
        envelope=row["envelope"].encode("ascii"),
        digest=row["digest"],
        created_at=row["created_at"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        relayed_at=row["relayed_at"],
        last_error=row["last_error"],
        receipt=row["receipt"],
        finished_at=row["finished_at"],
    )


class SQLInboxRepository:
    """The dedup record of every message this node answered."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, sender_state: str, message_id: str) -> InboxRecord | None:
        row = (
            self._session.execute(
                select(inbox_message).where(
                    inbox_message.c.sender_state == sender_state,
                    inbox_message.c.message_id == message_id,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return InboxRecord(
            sender_state=row["sender_state"],
            message_id=row["message_id"],
            digest=row["digest"],
            type=row["type"],
            request_id=row["request_id"],
            received_at=row["received_at"],
            outcome=Stage(row["outcome"]),
            code=row["code"],
            receipt=row["receipt"],
        )

    def add(self, record: InboxRecord) -> None:
        try:
            # A savepoint, so that losing the race leaves the session usable.
            with self._session.begin_nested():
                self._session.execute(
                    insert(inbox_message).values(
                        sender_state=record.sender_state,
                        message_id=record.message_id,
                        digest=record.digest,
                        type=record.type,
                        request_id=record.request_id,
                        received_at=record.received_at,
                        outcome=str(record.outcome),
                        code=record.code,
                        receipt=record.receipt,
                    )
                )
        except IntegrityError as error:
            raise ConcurrencyError("the message was registered concurrently") from error


class SQLEvidenceRepository:
    """Delivery evidences."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, evidence: Evidence) -> None:
        self._session.execute(
            insert(delivery_evidence).values(
                message_id=evidence.message_id,
                request_id=evidence.request_id,
                message_type=evidence.message_type,
                counterpart_state=evidence.counterpart_state,
                stage=str(evidence.stage),
                at=evidence.at,
                code=evidence.code,
                detail=evidence.detail,
                signed=evidence.signed,
            )
        )

    def for_request(self, request_id: str) -> Sequence[Evidence]:
        return self._select(delivery_evidence.c.request_id == request_id)

    def for_message(self, message_id: str) -> Sequence[Evidence]:
        return self._select(delivery_evidence.c.message_id == message_id)

    def _select(self, condition: Any) -> list[Evidence]:
        rows = self._session.execute(
            select(delivery_evidence)
            .where(condition)
            .order_by(delivery_evidence.c.at, delivery_evidence.c.id)
        ).mappings()
        return [
            Evidence(
                message_id=row["message_id"],
                request_id=row["request_id"],
                message_type=row["message_type"],
                counterpart_state=row["counterpart_state"],
                stage=Stage(row["stage"]),
                at=row["at"],
                code=row["code"],
                detail=row["detail"],
                signed=row["signed"],
            )
            for row in rows
        ]


class SQLQuarantineRepository:
    """Refused arrivals."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        *,
        record_id: str,
        at: datetime,
        claimed_sender: str,
        code: str,
        detail: str,
        digest: str,
        size: int,
    ) -> None:
        self._session.execute(
            insert(quarantine_record).values(
                id=record_id,
                received_at=at,
                claimed_sender=claimed_sender,
                code=code,
                detail=detail,
                digest=digest,
                size=size,
            )
        )


class SQLNonceRepository:
    """Nonces of HTTP message signatures, forgotten once outside the replay window."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def remember(self, nonce: str, *, now: datetime, window_start: datetime) -> bool:
        self._session.execute(
            delete(signature_nonce).where(signature_nonce.c.seen_at < window_start)
        )
        try:
            with self._session.begin_nested():
                self._session.execute(insert(signature_nonce).values(nonce=nonce, seen_at=now))
        except IntegrityError:
            return False
        return True
