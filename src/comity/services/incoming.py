"""Receiving messages from other States: verify, then parse, then apply once.

Nothing from another node is read before its envelope decrypts to this node's key and its
signature verifies against the sending State's key in the directory. The business effect, the
inbox row that dedupes the message and the receipt are committed together, so a message
delivered any number of times has exactly one effect, and a duplicate gets the original
receipt back. Refused arrivals leave only a quarantine record and an audit entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from comity.domain.delivery import RECEIPT_TYP, MessageType, Stage, receipt_payload
from comity.domain.errors import (
    ClockSkewError,
    ConcurrencyError,
    ConflictError,
    DependencyPendingError,
    DomainError,
    IllegalTransitionError,
    MessageIdConflictError,
    ReplayError,
    SignerUntrustedError,
    TrustError,
    UnknownAuthorityError,
    WrongRecipientError,
)
from comity.domain.events import DeliveryEvidence, MessageAccepted, MessageRefused
from comity.domain.fields import parse_instant
from comity.domain.messages import (
    Message,
    OriginalBody,
    PracticeBody,
    StatementBody,
    StepBody,
    SubmitBody,
)
from comity.domain.requests import CooperationRequest, Draft
from comity.domain.usage import policy_for
from comity.domain.values import Side
from comity.domain.workflow import Status
from comity.services import asset_statements, notifications, practice
from comity.services.context import ServiceContext
from comity.services.outgoing import federation, trusted_directory
from comity.services.ports import UnitOfWork
from comity.services.requests import persist
from comity.services.transport_ports import Evidence, InboxRecord


@dataclass(frozen=True)
class Reply:
    """The answer to one delivery: the stage reached and the signed receipt for it."""

    stage: Stage
    signed: str
    duplicate: bool = False
    code: str = ""
    detail: str = ""


def receive(ctx: ServiceContext, data: bytes, *, transport_signer: str) -> Reply:
    """Take one envelope that arrived over mutual TLS with an HTTP signature by a key of
    State ``transport_signer``. Trust failures raise (after quarantine); a verified message
    always gets a signed reply, positive or negative."""
    fed = federation(ctx)
    now = ctx.clock.now()
    digest = hashlib.sha256(data).hexdigest()
    directory = trusted_directory(ctx, now)
    try:
        opened = fed.envelopes.open(data, directory)
        ctx.faults.hit("recv_after_verify")
        message = fed.codec.decode(opened.payload)
        ctx.faults.hit("recv_after_parse")
        _check_parties(ctx, message, opened.signer_state, transport_signer, now)
    except (TrustError, DomainError) as error:
        _quarantine(ctx, data, digest, transport_signer, error, now)
        raise
    try:
        try:
            return _apply_once(ctx, message, digest, now)
        except ConcurrencyError:
            # Someone registered the same message at the same moment; the second pass sees
            # it and answers as for a duplicate.
            return _apply_once(ctx, message, digest, now)
    except MessageIdConflictError as error:
        # Refused like any untrusted arrival: a quarantine record and an audit entry.
        _quarantine(ctx, data, digest, transport_signer, error, now)
        raise


def _check_parties(
    ctx: ServiceContext, message: Message, signer: str, transport_signer: str, now: datetime
) -> None:
    if message.sender_state != signer or transport_signer != signer:
        raise SignerUntrustedError("the message was not signed by the State it claims to be from")
    if message.recipient_state != ctx.state:
        raise WrongRecipientError(f"the message is addressed to {message.recipient_state}")
    fed = federation(ctx)
    if message.created_at > now + fed.clock_skew:
        raise ClockSkewError("the message was created in the future beyond the tolerance")


def _apply_once(ctx: ServiceContext, message: Message, digest: str, now: datetime) -> Reply:
    with ctx.uow() as uow:
        prior = uow.inbox.get(message.sender_state, message.message_id)
        if prior is not None:
            if prior.digest != digest:
                raise MessageIdConflictError(
                    "this message id was used before for different content"
                )
            return Reply(prior.outcome, prior.receipt, duplicate=True, code=prior.code)
        try:
            request = _effect(ctx, uow, message, now)
        except (TrustError, ConcurrencyError, DependencyPendingError):
            raise
        except DomainError as error:
            refused = error
        else:
            reply = _register(ctx, uow, message, digest, now, request, Stage.DELIVERED, "")
            ctx.faults.hit("recv_before_commit")
            uow.commit()
            ctx.faults.hit("recv_after_commit_before_response")
            return reply
    # The business effect was refused: record the refusal (and its signed answer) on its own,
    # so a duplicate of this message is refused again rather than accepted later.
    with ctx.uow() as uow:
        if uow.inbox.get(message.sender_state, message.message_id) is not None:
            raise ConcurrencyError("registered meanwhile")
        reply = _register(ctx, uow, message, digest, now, None, Stage.NOT_DELIVERED, refused.code)
        uow.commit()
    return Reply(reply.stage, reply.signed, code=refused.code, detail=refused.detail)


def _register(
    ctx: ServiceContext,
    uow: UnitOfWork,
    message: Message,
    digest: str,
    now: datetime,
    request: CooperationRequest | None,
    stage: Stage,
    code: str,
) -> Reply:
    signed = federation(ctx).envelopes.sign(
        receipt_payload(
            stage=stage,
            message_id=message.message_id,
            sender_state=message.sender_state,
            recipient_state=ctx.state,
            message_type=str(message.type),
            envelope_digest=digest,
            at=now,
            code=code,
            status=str(request.status) if request is not None else "",
        ),
        typ=RECEIPT_TYP,
    )
    request_id = request.id if request is not None else None
    uow.inbox.add(
        InboxRecord(
            sender_state=message.sender_state,
            message_id=message.message_id,
            digest=digest,
            type=str(message.type),
            request_id=request_id,
            received_at=now,
            outcome=stage,
            code=code,
            receipt=signed,
        )
    )
    uow.evidences.add(
        Evidence(
            message_id=message.message_id,
            request_id=request_id,
            message_type=str(message.type),
            counterpart_state=message.sender_state,
            stage=stage,
            at=now,
            code=code,
            signed=signed,
        )
    )
    if stage is Stage.DELIVERED:
        uow.record(
            MessageAccepted(
                f"state:{message.sender_state}",
                now,
                message.message_id,
                message.sender_state,
                str(message.type),
                digest,
            )
        )
    else:
        uow.record(
            MessageRefused(f"state:{message.sender_state}", now, message.message_id, code, digest)
        )
    uow.record(DeliveryEvidence("system", now, message.message_id, str(stage), code))
    return Reply(stage, signed, code=code)


def _effect(
    ctx: ServiceContext, uow: UnitOfWork, message: Message, now: datetime
) -> CooperationRequest:
    """The business effect of a verified message; a DomainError refuses it."""
    actor = f"state:{message.sender_state}"
    body = message.body
    if isinstance(body, SubmitBody):
        request = _register_request(ctx, uow, message, body, now)
    else:
        request = _counterpart_copy(ctx, uow, message.sender_state, body.exchange_id)
        if isinstance(body, OriginalBody):
            request.original_received(actor_id=actor, now=now)
        elif isinstance(body, StepBody):
            _mirror(uow, request, body, actor, now)
        elif isinstance(body, PracticeBody):
            practice.apply_remote(ctx, uow, request, body, message.sender_state)
        elif isinstance(body, StatementBody):
            asset_statements.receive_statement(ctx, uow, request, body, message.sender_state)
        uow.requests.save(request)
    persist(ctx, uow, request, ctx.catalogue.type(request.type_code))
    return request


def _register_request(
    ctx: ServiceContext, uow: UnitOfWork, message: Message, body: SubmitBody, now: datetime
) -> CooperationRequest:
    if uow.requests.by_exchange(message.sender_state, body.exchange_id) is not None:
        raise ConflictError("this request was already received under another message")
    rtype = ctx.catalogue.type(body.type_code)
    # This State decides which of its authorities receives a request, as its own directory
    # entry publishes it; the sender's choice is a hint that can never reach an internal
    # authority (a prosecutor's or police unit's inbox) directly.
    own = trusted_directory(ctx, now).state(ctx.state)
    code = own.receiving_authority(rtype.code, body.channel).code
    authority = uow.authorities.by_code(code)
    if authority is None:
        raise UnknownAuthorityError(f"this node has no {code!r} authority to receive it")
    profile = ctx.catalogue.profile(message.profile)
    request = CooperationRequest.incoming(
        request_id=ctx.ids.new_id(),
        reference=body.reference,
        draft=Draft(
            type_code=rtype.code,
            profile=profile.code,
            requesting_state=message.sender_state,
            requested_state=ctx.state,
            authority_id=authority.id,
            urgency=body.urgency,
            channel=body.channel,
            fields=dict(body.fields),
        ),
        rtype=rtype,
        actor_id=f"state:{message.sender_state}",
        now=now,
    )
    request.exchange_id = body.exchange_id
    request.remote_status = Status.SENT
    request.usage_policy = policy_for(request, profile, now=now, retention=ctx.retention)
    uow.requests.add(request)
    notifications.alert_duty(ctx, uow, request)
    return request


def _counterpart_copy(
    ctx: ServiceContext, uow: UnitOfWork, sender: str, exchange_id: str
) -> CooperationRequest:
    """This node's copy of a request exchanged with ``sender``, on whichever side it is."""
    request = uow.requests.by_exchange(sender, exchange_id)
    if request is None:
        request = uow.requests.by_exchange(ctx.state, exchange_id)
        if request is not None and request.requested_state != sender:
            request = None
    if request is None:
        # Messages may overtake one another (a withdrawal sent right after its request, a
        # retry of the request still pending): not found yet is not refused for good.
        raise DependencyPendingError(
            "no request with that exchange id is shared with the sender yet"
        )
    return request


def _mirror(
    uow: UnitOfWork, request: CooperationRequest, body: StepBody, actor: str, now: datetime
) -> None:
    if request.side is Side.REQUESTING and body.detail.get("retrieved_at"):
        _retrieved(uow, request, parse_instant(body.detail["retrieved_at"]) or now)
    if request.side is Side.REQUESTING and body.detail.get("acknowledged_at"):
        # The requested State's duty officer took charge: the requesting side sees when.
        reported = parse_instant(body.detail["acknowledged_at"])
        request.acknowledged_at = request.acknowledged_at or reported or now
    if body.status is Status.DRAFT:
        raise IllegalTransitionError("a draft never leaves its node")
    request.apply_remote(
        status=body.status, actor_id=actor, now=now, reason=body.reason, detail=body.detail
    )


def _retrieved(uow: UnitOfWork, request: CooperationRequest, at: datetime) -> None:
    """The requested State's officer opened the request: the retrieval evidence of the
    message that carried it (recorded once)."""
    evidences = uow.evidences.for_request(request.id)
    if any(evidence.stage is Stage.RETRIEVED for evidence in evidences):
        return
    for evidence in evidences:
        if evidence.message_type == MessageType.REQUEST_SUBMIT:
            uow.evidences.add(replace(evidence, stage=Stage.RETRIEVED, at=at, signed=None))
            uow.record(DeliveryEvidence("system", at, evidence.message_id, "retrieved", ""))
            return


def check_replay(ctx: ServiceContext, nonce: str) -> None:
    """Refuse an HTTP signature whose nonce was seen inside the replay window (``REPLAY``)."""
    fed = federation(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        if not uow.nonces.remember(nonce, now=now, window_start=now - 2 * fed.clock_skew):
            raise ReplayError("this HTTP signature was already used")
        uow.commit()


def refuse(ctx: ServiceContext, data: bytes, *, claimed_sender: str, error: DomainError) -> None:
    """Record a call refused before its envelope was opened (quarantine and audit entry)."""
    _quarantine(ctx, data, hashlib.sha256(data).hexdigest(), claimed_sender, error, ctx.clock.now())


def _quarantine(
    ctx: ServiceContext,
    data: bytes,
    digest: str,
    claimed_sender: str,
    error: DomainError,
    now: datetime,
) -> None:
    """Keep a record of a refused arrival (digest, size, reason; never the content)."""
    with ctx.uow() as uow:
        record_id = ctx.ids.new_id()
        uow.quarantine.add(
            record_id=record_id,
            at=now,
            claimed_sender=claimed_sender[:80],
            code=error.code,
            detail=error.detail[:500],
            digest=digest,
            size=len(data),
        )
        uow.record(
            MessageRefused(f"state:{claimed_sender}"[:36], now, record_id, error.code, digest)
        )
        uow.commit()
