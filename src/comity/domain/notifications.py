"""Alerts to the people on duty, outside the node's pages: e-mail and webhooks (issue 8, Q12).

An alert names what arrived and where to act on it; it carries no personal data and no case
content (a reference, a form of cooperation, a State and a time), because mail servers and
webhook receivers are outside the node's protection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class NotificationChannel(StrEnum):
    """How an alert leaves the node."""

    EMAIL = "email"
    WEBHOOK = "webhook"


class NotificationStatus(StrEnum):
    """Where an alert stands: waiting to be sent (again), sent, or given up."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


# Retries: 30 s, doubling, at most 15 min apart; given up one day after it was raised.
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(days=1)


@dataclass
class Notification:
    """One alert to one recipient, written in the same transaction as what caused it."""

    id: str
    channel: NotificationChannel
    recipient: str
    subject: str
    body: str
    created_at: datetime
    request_id: str | None = None
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str = ""

    def sent(self, at: datetime) -> None:
        """The channel took it."""
        self.attempts += 1
        self.status = NotificationStatus.SENT
        self.sent_at = at
        self.next_attempt_at = None
        self.last_error = ""

    def failed(self, at: datetime, error: str) -> None:
        """The channel refused or could not be reached: try again later, or give up once a
        day has passed (the alert stays on the desk either way)."""
        self.attempts += 1
        self.last_error = error[:300]
        if at - self.created_at >= GIVE_UP_AFTER:
            self.status = NotificationStatus.FAILED
            self.next_attempt_at = None
            return
        delay = min(FIRST_RETRY * (2 ** (self.attempts - 1)), MAX_RETRY)
        self.next_attempt_at = at + delay


def emergency_alert(
    *,
    reference: str,
    type_title: str,
    sender_state: str,
    arrived_at: datetime,
    desk_url: str,
) -> tuple[str, str]:
    """The subject and text of the alert for an emergency request that just arrived."""
    at = arrived_at.strftime("%Y-%m-%d %H:%M UTC")
    subject = f"[Comity 24/7] Emergency request {reference} from {sender_state}"
    body = (
        f"An emergency request arrived from {sender_state} at {at}.\n"
        f"Reference: {reference}\n"
        f"Form of cooperation: {type_title}\n\n"
        f"Acknowledge it on the 24/7 desk: {desk_url}\n"
        "The clock to acknowledgement runs from its arrival.\n"
    )
    return subject, body
