"""Alerts by e-mail, through the SMTP server the node is configured with (implements
``services.notification_ports.Notifier``).

The standard library's ``smtplib`` is enough: one message per alert, plain text, STARTTLS when
the server offers it and the node asks for it. No well-kept library adds anything here.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from comity.domain.notifications import Notification
from comity.services.notification_ports import NotificationError


class SmtpNotifier:
    """Sends each alert as one plain-text e-mail from ``sender``."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._starttls = starttls
        self._username = username
        self._password = password
        self._timeout = timeout

    def send(self, notification: Notification) -> None:
        """Hand the alert to the SMTP server; ``NotificationError`` if it does not take it."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = notification.recipient
        message["Subject"] = notification.subject
        message["Date"] = format_datetime(notification.created_at)
        message["Message-ID"] = make_msgid(idstring=notification.id, domain="comity.invalid")
        message.set_content(notification.body)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as server:
                if self._starttls:
                    server.starttls(context=ssl.create_default_context())
                if self._username and self._password:
                    server.login(self._username, self._password)
                server.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            # The error's class says enough; its text may echo addresses back.
            raise NotificationError(f"SMTP: {type(error).__name__}") from None
