"""Cooperation requests: draft, edit, submit, approve, withdraw, process, read, search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from comity.domain.access import User
from comity.domain.commands import CreateDraft, EditDraft, MoveRequest
from comity.domain.delivery import MessageType, Stage
from comity.domain.emergency_clock import emergency_clock
from comity.domain.values import Channel, Side
from comity.domain.workflow import Status, allowed_next
from comity.services import data_protection, exchange, practice
from comity.services import requests as service
from comity.services.ports import RequestQuery
from comity.web.api.auth import RecentUser
from comity.web.api.schemas import (
    AnswersBody,
    ApproveBody,
    CloseBody,
    CreateRequest,
    DeadlineOut,
    FindingOut,
    HistoryOut,
    Instant,
    IssueOut,
    ObligationOut,
    OriginalOut,
    PatchRequest,
    ProblemOut,
    ReasonBody,
    RequestList,
    RequestOut,
    RequestSummary,
    StateCode,
    TransitionBody,
    UsagePolicyOut,
)
from comity.web.deps import Context, CurrentUser
from comity.web.timeline import timeline_of

router = APIRouter(prefix="/requests", tags=["requests"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    403: {"model": ProblemOut, "description": "The role does not allow this"},
    404: {"model": ProblemOut, "description": "No such request in your scope"},
    409: {"model": ProblemOut, "description": "Not possible in the request's status"},
    422: {"model": ProblemOut, "description": "Invalid, unknown or missing input"},
}

# Steps that reach the other State also fail, and change nothing, when the node cannot.
_EXCHANGE_ERRORS: dict[int | str, dict[str, object]] = {
    **_ERRORS,
    422: {
        "model": ProblemOut,
        "description": "Invalid input, or no usable directory (DIRECTORY_INVALID)",
    },
    503: {"model": ProblemOut, "description": "The directory is stale (TRUST_STALE)"},
}


@router.post("", status_code=201, response_model=RequestOut, responses=_ERRORS)
def create(body: CreateRequest, ctx: Context, user: CurrentUser, response: Response) -> RequestOut:
    """Open a draft. Incomplete drafts are saved; ``missing`` lists what submission needs."""
    view = service.create_draft(
        ctx,
        actor=user,
        command=CreateDraft(
            type_code=body.type,
            requested_state=body.requested_state,
            profile=body.profile,
            urgency=body.urgency,
            channel=body.channel,
            fields=body.fields,
        ),
    )
    response.headers["Location"] = f"/api/v1/requests/{view.request.id}"
    # Read again so the answer carries the legal engine's findings as the officer drafts.
    return _fresh(ctx, user, view)


@router.get("", response_model=RequestList, responses=_ERRORS)
def search(
    ctx: Context,
    user: CurrentUser,
    status: Status | None = None,
    type_code: Annotated[str | None, Query(alias="type", max_length=60)] = None,
    state: StateCode | None = None,
    due_before: Instant | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Full-text search")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> RequestList:
    """Requests of your authority, filtered and searched, most recently changed first."""
    if type_code is not None:
        ctx.catalogue.type(type_code)
    views = service.find(
        ctx,
        actor=user,
        query=RequestQuery(
            authority_id=user.authority_id,
            status=status,
            type_code=type_code,
            state=state,
            due_before=due_before,
            text=q,
            limit=limit,
            offset=offset,
        ),
    )
    items = [summary(ctx, view) for view in views]
    return RequestList(items=items, count=len(items), limit=limit, offset=offset)


_READ_ERRORS: dict[int | str, dict[str, object]] = {
    **_ERRORS,
    403: {
        "model": ProblemOut,
        "description": "Another purpose than the request's (PURPOSE_DENIED)",
    },
    410: {"model": ProblemOut, "description": "Past the retention date (RETENTION_EXPIRED)"},
}


@router.get("/{request_id}", response_model=RequestOut, responses=_READ_ERRORS)
def read(
    request_id: str,
    ctx: Context,
    user: CurrentUser,
    purpose: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z][a-z0-9_]{0,39}$",
            description="The purpose code the data are read for; the request's own by default",
        ),
    ] = None,
) -> RequestOut:
    """One request with its history, completeness report and deadlines.

    Reading is a use of the data: only under the request's purpose or one granted by an
    accepted ``additional_use`` request, and only until the retention date. Every reading,
    allowed or refused, is in the DPO's register."""
    # The first read by the requested State's officer is its retrieval (a REM evidence).
    view = data_protection.read(ctx, actor=user, request_id=request_id, purpose_code=purpose)
    return _full(ctx, view)


@router.patch("/{request_id}", response_model=RequestOut, responses=_ERRORS)
def edit(request_id: str, body: PatchRequest, ctx: Context, user: CurrentUser) -> RequestOut:
    """Change a draft: header values, and fields as a JSON merge patch."""
    header = body.model_dump(exclude_unset=True, exclude={"fields", "version"}, exclude_none=True)
    view = service.edit_draft(
        ctx,
        actor=user,
        command=EditDraft(
            request_id=request_id,
            fields_patch=body.fields,
            header=header,
            expected_version=body.version,
        ),
    )
    return _fresh(ctx, user, view)


@router.post("/{request_id}/submit", response_model=RequestOut, responses=_ERRORS)
def submit(request_id: str, ctx: Context, user: CurrentUser) -> RequestOut:
    """Submit for approval. Refused with ``INCOMPLETE_REQUEST`` and every missing path."""
    return _fresh(ctx, user, service.submit(ctx, actor=user, request_id=request_id))


@router.post("/{request_id}/approve", response_model=RequestOut, responses=_ERRORS)
def approve(
    request_id: str, ctx: Context, user: RecentUser, body: ApproveBody | None = None
) -> RequestOut:
    """Approve (an approver who is not the drafter: four eyes), with a sign-in within the
    node's re-authentication window (401 ``REAUTH_REQUIRED`` otherwise: POST /auth/reauth)."""
    view = service.approve(
        ctx,
        actor=user,
        request_id=request_id,
        comment=body.comment if body else "",
        override_justification=body.override_justification if body else "",
    )
    return _fresh(ctx, user, view)


@router.post("/{request_id}/return", response_model=RequestOut, responses=_ERRORS)
def send_back(request_id: str, body: ReasonBody, ctx: Context, user: CurrentUser) -> RequestOut:
    """Send back to the drafter with a comment (an approver's step)."""
    view = service.return_to_draft(ctx, actor=user, request_id=request_id, reason=body.reason)
    return _full(ctx, view)


@router.post("/{request_id}/withdraw", response_model=RequestOut, responses=_EXCHANGE_ERRORS)
def withdraw(request_id: str, body: ReasonBody, ctx: Context, user: CurrentUser) -> RequestOut:
    """Withdraw a request of this State, with reasons."""
    view = service.withdraw(ctx, actor=user, request_id=request_id, reason=body.reason)
    return _fresh(ctx, user, view)


@router.post("/{request_id}/transitions", response_model=RequestOut, responses=_EXCHANGE_ERRORS)
def transition(
    request_id: str, body: TransitionBody, ctx: Context, user: CurrentUser
) -> RequestOut:
    """Take a step on a received request (register, assess, decide, execute, close).

    A decision may carry refusal ``grounds`` (codes) and ``conditions``; a request for
    information the ``due_at`` of the answer. They are kept in the step's ``detail``.
    """
    detail: dict[str, Any] = {}
    if body.grounds is not None:
        detail["grounds"] = list(body.grounds)
    if body.conditions is not None:
        detail["conditions"] = body.conditions
    if body.due_at is not None:
        detail["due_at"] = body.due_at.isoformat()
    if body.consultation_not_appropriate:
        detail["consultation_not_appropriate"] = body.consultation_not_appropriate
    if body.items is not None:
        detail["items"] = [item.model_dump() for item in body.items]
    command = MoveRequest(request_id=request_id, to=body.to, reason=body.reason, detail=detail)
    return _fresh(ctx, user, service.process(ctx, actor=user, command=command))


@router.post("/{request_id}/send", response_model=RequestOut, responses=_EXCHANGE_ERRORS)
def send(request_id: str, ctx: Context, user: CurrentUser) -> RequestOut:
    """Send an approved request to the requested State (an approver's step). Only the exact
    approved content leaves; without a trusted directory nothing is sent."""
    return _fresh(ctx, user, exchange.send(ctx, actor=user, request_id=request_id))


@router.post(
    "/{request_id}/supply-information", response_model=RequestOut, responses=_EXCHANGE_ERRORS
)
def supply_information(
    request_id: str, body: AnswersBody, ctx: Context, user: CurrentUser
) -> RequestOut:
    """Answer the requested State's request for supplementary information."""
    view = exchange.supply_information(ctx, actor=user, request_id=request_id, answers=body.answers)
    return _fresh(ctx, user, view)


@router.post("/{request_id}/close", response_model=RequestOut, responses=_EXCHANGE_ERRORS)
def close(
    request_id: str, ctx: Context, user: CurrentUser, body: CloseBody | None = None
) -> RequestOut:
    """Close a request of this State once it is executed, refused, withdrawn or expired."""
    reason = body.reason if body else ""
    return _fresh(ctx, user, exchange.close(ctx, actor=user, request_id=request_id, reason=reason))


@router.post(
    "/{request_id}/accept-conditions", response_model=RequestOut, responses=_EXCHANGE_ERRORS
)
def accept_conditions(
    request_id: str, ctx: Context, user: CurrentUser, body: CloseBody | None = None
) -> RequestOut:
    """Accept the conditions the requested State proposed: they become this State's
    obligations, shown on both copies (declining them is withdrawing the request)."""
    reason = body.reason if body else ""
    view = exchange.accept_conditions(ctx, actor=user, request_id=request_id, reason=reason)
    return _fresh(ctx, user, view)


@router.post("/{request_id}/original", response_model=RequestOut, responses=_EXCHANGE_ERRORS)
def send_original(request_id: str, ctx: Context, user: CurrentUser) -> RequestOut:
    """Send the formal original of a request whose copy went ahead (channel ``copy_ahead``)."""
    return _fresh(ctx, user, exchange.send_original(ctx, actor=user, request_id=request_id))


@router.post("/{request_id}/acknowledge", response_model=RequestOut, responses=_EXCHANGE_ERRORS)
def acknowledge(request_id: str, ctx: Context, user: CurrentUser) -> RequestOut:
    """A duty officer takes charge of a received emergency or 24/7 request; the time to
    human acknowledgement is recorded and the requesting State told."""
    return _fresh(ctx, user, exchange.acknowledge(ctx, actor=user, request_id=request_id))


def _fresh(ctx: Context, user: User, view: service.RequestView) -> RequestOut:
    """The request as stored after a step that may have queued a message: read again, so the
    answer's timeline holds the evidences the step produced."""
    return _full(ctx, service.get(ctx, actor=user, request_id=view.request.id))


def summary(ctx: Context, view: service.RequestView) -> RequestSummary:
    request = view.request
    return RequestSummary(
        id=request.id,
        reference=request.reference,
        side=request.side,
        type=request.type_code,
        title=ctx.catalogue.type(request.type_code).title,
        profile=request.profile,
        requesting_state=request.requesting_state,
        requested_state=request.requested_state,
        urgency=request.urgency,
        channel=request.channel,
        status=request.status,
        version=request.version,
        created_at=request.created_at,
        updated_at=request.updated_at,
        missing=[issue.path for issue in view.missing],
        next_due_at=view.deadlines[0].due_at if view.deadlines else None,
    )


def _full(ctx: Context, view: service.RequestView) -> RequestOut:
    request = view.request
    return RequestOut(
        **summary(ctx, view).model_dump(),
        authority_id=request.authority_id,
        fields=request.fields,
        legal_basis=list(view.legal_basis),
        completeness=[IssueOut(path=i.path, kind=i.kind, message=i.message) for i in view.missing],
        deadlines=[DeadlineOut.of(item) for item in view.deadlines],
        history=[
            HistoryOut(
                seq=entry.seq,
                from_status=entry.from_status,
                to_status=entry.to_status,
                actor_id=entry.actor_id,
                at=entry.at,
                reason=entry.reason,
            )
            for entry in request.history
        ],
        next_statuses=sorted(allowed_next(request.side, request.status)),
        created_by=request.created_by,
        submitted_by=request.submitted_by,
        approved_by=request.approved_by,
        approval_digest=request.approval_digest,
        exchange_id=request.exchange_id,
        remote_status=request.remote_status,
        acknowledged_at=request.acknowledged_at,
        acknowledged_by=request.acknowledged_by,
        seconds_to_acknowledge=_seconds_to_acknowledge(view),
        **_first_answer(ctx, view),
        original=_original(view),
        timeline=timeline_of(view),
        findings=[FindingOut.of(finding) for finding in view.findings],
        obligations=[
            ObligationOut(
                conditions=item.conditions,
                proposed_at=item.proposed_at,
                accepted_at=item.accepted_at,
            )
            for item in request.obligations()
        ],
        usage_policy=UsagePolicyOut.of(request.usage_policy) if request.usage_policy else None,
        assessment_note=view.assessment_note,
    )


def _seconds_to_acknowledge(view: service.RequestView) -> int | None:
    request = view.request
    if request.side is not Side.REQUESTED or request.acknowledged_at is None:
        return None
    return int((request.acknowledged_at - request.created_at).total_seconds())


def _first_answer(ctx: Context, view: service.RequestView) -> dict[str, Any]:
    """When this State first answered a request it received, after acknowledging it, and
    how many seconds after the acknowledgement (both None until then)."""
    request = view.request
    if request.side is not Side.REQUESTED or request.acknowledged_at is None:
        return {"first_answer_at": None, "seconds_to_first_answer": None}
    timing = emergency_clock(request, practice.records(ctx, [request.id]).get(request.id))
    waited = timing.to_answer
    return {
        "first_answer_at": timing.answered_at,
        "seconds_to_first_answer": None if waited is None else int(waited.total_seconds()),
    }


def _original(view: service.RequestView) -> OriginalOut | None:
    """Whether the formal original of a copy sent ahead arrived: as this node recorded it on
    the requested side, as the other node's receipt says on the requesting side."""
    request = view.request
    if request.channel is not Channel.COPY_AHEAD:
        return None
    received_at = request.original_received_at
    if request.side is Side.REQUESTING:
        delivered = [
            item.at
            for item in view.evidences
            if item.message_type == MessageType.REQUEST_ORIGINAL and item.stage is Stage.DELIVERED
        ]
        received_at = min(delivered) if delivered else None
    return OriginalOut(awaited=received_at is None, received_at=received_at)
