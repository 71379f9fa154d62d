"""Alerts to the people on duty, kept until their channel took them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from comity.domain.notifications import Notification, NotificationChannel, NotificationStatus
from comity.store.tables import notification as table


class SQLNotificationRepository:
    """Implements ``services.notification_ports.NotificationRepository``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, notification: Notification) -> None:
        self._session.execute(insert(table).values(id=notification.id, **_values(notification)))

    def due(self, *, now: datetime, limit: int) -> Sequence[Notification]:
        rows = self._session.execute(
            select(table)
            .where(
                table.c.status == str(NotificationStatus.PENDING),
                table.c.next_attempt_at <= now,
            )
            .order_by(table.c.next_attempt_at, table.c.id)
            .limit(limit)
        )
        return [_notification(row) for row in rows]

    def save(self, notification: Notification) -> None:
        self._session.execute(
            update(table).where(table.c.id == notification.id).values(**_values(notification))
        )

    def for_request(self, request_id: str) -> Sequence[Notification]:
        rows = self._session.execute(
            select(table).where(table.c.request_id == request_id).order_by(table.c.created_at)
        )
        return [_notification(row) for row in rows]


def _values(notification: Notification) -> dict[str, Any]:
    return {
        "channel": str(notification.channel),
        "recipient": notification.recipient,
        "subject": notification.subject,
        "body": notification.body,
        "created_at": notification.created_at,
        "request_id": notification.request_id,
        "status": str(notification.status),
        "attempts": notification.attempts,
        "next_attempt_at": notification.next_attempt_at,
        "sent_at": notification.sent_at,
        "last_error": notification.last_error,
    }


def _notification(row: Any) -> Notification:
    return Notification(
        id=row.id,
        channel=NotificationChannel(row.channel),
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,
        created_at=row.created_at,
        request_id=row.request_id,
        status=NotificationStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )
