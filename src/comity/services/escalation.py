"""Escalating the emergencies nobody acknowledged in time (issue 8 item 1; legal.md §5.2
N247-01: acknowledgement target, escalation).

When an emergency has waited longer than its profile's ``emergency_acknowledgement`` target
(one hour by default), the backups and the supervisor on the point's roster are alerted — and
the 24/7 duty addresses again — once, in one transaction with the escalation's record and its
audit leaf. The desk shows the escalation; the clock keeps running until acknowledgement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from comity.domain.events import EmergencyEscalated
from comity.domain.notifications import emergency_alert
from comity.domain.roster import escalated_to, escalation_due
from comity.services.context import ServiceContext
from comity.services.notifications import raise_alerts

# Used when a profile names no acknowledgement target (legal.md §5.2 suggests one hour).
DEFAULT_TARGET = timedelta(hours=1)
# Emergencies looked at per pass.
BATCH = 200
# The shortest target any profile may set: the candidates are read with it.
SHORTEST_TARGET = timedelta(minutes=1)


def escalate_due(ctx: ServiceContext) -> int:
    """Escalate every emergency past its acknowledgement target and not yet escalated; how
    many were."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        candidates = uow.requests.awaiting_acknowledgement(now - SHORTEST_TARGET, BATCH)
    return sum(1 for request_id in candidates if _escalate(ctx, request_id))


def _escalate(ctx: ServiceContext, request_id: str) -> bool:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = uow.requests.get(request_id)
        if request is None or uow.rosters.escalated(request_id):
            return False
        profile = ctx.catalogue.profile(request.profile)
        target = profile.durations.get("emergency_acknowledgement", DEFAULT_TARGET)
        if not escalation_due(
            arrived_at=request.created_at,
            acknowledged_at=request.acknowledged_at,
            target=target,
            now=now,
        ):
            return False
        waited = now - request.created_at
        shifts = uow.rosters.between(request.authority_id, now, now + timedelta(seconds=1))
        recipients = [shift.contact for shift in escalated_to(shifts, now) if shift.contact]
        kit = ctx.notify
        alerted = 0
        if kit is not None:
            subject, body = emergency_alert(
                reference=request.reference,
                type_title=ctx.catalogue.type(request.type_code).title,
                sender_state=request.requesting_state,
                arrived_at=request.created_at,
                desk_url=kit.desk_url,
            )
            minutes = int(waited.total_seconds() // 60)
            alerted = raise_alerts(
                ctx,
                uow,
                request,
                f"[ESCALATED] {subject}",
                f"Not acknowledged after {minutes} min: you are the next on the roster.\n\n{body}",
                recipients,
            )
        uow.rosters.mark_escalated(request.id, now, alerted)
        uow.record(
            EmergencyEscalated(
                "node",
                now,
                request.id,
                int(waited.total_seconds()),
                alerted,
                request_id=request.id,
            )
        )
        uow.commit()
    return True


def escalations(ctx: ServiceContext, request_ids: Sequence[str]) -> dict[str, datetime]:
    """When each of these emergencies was escalated (only those that were): the 24/7 desk
    marks their cards."""
    with ctx.uow() as uow:
        return uow.rosters.escalated_at(list(request_ids))
