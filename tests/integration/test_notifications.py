"""An emergency that arrives alerts the people on duty outside the node's pages: an e-mail
through a real SMTP server (aiosmtpd on loopback) and a signed JSON POST to a webhook, raised
in the arrival's transaction, retried while a channel is down, and audited (issue 8, Q12)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from comity.domain.notifications import NotificationChannel, NotificationStatus
from comity.notify.smtp import SmtpNotifier
from comity.notify.webhook import SIGNATURE_HEADER, WebhookNotifier
from comity.services import notifications
from comity.services.notification_ports import NotifyKit
from tests.federation_harness import FedNode
from tests.integration.test_web_desk import SCRIPT, emergency
from tests.ports import free_port

SECRET = "webhook shared secret"


class _Inbox:
    """An SMTP handler that keeps what it is given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[list[tuple[dict[str, str], bytes]], str]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_address[1]}/duty"
    finally:
        server.shutdown()
        server.server_close()


def _alerting(node: FedNode, *, smtp_port: int, webhook_url: str) -> None:
    node.container.services = replace(
        node.ctx,
        notify=NotifyKit(
            notifiers={
                NotificationChannel.EMAIL: SmtpNotifier(
                    host="127.0.0.1", port=smtp_port, sender="comity@xb.example", timeout=5
                ),
                NotificationChannel.WEBHOOK: WebhookNotifier(secret=SECRET, timeout=5),
            },
            duty_emails=("duty@xb.example", "supervisor@xb.example"),
            webhooks=(webhook_url,),
            desk_url="http://127.0.0.1:8402/desk",
        ),
    )


def test_an_emergency_alerts_the_duty_officers_by_mail_and_webhook(
    nodes: dict[str, FedNode],
    smtp: tuple[_Inbox, int],
    webhook: tuple[list[tuple[dict[str, str], bytes]], str],
) -> None:
    inbox, port = smtp
    received, url = webhook
    xb = nodes["XB"]
    _alerting(xb, smtp_port=port, webhook_url=url)
    _, copy_id, reference = emergency(nodes)
    with xb.ctx.uow() as uow:
        raised = uow.notifications.for_request(copy_id)
    assert len(raised) == 3 and {n.status for n in raised} == {NotificationStatus.PENDING}
    assert notifications.deliver_due(xb.ctx) == 3
    assert sorted(rcpt for rcpts, _ in inbox.messages for rcpt in rcpts) == [
        "duty@xb.example",
        "supervisor@xb.example",
    ]
    mail = inbox.messages[0][1]
    assert reference in mail["Subject"] and "from XA" in mail["Subject"]
    text = mail.get_payload()
    assert "http://127.0.0.1:8402/desk" in text
    # No case content leaves the node by mail: not the facts the request gave.
    assert "hospital records" not in text and SCRIPT not in text
    headers, body = received[0]
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={signature}"
    assert json.loads(body)["request_id"] == copy_id
    with xb.ctx.uow() as uow:
        assert {n.status for n in uow.notifications.for_request(copy_id)} == {
            NotificationStatus.SENT
        }
        tags = [leaf.tag for leaf in uow.ledger.leaves_of_request(copy_id)]
    assert tags.count("notification:alert:attempted") == 3
    assert notifications.deliver_due(xb.ctx) == 0


def test_a_channel_that_is_down_is_tried_again_later(
    nodes: dict[str, FedNode],
    webhook: tuple[list[tuple[dict[str, str], bytes]], str],
) -> None:
    received, url = webhook
    xb = nodes["XB"]
    _alerting(xb, smtp_port=free_port(), webhook_url=url)  # nothing listens there
    _, copy_id, _ = emergency(nodes)
    assert notifications.deliver_due(xb.ctx) == 1  # the webhook; the mails wait
    with xb.ctx.uow() as uow:
        mails = [
            n
            for n in uow.notifications.for_request(copy_id)
            if n.channel is NotificationChannel.EMAIL
        ]
    assert {n.status for n in mails} == {NotificationStatus.PENDING}
    assert all(n.attempts == 1 and "SMTP" in n.last_error for n in mails)
    assert all(n.next_attempt_at and n.next_attempt_at > n.created_at for n in mails)
    # Not due again before the retry delay.
    assert notifications.deliver_due(xb.ctx) == 0
    assert len(received) == 1


def test_no_alert_for_a_routine_request_or_without_channels(nodes: dict[str, FedNode]) -> None:
    xb = nodes["XB"]
    assert xb.ctx.notify is None
    _, copy_id, _ = emergency(nodes)
    with xb.ctx.uow() as uow:
        assert uow.notifications.for_request(copy_id) == []
