"""Alerting the people on duty outside the node's pages (issue 8 item 1, Q12, legal.md §5).

An emergency request that arrives raises one alert per configured duty address and webhook,
in the same transaction as its arrival, so no emergency is recorded without its alerts and no
alert leaves for an arrival that was rolled back. The notifier thread sends them, retrying
with backoff; a channel that stays down for a day is given up (the desk still shows the
emergency, with its clock running).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from comity.domain.events import AlertAttempted
from comity.domain.notifications import (
    Notification,
    NotificationChannel,
    emergency_alert,
)
from comity.domain.requests import CooperationRequest
from comity.domain.roster import first_alerted
from comity.domain.values import Urgency
from comity.services.context import ServiceContext
from comity.services.notification_ports import NotificationError
from comity.services.ports import UnitOfWork

log = logging.getLogger("comity.notify")

# Alerts sent per pass of the notifier thread.
BATCH = 50


def alert_duty(ctx: ServiceContext, uow: UnitOfWork, request: CooperationRequest) -> int:
    """Raise the alerts for a request that just arrived, if it is an emergency: to the duty
    officers on the receiving point's roster and the node's duty addresses; how many."""
    kit = ctx.notify
    if kit is None or request.urgency is not Urgency.EMERGENCY:
        return 0
    now = ctx.clock.now()
    subject, body = emergency_alert(
        reference=request.reference,
        type_title=ctx.catalogue.type(request.type_code).title,
        sender_state=request.requesting_state,
        arrived_at=now,
        desk_url=kit.desk_url,
    )
    shifts = uow.rosters.between(request.authority_id, now, now + timedelta(seconds=1))
    on_shift = [shift.contact for shift in first_alerted(shifts, now) if shift.contact]
    return raise_alerts(ctx, uow, request, subject, body, on_shift)


def raise_alerts(
    ctx: ServiceContext,
    uow: UnitOfWork,
    request: CooperationRequest,
    subject: str,
    body: str,
    addresses: Sequence[str],
) -> int:
    """Queue one alert about ``request`` per address (then the node's duty addresses, each
    once) and per webhook, in the caller's transaction; how many. Nothing without channels."""
    kit = ctx.notify
    if kit is None:
        return 0
    now = ctx.clock.now()
    emails = list(dict.fromkeys([*addresses, *kit.duty_emails]))
    targets = [(NotificationChannel.EMAIL, address) for address in emails]
    targets += [(NotificationChannel.WEBHOOK, url) for url in kit.webhooks]
    for channel, recipient in targets:
        uow.notifications.add(
            Notification(
                id=ctx.ids.new_id(),
                channel=channel,
                recipient=recipient,
                subject=subject,
                body=body,
                created_at=now,
                request_id=request.id,
                next_attempt_at=now,
            )
        )
    return len(targets)


def deliver_due(ctx: ServiceContext) -> int:
    """Send the alerts that are due, each outcome saved on its own; how many were sent."""
    kit = ctx.notify
    if kit is None:
        return 0
    now = ctx.clock.now()
    with ctx.uow() as uow:
        due = list(uow.notifications.due(now=now, limit=BATCH))
    sent = 0
    for notification in due:
        notifier = kit.notifiers.get(notification.channel)
        try:
            if notifier is None:
                raise NotificationError(f"no {notification.channel} channel is configured")
            notifier.send(notification)
        except NotificationError as error:
            notification.failed(ctx.clock.now(), str(error))
            log.warning(
                "alert %s by %s not sent (attempt %d): %s",
                notification.id,
                notification.channel,
                notification.attempts,
                notification.last_error,
            )
        else:
            notification.sent(ctx.clock.now())
            sent += 1
        with ctx.uow() as uow:
            uow.notifications.save(notification)
            uow.record(
                AlertAttempted(
                    "node",
                    ctx.clock.now(),
                    notification.id,
                    str(notification.channel),
                    str(notification.status),
                    request_id=notification.request_id,
                )
            )
            uow.commit()
    return sent
