"""Commands that move a request between States: send, supply information, send the formal
original, close, and a duty officer's acknowledgement. Each is one unit of work whose commit
holds the step, its audit entries and the outbox row that carries it to the other State."""

from __future__ import annotations

from dataclasses import replace

from comity.domain.access import Action, User
from comity.domain.commands import MoveRequest
from comity.domain.delivery import MessageType, Stage
from comity.domain.errors import (
    BlockingFindingsError,
    DirectoryError,
    IllegalTransitionError,
    TrustError,
)
from comity.domain.events import DeliveryEvidence, RequestRetrieved
from comity.domain.messages import OriginalBody, SubmitBody
from comity.domain.requests import CooperationRequest
from comity.domain.values import Channel, Side
from comity.domain.workflow import Status
from comity.services import assessments, outgoing
from comity.services.context import ServiceContext
from comity.services.requests import RequestView, get, load, move, persist
from comity.services.transport_ports import Evidence


def send(ctx: ServiceContext, *, actor: User, request_id: str) -> RequestView:
    """Send an approved request to the requested State's receiving authority.

    Only the exact content that was approved leaves; the directory says which authority of
    the requested State receives it (the 24/7 point of contact for the urgent data forms).
    A send refused for want of trust (no directory, a stale one, a State not in it) changes
    nothing but leaves a ``submission_rejected`` evidence on the request, with the reason.
    """
    try:
        return _send(ctx, actor, request_id)
    except (TrustError, DirectoryError) as error:
        _submission_rejected(ctx, actor, request_id, error)
        raise


def _submission_rejected(
    ctx: ServiceContext, actor: User, request_id: str, error: TrustError | DirectoryError
) -> None:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.SEND)
        attempt_id = ctx.ids.new_id()
        uow.evidences.add(
            Evidence(
                message_id=attempt_id,
                request_id=request.id,
                message_type=str(MessageType.REQUEST_SUBMIT),
                counterpart_state=request.requested_state,
                stage=Stage.SUBMISSION_REJECTED,
                at=now,
                code=error.code,
                detail=error.detail[:500],
            )
        )
        uow.record(
            DeliveryEvidence(actor.id, now, attempt_id, str(Stage.SUBMISSION_REJECTED), error.code)
        )
        uow.commit()


def _check_law_again(ctx: ServiceContext, request: CooperationRequest) -> None:
    """Nothing leaves that the law blocks now (a State's transfer restriction declared since the
    approval, say) unless the approver overrode exactly that finding in writing."""
    try:
        findings = assessments.assess_request(ctx, request).findings
    except DirectoryError:
        return  # The trust check that follows refuses the send with its own reason.
    overridden: set[str] = set()
    for entry in request.history:
        if entry.to_status is Status.APPROVED:
            override = entry.detail.get("override")
            codes = override.get("codes") if isinstance(override, dict) else None
            overridden = {str(code) for code in codes} if isinstance(codes, list) else set()
    blocking = tuple(
        (f.code, f.message) for f in findings if f.blocking and f.code not in overridden
    )
    if blocking:
        raise BlockingFindingsError(blocking)


def _send(ctx: ServiceContext, actor: User, request_id: str) -> RequestView:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.SEND)
        # The workflow speaks first: trust is only asked about a request that may leave.
        request.mark_sent(actor_id=actor.id, now=now)
        _check_law_again(ctx, request)
        directory = outgoing.trusted_directory(ctx, now)
        receiving = directory.state(request.requested_state).receiving_authority(
            request.type_code, request.channel
        )
        request.exchange_id = request.id
        outgoing.queue(
            ctx,
            uow,
            request=request,
            message_type=MessageType.REQUEST_SUBMIT,
            body=SubmitBody(
                exchange_id=request.id,
                reference=request.reference,
                type_code=request.type_code,
                urgency=request.urgency,
                channel=request.channel,
                authority=receiving.code,
                fields=request.fields,
            ),
            now=now,
        )
        uow.requests.save(request)
        view = persist(ctx, uow, request, ctx.catalogue.type(request.type_code))
        uow.commit()
    ctx.faults.hit("after_outbox_commit")
    return view


def supply_information(
    ctx: ServiceContext, *, actor: User, request_id: str, answers: str
) -> RequestView:
    """Answer the requested State's request for supplementary information."""
    return move(ctx, actor, MoveRequest(request_id, Status.SENT, answers), Action.FOLLOW_UP)


def accept_conditions(
    ctx: ServiceContext, *, actor: User, request_id: str, reason: str = ""
) -> RequestView:
    """Accept the conditions the requested State proposed; they become obligations of this
    State, on both copies of the request. (Declining them is withdrawing the request.)"""
    return move(ctx, actor, MoveRequest(request_id, Status.ACCEPTED, reason), Action.FOLLOW_UP)


def close(ctx: ServiceContext, *, actor: User, request_id: str, reason: str = "") -> RequestView:
    """Close a request this State made once it is executed, refused, withdrawn or expired."""
    return move(ctx, actor, MoveRequest(request_id, Status.CLOSED, reason), Action.FOLLOW_UP)


def send_original(ctx: ServiceContext, *, actor: User, request_id: str) -> RequestView:
    """Send the formal original of a request whose copy went ahead (statement Q8-Q10)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.FOLLOW_UP)
        if request.channel is not Channel.COPY_AHEAD or request.exchange_id is None:
            raise IllegalTransitionError("only a request sent ahead as a copy has an original")
        outgoing.queue(
            ctx,
            uow,
            request=request,
            message_type=MessageType.REQUEST_ORIGINAL,
            body=OriginalBody(exchange_id=request.exchange_id),
            now=now,
        )
        view = persist(ctx, uow, request, ctx.catalogue.type(request.type_code))
        uow.commit()
    return view


def acknowledge(ctx: ServiceContext, *, actor: User, request_id: str) -> RequestView:
    """A duty officer takes charge of a request that came through the 24/7 path; the
    requesting State is told when, so both see the time to human acknowledgement."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.ACKNOWLEDGE)
        request.acknowledge(actor_id=actor.id, now=now)
        outgoing.tell_counterpart(
            ctx, uow, request=request, detail={"acknowledged_at": now.isoformat()}, now=now
        )
        uow.requests.save(request)
        view = persist(ctx, uow, request, ctx.catalogue.type(request.type_code))
        uow.commit()
    return view


def retrieve(ctx: ServiceContext, *, actor: User, request_id: str) -> RequestView:
    """Read a request; the first time an officer of the requested State opens one received
    from another State, that is its retrieval (ETSI REM ``retrieved``): recorded here, and
    told to the requesting State, whose node records the same evidence for its message."""
    view = get(ctx, actor=actor, request_id=request_id)
    request = view.request
    if request.side is not Side.REQUESTED or request.exchange_id is None:
        return view
    if any(evidence.stage is Stage.RETRIEVED for evidence in view.evidences):
        return view
    submitted = [e for e in view.evidences if e.message_type == MessageType.REQUEST_SUBMIT]
    if not submitted:
        return view
    try:
        _record_retrieval(ctx, actor, request_id, submitted[0])
    except (TrustError, DirectoryError):
        # Reading never depends on the federation: without a trusted directory the retrieval
        # is recorded at a later reading, when the requesting State can be told.
        return view
    return get(ctx, actor=actor, request_id=request_id)


def _record_retrieval(
    ctx: ServiceContext, actor: User, request_id: str, submitted: Evidence
) -> None:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        current = load(uow, actor, request_id, Action.VIEW)
        if any(e.stage is Stage.RETRIEVED for e in uow.evidences.for_request(current.id)):
            return
        uow.evidences.add(replace(submitted, stage=Stage.RETRIEVED, at=now, signed=None))
        uow.record(
            RequestRetrieved(actor.id, now, current.id),
            DeliveryEvidence(actor.id, now, submitted.message_id, str(Stage.RETRIEVED), ""),
        )
        outgoing.tell_counterpart(
            ctx, uow, request=current, detail={"retrieved_at": now.isoformat()}, now=now
        )
        uow.commit()
