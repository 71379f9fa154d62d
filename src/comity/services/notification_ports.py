"""What the alert services need from adapters: the stored alerts and the channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from comity.domain.notifications import Notification, NotificationChannel


class NotificationRepository(Protocol):
    """Alerts waiting to leave, written with what raised them (an outbox of their own)."""

    def add(self, notification: Notification) -> None:
        """Keep a new alert."""
        ...

    def due(self, *, now: datetime, limit: int) -> Sequence[Notification]:
        """Pending alerts whose next attempt is due, oldest first."""
        ...

    def save(self, notification: Notification) -> None:
        """Record an attempt's outcome."""
        ...

    def for_request(self, request_id: str) -> Sequence[Notification]:
        """The alerts raised about a request, oldest first."""
        ...


class Notifier(Protocol):
    """One channel: sends an alert, or raises ``NotificationError`` saying why not."""

    def send(self, notification: Notification) -> None:
        """Hand the alert to the channel (an SMTP server, a webhook receiver)."""
        ...


class NotificationError(Exception):
    """A channel did not take an alert; the text says why (no secret, no content)."""


@dataclass(frozen=True)
class NotifyKit:
    """Where the people on duty are alerted: the channels, and who receives what."""

    notifiers: Mapping[NotificationChannel, Notifier] = field(default_factory=dict)
    # The 24/7 duty addresses and the webhooks that receive emergency alerts.
    duty_emails: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()
    # Where officers open the 24/7 desk (the link in each alert).
    desk_url: str = "/desk"
