"""Handlers for the life of a cooperation request: draft, edit, submit, approve, process.

Each handler runs in one unit of work: the request's new state, its history entry, its
recomputed deadlines and its audit entries are committed together, or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from comity.domain.access import Action, User, can_see, require
from comity.domain.catalogue import RequestType
from comity.domain.commands import CreateDraft, EditDraft, MoveRequest, RecordIncoming
from comity.domain.deadlines import Deadline, compute_deadlines
from comity.domain.errors import (
    BlockingFindingsError,
    DirectoryError,
    FieldIssue,
    InvalidDecisionError,
    InvalidFieldsError,
    NotFoundError,
    TypeNotAvailableError,
    UnknownAuthorityError,
)
from comity.domain.evidence_packages import EvidencePackage
from comity.domain.legal.case import RequestedSideFacts
from comity.domain.legal.findings import Finding
from comity.domain.legal.refusal import check_refusal
from comity.domain.practice.forms import ClockFacts
from comity.domain.practice.registry import lifecycle_for, practice_deadlines
from comity.domain.requests import CooperationRequest, Draft
from comity.domain.usage import policy_for
from comity.domain.values import Availability, Side
from comity.domain.workflow import Status, check_local_step, check_transition
from comity.services import assessments, outgoing
from comity.services.context import ServiceContext
from comity.services.evidence_ports import CustodyEntry
from comity.services.ports import RequestQuery, UnitOfWork
from comity.services.transport_ports import Evidence


@dataclass(frozen=True)
class RequestView:
    """A request as its reader sees it: with what is still missing and its open deadlines."""

    request: CooperationRequest
    missing: tuple[FieldIssue, ...]
    deadlines: tuple[Deadline, ...]
    legal_basis: tuple[str, ...]
    # Delivery evidences of every message about the request (read views only).
    evidences: tuple[Evidence, ...] = ()
    # The legal engine's findings (read views only), or why there are none.
    findings: tuple[Finding, ...] = ()
    assessment_note: str = ""
    # Evidence packages under the request and every custody record of each (read views only).
    packages: tuple[EvidencePackage, ...] = ()
    custody: tuple[tuple[EvidencePackage, CustodyEntry], ...] = ()


def create_draft(ctx: ServiceContext, *, actor: User, command: CreateDraft) -> RequestView:
    """Open a requesting-side draft for the actor's authority."""
    require(actor, Action.CREATE, authority_id=actor.authority_id, side=Side.REQUESTING)
    rtype = ctx.catalogue.type(command.type_code)
    profile = (
        ctx.catalogue.profile(command.profile) if command.profile else ctx.catalogue.default_profile
    )
    basis = rtype.basis_under(profile.code)
    if basis.availability is Availability.UNAVAILABLE:
        raise TypeNotAvailableError(
            f"{rtype.title} is not a form of cooperation under {profile.title}"
            + (f": {basis.note}" if basis.note else "")
        )
    _check_counterpart(ctx, command.requested_state)
    channels = rtype.channels_under(profile.code)
    channel = command.channel or (
        rtype.default_channel if rtype.default_channel in channels else channels[0]
    )
    draft = Draft(
        type_code=rtype.code,
        profile=profile.code,
        requesting_state=ctx.state,
        requested_state=command.requested_state,
        authority_id=actor.authority_id,
        urgency=command.urgency or rtype.default_urgency,
        channel=channel,
        fields=dict(command.fields),
    )
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request_id = ctx.ids.new_id()
        request = CooperationRequest.draft(
            request_id=request_id,
            reference=_reference(ctx.state, now, request_id),
            draft=draft,
            rtype=rtype,
            actor=actor,
            now=now,
        )
        request.usage_policy = policy_for(request, profile, now=now, retention=ctx.retention)
        uow.requests.add(request)
        view = persist(ctx, uow, request, rtype)
        uow.commit()
    return view


def edit_draft(ctx: ServiceContext, *, actor: User, command: EditDraft) -> RequestView:
    """Change a draft's fields (merge patch) or header (profile, State, urgency, channel)."""
    with ctx.uow() as uow:
        request = load(uow, actor, command.request_id, Action.EDIT)
        if command.expected_version is not None:
            request.expect_version(command.expected_version)
        rtype = ctx.catalogue.type(request.type_code)
        header = dict(command.header)
        if "profile" in header:
            profile = ctx.catalogue.profile(str(header["profile"]))
            if rtype.basis_under(profile.code).availability is Availability.UNAVAILABLE:
                raise TypeNotAvailableError(f"{rtype.title} does not exist under {profile.title}")
        if "requested_state" in header:
            _check_counterpart(ctx, str(header["requested_state"]))
        request.edit(
            rtype=rtype,
            actor=actor,
            now=ctx.clock.now(),
            fields_patch=command.fields_patch,
            header=header,
        )
        # A draft's purpose and profile may still change: its policy follows them until it is
        # sent, its retention counted from its creation.
        request.usage_policy = policy_for(
            request,
            ctx.catalogue.profile(request.profile),
            now=request.created_at,
            retention=ctx.retention,
        )
        uow.requests.save(request)
        view = persist(ctx, uow, request, rtype)
        uow.commit()
    return view


def submit(ctx: ServiceContext, *, actor: User, request_id: str) -> RequestView:
    """Submit a draft for approval; refused with every missing path if incomplete."""
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.SUBMIT)
        rtype = ctx.catalogue.type(request.type_code)
        request.submit(rtype=rtype, actor=actor, now=ctx.clock.now())
        uow.requests.save(request)
        view = persist(ctx, uow, request, rtype)
        uow.commit()
    return view


def approve(
    ctx: ServiceContext,
    *,
    actor: User,
    request_id: str,
    comment: str = "",
    override_justification: str = "",
) -> RequestView:
    """Approve a submitted request (four eyes: never by its drafter or submitter).

    The legal engine assesses it first: blocking findings stop the approval unless the
    approver overrides them with a written justification, recorded with the approval.
    """
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.APPROVE)
        findings, _ = _assessment(ctx, request)
        blocking = tuple((f.code, f.message) for f in findings if f.blocking)
        override: dict[str, object] = {}
        if blocking:
            if not override_justification.strip():
                raise BlockingFindingsError(blocking)
            override = {
                "override": {
                    "codes": [code for code, _ in blocking],
                    "justification": override_justification.strip(),
                }
            }
        request.approve(actor=actor, now=ctx.clock.now(), reason=comment, detail=override)
        uow.requests.save(request)
        view = persist(ctx, uow, request, ctx.catalogue.type(request.type_code))
        uow.commit()
    return view


def return_to_draft(
    ctx: ServiceContext, *, actor: User, request_id: str, reason: str
) -> RequestView:
    """Send a submitted or approved request back to its drafter, with a comment."""
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.APPROVE)
        request.return_to_draft(actor=actor, now=ctx.clock.now(), reason=reason)
        uow.requests.save(request)
        view = persist(ctx, uow, request, ctx.catalogue.type(request.type_code))
        uow.commit()
    return view


def withdraw(ctx: ServiceContext, *, actor: User, request_id: str, reason: str) -> RequestView:
    """Withdraw a request this State made, with reasons (UNTOC art. 18(24))."""
    return move(ctx, actor, MoveRequest(request_id, Status.WITHDRAWN, reason), Action.WITHDRAW)


def process(ctx: ServiceContext, *, actor: User, command: MoveRequest) -> RequestView:
    """Take a step on a received request: register, assess, ask for more, decide, execute."""
    return move(ctx, actor, command, Action.PROCESS)


def record_incoming(ctx: ServiceContext, *, command: RecordIncoming, actor_id: str) -> RequestView:
    """Record a request another State sent to one of this node's authorities."""
    rtype = ctx.catalogue.type(command.type_code)
    profile = ctx.catalogue.profile(command.profile)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        if uow.authorities.get(command.authority_id) is None:
            raise UnknownAuthorityError(f"no authority {command.authority_id!r} on this node")
        request_id = ctx.ids.new_id()
        request = CooperationRequest.incoming(
            request_id=request_id,
            reference=command.reference or _reference(command.requesting_state, now, request_id),
            draft=Draft(
                type_code=rtype.code,
                profile=profile.code,
                requesting_state=command.requesting_state,
                requested_state=ctx.state,
                authority_id=command.authority_id,
                urgency=command.urgency,
                channel=command.channel,
                fields=dict(command.fields),
            ),
            rtype=rtype,
            actor_id=actor_id,
            now=now,
        )
        request.usage_policy = policy_for(request, profile, now=now, retention=ctx.retention)
        uow.requests.add(request)
        view = persist(ctx, uow, request, rtype)
        uow.commit()
    return view


def get(ctx: ServiceContext, *, actor: User, request_id: str) -> RequestView:
    """One request with its history, completeness report and deadlines."""
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.VIEW)
        view = _view(ctx, request, ctx.catalogue.type(request.type_code))
        evidences = tuple(uow.evidences.for_request(request.id))
        packages = tuple(uow.packages.for_request(request.id))
        custody = tuple(
            (package, entry)
            for package in packages
            for entry in uow.packages.custody(package.package_id)
        )
    findings, note = _assessment(ctx, request)
    return replace(
        view,
        evidences=evidences,
        findings=findings,
        assessment_note=note,
        packages=packages,
        custody=custody,
    )


def _assessment(
    ctx: ServiceContext, request: CooperationRequest
) -> tuple[tuple[Finding, ...], str]:
    """The legal engine's findings for a stored request; none (and why) where a State is not
    in the directory, so reading never depends on the federation."""
    try:
        return assessments.assess_request(ctx, request).findings, ""
    except DirectoryError as error:
        return (), f"not assessed: {error.detail}"


def find(ctx: ServiceContext, *, actor: User, query: RequestQuery) -> list[RequestView]:
    """The actor's authority's requests matching ``query``."""
    if not can_see(actor, actor.authority_id):
        return []
    scoped = replace(query, authority_id=actor.authority_id)
    with ctx.uow() as uow:
        found = uow.requests.find(scoped)
        return [_view(ctx, request, ctx.catalogue.type(request.type_code)) for request in found]


def listing(ctx: ServiceContext, *, actor: User, query: RequestQuery) -> list[CooperationRequest]:
    """The actor's authority's requests matching ``query``, as stored: for lists that show a
    request's header only, so neither completeness nor deadlines are computed for each."""
    if not can_see(actor, actor.authority_id):
        return []
    with ctx.uow() as uow:
        return list(uow.requests.find(replace(query, authority_id=actor.authority_id)))


def status_counts(ctx: ServiceContext, *, actor: User) -> Mapping[Status, int]:
    """How many of the actor's authority's requests are in each status."""
    if not can_see(actor, actor.authority_id):
        return {}
    with ctx.uow() as uow:
        return uow.requests.count_by_status(actor.authority_id)


def deadlines_due(
    ctx: ServiceContext, *, actor: User, before: datetime, limit: int = 200
) -> Sequence[Deadline]:
    """Open deadlines of the actor's authority falling due before ``before``."""
    if not can_see(actor, actor.authority_id):
        return []
    with ctx.uow() as uow:
        return uow.deadlines.due_before(authority_id=actor.authority_id, when=before, limit=limit)


def move(ctx: ServiceContext, actor: User, command: MoveRequest, action: Action) -> RequestView:
    """Take a workflow step the actor may take; the other State hears of it in the same commit."""
    with ctx.uow() as uow:
        request = load(uow, actor, command.request_id, action)
        previous, now = request.status, ctx.clock.now()
        if request.side is Side.REQUESTED:
            # The workflow speaks first (an impossible step, a step only the other State
            # takes, missing reasons), then the law.
            check_transition(request.side, request.status, command.to, command.reason)
            check_local_step(request.side, command.to, exchanged=request.exchange_id is not None)
            _check_decision(ctx, request, command)
        request.move(
            to=command.to, actor_id=actor.id, now=now, reason=command.reason, detail=command.detail
        )
        # The other State learns of the step in the same commit (outbox), or not at all.
        outgoing.announce_step(ctx, uow, request=request, previous=previous, now=now)
        uow.requests.save(request)
        view = persist(ctx, uow, request, ctx.catalogue.type(request.type_code))
        uow.commit()
    return view


# Steps in which the requesting State was consulted: asked for more, or offered conditions.
_CONSULTATIONS = frozenset({Status.MORE_INFO_REQUESTED, Status.CONDITIONS_PROPOSED})


def _check_decision(ctx: ServiceContext, request: CooperationRequest, command: MoveRequest) -> None:
    """A refusal only with valid grounds, reasons and prior consultation where the profile
    requires it (legal.md §2); a postponement only with a date to review it (R-MLA-POSTPONE)."""
    detail = command.detail
    if command.to is Status.POSTPONED and not detail.get("due_at"):
        raise InvalidDecisionError("a postponement needs the date it will be reviewed (due_at)")
    if command.to is Status.ACCEPTED_IN_PART:
        _check_partial(detail, command.reason)
    if command.to is not Status.REFUSED:
        return
    consulted = bool(detail.get("consultation_not_appropriate")) or any(
        entry.to_status in _CONSULTATIONS for entry in request.history
    )
    case = assessments.case_of(ctx, request, requested_side=RequestedSideFacts(consulted=consulted))
    grounds = detail.get("grounds")
    named = [str(g) for g in grounds] if isinstance(grounds, list) else []
    problems = check_refusal(case, named, reasons=command.reason)
    if problems:
        raise InvalidDecisionError(
            "this refusal is not valid: " + "; ".join(f.message for f in problems),
            tuple((f.code, f.message) for f in problems),
        )


_GRANTED = frozenset({"granted", "granted_with_conditions"})


def _check_partial(detail: Mapping[str, Any], reason: str) -> None:
    """A partial acceptance says item by item what is granted and what is not, and why not
    (R-EXT-PARTIAL, R-MLA-PARTIAL, R-MLA-REASONS)."""
    items = detail.get("items")
    decided = (
        [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []
    )
    granted = [item for item in decided if item.get("decision") in _GRANTED]
    withheld = [item for item in decided if item.get("decision") not in _GRANTED]
    if not granted or not withheld:
        raise InvalidDecisionError(
            "a partial acceptance lists the items granted and those refused or postponed"
        )
    if not reason.strip() and not all(str(item.get("reason") or "").strip() for item in withheld):
        raise InvalidDecisionError("each item refused or postponed needs its reasons")


def visible(ctx: ServiceContext, *, actor: User, request_id: str) -> bool:
    """True if ``actor`` may know that the request exists (its scope), nothing else read."""
    with ctx.uow() as uow:
        request = uow.requests.get(request_id)
    return request is not None and can_see(actor, request.authority_id)


def load(uow: UnitOfWork, actor: User, request_id: str, action: Action) -> CooperationRequest:
    """The request, if the actor may perform ``action`` on it."""
    request = uow.requests.get(request_id)
    if request is None:
        raise NotFoundError("no such request")
    require(actor, action, authority_id=request.authority_id, side=request.side)
    return request


def persist(
    ctx: ServiceContext, uow: UnitOfWork, request: CooperationRequest, rtype: RequestType
) -> RequestView:
    """Store the request's recomputed deadlines; return its view."""
    view = _view(ctx, request, rtype)
    lifecycle = lifecycle_for(request.type_code)
    record = uow.practice.get(request.id) if lifecycle is not None else None
    # A practice record outlives the request's own workflow where its obligations do (the
    # speciality rule after a surrender, the report-back after a referral): its clock's dates
    # stay until the record reaches a final state.
    if record is None or lifecycle is None or lifecycle.is_final(record.state):
        uow.deadlines.replace_for(request.id, view.deadlines)
        return view
    # The practice life cycle's clock sets deadlines of its own (a preservation's expiry, a
    # provisional arrest's limit): they join the request's, earliest first.
    profile = ctx.catalogue.profile(request.profile)
    facts = ClockFacts(
        now=ctx.clock.now(), durations=profile.durations, reminders=profile.reminders
    )
    extra = practice_deadlines(request.id, record, facts)
    deadlines = tuple(sorted((*view.deadlines, *extra), key=lambda d: (d.due_at, d.code)))
    uow.deadlines.replace_for(request.id, deadlines)
    return replace(view, deadlines=deadlines)


def _view(ctx: ServiceContext, request: CooperationRequest, rtype: RequestType) -> RequestView:
    profile = ctx.catalogue.profile(request.profile)
    basis = rtype.basis_under(profile.code).citations + tuple(request.fields.get("legal_basis", ()))
    return RequestView(
        request=request,
        missing=tuple(request.completeness(rtype)),
        deadlines=compute_deadlines(request, rtype, profile),
        legal_basis=basis,
    )


def _check_counterpart(ctx: ServiceContext, state: str) -> None:
    if state == ctx.state:
        raise InvalidFieldsError(
            (FieldIssue("requested_state", "invalid", "a State cannot send a request to itself"),)
        )


def _reference(state: str, now: datetime, request_id: str) -> str:
    """A short reference officers can quote on the phone, unique with the id's first digits."""
    return f"{state}-{now.year}-{request_id.replace('-', '')[:8].upper()}"
