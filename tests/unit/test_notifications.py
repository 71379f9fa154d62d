"""Alerts: their text carries no case content, and their retries back off and end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from comity.domain.notifications import (
    GIVE_UP_AFTER,
    Notification,
    NotificationChannel,
    NotificationStatus,
    emergency_alert,
)

AT = datetime(2026, 11, 28, 3, 14, tzinfo=UTC)


def _alert() -> Notification:
    return Notification(
        id="n1",
        channel=NotificationChannel.EMAIL,
        recipient="duty@xb.example",
        subject="s",
        body="b",
        created_at=AT,
        next_attempt_at=AT,
    )


def test_the_alert_names_what_arrived_and_where_to_act() -> None:
    subject, body = emergency_alert(
        reference="XA-2026-0042",
        type_title="Expedited preservation of stored data",
        sender_state="XA",
        arrived_at=AT,
        desk_url="https://xb.example/desk",
    )
    assert subject == "[Comity 24/7] Emergency request XA-2026-0042 from XA"
    assert "at 2026-11-28 03:14 UTC" in body and "https://xb.example/desk" in body


def test_failures_back_off_doubling_up_to_a_ceiling_then_give_up() -> None:
    alert = _alert()
    delays = []
    at = AT
    for _ in range(8):
        alert.failed(at, "SMTP: ConnectionRefusedError")
        assert alert.next_attempt_at is not None
        delays.append(alert.next_attempt_at - at)
        at = alert.next_attempt_at
    assert delays[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert max(delays) == timedelta(minutes=15)
    assert alert.status is NotificationStatus.PENDING and alert.attempts == 8
    alert.failed(AT + GIVE_UP_AFTER, "SMTP: ConnectionRefusedError")
    assert alert.status is NotificationStatus.FAILED and alert.next_attempt_at is None


def test_a_sent_alert_is_done() -> None:
    alert = _alert()
    alert.failed(AT, "webhook answered 500")
    alert.sent(AT + timedelta(minutes=1))
    assert alert.status is NotificationStatus.SENT
    assert (alert.attempts, alert.last_error, alert.next_attempt_at) == (2, "", None)
    assert alert.sent_at == AT + timedelta(minutes=1)
