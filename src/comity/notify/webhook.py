"""Alerts to a webhook (a duty phone gateway, a chat room): one JSON POST per alert, signed
with HMAC-SHA256 over the body when the node has a shared secret (implements
``services.notification_ports.Notifier``)."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx2

from comity.domain.notifications import Notification
from comity.services.notification_ports import NotificationError

SIGNATURE_HEADER = "X-Comity-Signature"


class WebhookNotifier:
    """POSTs ``{"id", "subject", "text", "request_id", "created_at"}`` to the recipient URL."""

    def __init__(self, *, secret: str | None = None, timeout: float = 10.0) -> None:
        self._secret = secret.encode("utf-8") if secret else None
        self._timeout = timeout

    def send(self, notification: Notification) -> None:
        """POST the alert; any answer but 2xx is ``NotificationError``."""
        body = json.dumps(
            {
                "id": notification.id,
                "subject": notification.subject,
                "text": notification.body,
                "request_id": notification.request_id,
                "created_at": notification.created_at.isoformat(),
            },
            separators=(",", ":"),
        ).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self._secret is not None:
            digest = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        try:
            response = httpx2.post(
                notification.recipient, content=body, headers=headers, timeout=self._timeout
            )
        except httpx2.HTTPError as error:
            raise NotificationError(f"webhook: {type(error).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise NotificationError(f"webhook answered {response.status_code}")
