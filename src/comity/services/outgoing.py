"""Queueing messages to other States: every step that concerns the other State leaves through
the outbox, written in the same transaction as the step itself (one command, one commit)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from comity.domain.delivery import MessageType, OutboundMessage, Stage, step_message_type
from comity.domain.directory import Directory
from comity.domain.errors import DirectoryError
from comity.domain.events import DeliveryEvidence, MessageQueued
from comity.domain.messages import Body, Message, StepBody
from comity.domain.requests import CooperationRequest
from comity.domain.values import Side
from comity.domain.workflow import Status
from comity.services.context import Federation, ServiceContext
from comity.services.ports import UnitOfWork
from comity.services.transport_ports import Evidence


def federation(ctx: ServiceContext) -> Federation:
    """The node's federation ports; a node set up without keys cannot talk to other States."""
    if ctx.federation is None:
        raise DirectoryError("this node has no keys or directory: it cannot reach other States")
    return ctx.federation


def trusted_directory(ctx: ServiceContext, now: datetime) -> Directory:
    """The installed directory, refused (``TRUST_STALE``) once past next update plus grace."""
    fed = federation(ctx)
    directory = fed.trust.current()
    directory.check_fresh(now, fed.directory_grace)
    return directory


def counterpart(request: CooperationRequest) -> str:
    """The other State of a request."""
    if request.side is Side.REQUESTING:
        return request.requested_state
    return request.requesting_state


def queue(
    ctx: ServiceContext,
    uow: UnitOfWork,
    *,
    request: CooperationRequest,
    message_type: MessageType,
    body: Body,
    now: datetime,
) -> OutboundMessage:
    """Seal a message about ``request`` for the other State and put it in the outbox."""
    fed = federation(ctx)
    directory = trusted_directory(ctx, now)
    recipient = directory.state(counterpart(request))
    message = Message(
        message_id=ctx.ids.new_id(),
        sender_state=ctx.state,
        recipient_state=recipient.code,
        type=message_type,
        created_at=now,
        profile=request.profile,
        body=body,
    )
    envelope = fed.envelopes.seal(fed.codec.encode(message), recipient)
    outbound = OutboundMessage(
        message_id=message.message_id,
        recipient_state=recipient.code,
        type=message_type,
        request_id=request.id,
        envelope=envelope,
        digest=hashlib.sha256(envelope).hexdigest(),
        created_at=now,
        next_attempt_at=now,
    )
    uow.outbox.add(outbound)
    uow.evidences.add(
        Evidence(
            message_id=outbound.message_id,
            request_id=request.id,
            message_type=str(message_type),
            counterpart_state=recipient.code,
            stage=Stage.SUBMISSION_ACCEPTED,
            at=now,
        )
    )
    uow.record(
        MessageQueued(
            "system",
            now,
            outbound.message_id,
            recipient.code,
            str(message_type),
            outbound.digest,
            request_id=outbound.request_id,
        ),
        DeliveryEvidence(
            "system",
            now,
            outbound.message_id,
            str(Stage.SUBMISSION_ACCEPTED),
            "",
            request_id=outbound.request_id,
        ),
    )
    return outbound


def announce_step(
    ctx: ServiceContext,
    uow: UnitOfWork,
    *,
    request: CooperationRequest,
    previous: Status,
    now: datetime,
    extra: dict[str, object] | None = None,
) -> OutboundMessage | None:
    """Tell the other State about the step ``request`` just took, if it holds a copy."""
    if not request.is_exchanged or request.exchange_id is None:
        return None
    step = request.history[-1]
    return queue(
        ctx,
        uow,
        request=request,
        message_type=step_message_type(request.side, previous, request.status),
        body=StepBody(
            exchange_id=request.exchange_id,
            status=request.status,
            reason=step.reason,
            detail={**step.detail, **(extra or {})},
        ),
        now=now,
    )


def tell_counterpart(
    ctx: ServiceContext,
    uow: UnitOfWork,
    *,
    request: CooperationRequest,
    detail: dict[str, object],
    now: datetime,
) -> OutboundMessage | None:
    """Tell the other State a fact about its request that is not a step (its acknowledgement
    by a duty officer, its retrieval): a ``request.status`` with the unchanged status."""
    if request.exchange_id is None:
        return None
    return queue(
        ctx,
        uow,
        request=request,
        message_type=MessageType.REQUEST_STATUS,
        body=StepBody(exchange_id=request.exchange_id, status=request.status, detail=detail),
        now=now,
    )
