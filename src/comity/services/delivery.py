"""The relay: delivers what the outbox holds, retries with backoff, and records evidences.

Each attempt posts the byte-identical envelope. Only a receipt signed by the recipient State's
key, over this message's id and the digest of its exact bytes, acknowledges it; only a signed
negative answer rejects it. Anything else (no answer, an unsigned error, a held message) is
retried until the stage time limits of the retry policy end the message with a negative
evidence, which is final.
"""

from __future__ import annotations

from datetime import datetime

from comity.domain.delivery import RECEIPT_TYP, OutboundMessage, Stage, receipt_matches
from comity.domain.directory import Directory
from comity.domain.errors import DomainError
from comity.domain.events import DeliveryEvidence
from comity.domain.workflow import Status
from comity.services.context import ServiceContext
from comity.services.outgoing import federation, trusted_directory
from comity.services.ports import UnitOfWork
from comity.services.transport_ports import Evidence, PeerAnswer


def deliver_due(ctx: ServiceContext, *, limit: int = 50) -> int:
    """One pass of the relay: attempt every due message once; returns how many were tried.

    While the directory is stale nothing is sent (fail closed); the messages wait.
    """
    now = ctx.clock.now()
    directory = trusted_directory(ctx, now)
    # No retry is ever scheduled further ahead than the longest backoff: one that is was
    # scheduled by a clock that has since been set back, and waits no longer for it.
    latest = now + federation(ctx).retry.max_delay
    with ctx.uow() as uow:
        due = list(uow.outbox.due(now=now, limit=limit, latest=latest))
    for message in due:
        ctx.faults.hit("relay_after_claim")
        attempt(ctx, message, directory)
    return len(due)


def attempt(ctx: ServiceContext, message: OutboundMessage, directory: Directory) -> Stage | None:
    """Post one message once and record what came back; returns a stage if one was reached."""
    fed = federation(ctx)
    ctx.faults.hit("before_http_send")
    answer = fed.peers.deliver(directory.state(message.recipient_state), message.envelope)
    ctx.faults.hit("after_http_send_before_receipt_store")
    with ctx.uow() as uow:
        current = uow.outbox.get(message.message_id)
        if current is None or current.is_terminal:
            return None
        stage = _record(ctx, uow, current, answer, directory)
        uow.outbox.save(current)
        ctx.faults.hit("send_after_receipt_verify_before_store")
        uow.commit()
    ctx.faults.hit("send_after_receipt_store")
    return stage


def _record(
    ctx: ServiceContext,
    uow: UnitOfWork,
    message: OutboundMessage,
    answer: PeerAnswer,
    directory: Directory,
) -> Stage | None:
    fed = federation(ctx)
    now = ctx.clock.now()
    if answer.kind == "held":
        _relayed(uow, message, now)
    if answer.kind in ("delivered", "rejected") and answer.signed:
        try:
            receipt = fed.envelopes.verify(
                answer.signed, directory, state=message.recipient_state, typ=RECEIPT_TYP
            )
        except DomainError as invalid:
            receipt, problem = {}, f"RECEIPT_INVALID: {invalid.code}"
        else:
            problem = "" if receipt_matches(receipt, message, ctx.state) else "RECEIPT_INVALID"
        if not problem:
            # Only an answer the receiving node signed proves the message reached it: an
            # unsigned or forged one leaves the relay time limit running.
            _relayed(uow, message, now)
            if receipt["stage"] == Stage.DELIVERED:
                stage = message.acknowledged(now=now, receipt=answer.signed)
                _note_remote_status(uow, message, receipt.get("status"))
            else:
                code = str(receipt.get("code") or answer.code)
                stage = message.rejected(now=now, code=code, receipt=answer.signed)
            code = "" if stage is Stage.DELIVERED else message.last_error
            _evidence(uow, message, stage, now, code=code, signed=answer.signed)
            return stage
        failure = problem
    else:
        failure = answer.code or answer.kind
        if answer.detail:
            failure = f"{failure}: {answer.detail}"
    final = message.attempt_failed(now=now, error=failure, policy=fed.retry)
    if final is not None:
        _evidence(uow, message, final, now, code=failure.split(":")[0][:40])
    return final


def _relayed(uow: UnitOfWork, message: OutboundMessage, now: datetime) -> None:
    """The receiving node answered: the relay-accepted evidence, the first time only."""
    relayed = message.relayed(now=now)
    if relayed is not None:
        _evidence(uow, message, relayed, now)


def _note_remote_status(uow: UnitOfWork, message: OutboundMessage, status: object) -> None:
    """The receipt says where the other State's copy stands after the message: keep it, so
    each side always knows the other's status (the other side's mirrored steps send nothing)."""
    if message.request_id is None or not isinstance(status, str):
        return
    try:
        reported = Status(status)
    except ValueError:
        return
    request = uow.requests.get(message.request_id)
    if request is not None and request.remote_status != reported:
        request.remote_status = reported
        uow.requests.save(request)


def _evidence(
    uow: UnitOfWork,
    message: OutboundMessage,
    stage: Stage,
    now: datetime,
    *,
    code: str = "",
    signed: str | None = None,
) -> None:
    uow.evidences.add(
        Evidence(
            message_id=message.message_id,
            request_id=message.request_id,
            message_type=str(message.type),
            counterpart_state=message.recipient_state,
            stage=stage,
            at=now,
            code=code[:40],
            signed=signed,
        )
    )
    uow.record(DeliveryEvidence("system", now, message.message_id, str(stage), code[:40]))
