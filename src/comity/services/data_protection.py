"""Data protection enforced by the node (legal.md §4; architecture §6).

Every read and forward of a request's data goes through its usage policy: the purpose it
states, or one its originating State granted through an accepted ``additional_use`` request
(DP-S3, DP-S4); no onward transfer under the statement's profile, and only with prior
authorisation under UNCC art. 36 / 2AP art. 14(10) (DP-S5, DP-U5, DP-P10); nothing after the
retention date (DP-S6, DP-P5). Each access, allowed or denied, is a row of the DPO's register
written in the same commit as its audit entry (DP-P8); a denial is committed before it is
raised. The retention sweep erases what is due, one unit of work per request, and leaves a
deletion record signed with the node's key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from comity.domain.access import Action, User
from comity.domain.errors import (
    DomainError,
    FieldIssue,
    InvalidFieldsError,
    PermissionDeniedError,
    RetentionExpiredError,
)
from comity.domain.events import DataAccessed, OnwardTransferAuthorised, OnwardTransferRefused
from comity.domain.evidence_packages import EvidencePackage
from comity.domain.requests import CooperationRequest
from comity.domain.usage import UsagePolicy, policy_for
from comity.domain.values import Role
from comity.services import exchange
from comity.services.context import ServiceContext
from comity.services.data_protection_ports import DataAccess, DeletionRecord, RetentionDue
from comity.services.ports import UnitOfWork
from comity.services.requests import RequestView, load

DELETION_TYP = "comity-deletion/1"
SYSTEM = "system"
# How many requests one sweep erases at most; the next sweep takes the rest.
SWEEP_BATCH = 1000


@dataclass(frozen=True)
class ExportDocument:
    """What is handed over when data go on to another State: the data and the terms they
    travel under (the usage policy, with the purpose of this transfer)."""

    request_id: str
    reference: str
    type_code: str
    originating_state: str
    recipient_state: str
    purpose_code: str
    exported_at: datetime
    fields: dict[str, Any]
    policy: UsagePolicy


def policy_of(ctx: ServiceContext, uow: UnitOfWork, request: CooperationRequest) -> UsagePolicy:
    """The request's usage policy with what accepted ``additional_use`` requests granted.

    A request stored before policies existed gets one as if made when it was created."""
    policy = request.usage_policy or policy_for(
        request,
        ctx.catalogue.profile(request.profile),
        now=request.created_at,
        retention=ctx.retention,
    )
    return policy.granting(uow.requests.additional_uses(request.reference))


def read(
    ctx: ServiceContext, *, actor: User, request_id: str, purpose_code: str | None = None
) -> RequestView:
    """Read a request's data under ``purpose_code`` (by default the purpose it states).

    A refused read raises ``PURPOSE_DENIED`` or ``RETENTION_EXPIRED`` after its record is
    committed. An allowed one is recorded, then is the request's retrieval where it is the
    first reading of a received request by the requested State (``exchange.retrieve``)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.VIEW)
        policy = policy_of(ctx, uow, request)
        purpose = policy.purpose_code if purpose_code is None else purpose_code
        try:
            check_kept(request)
            policy.check_use(purpose, now)
        except DomainError as error:
            record_access(ctx, uow, actor, request, purpose, "read", now, error)
            uow.commit()
            raise
        record_access(ctx, uow, actor, request, purpose, "read", now)
        uow.commit()
    return exchange.retrieve(ctx, actor=actor, request_id=request_id)


def forward(
    ctx: ServiceContext,
    *,
    actor: User,
    request_id: str,
    to_state: str,
    purpose_code: str | None = None,
) -> ExportDocument:
    """Hand a request's data over to another State, if its policy allows it.

    Refused with ``ONWARD_TRANSFER_DENIED`` under a profile that prohibits onward transfer,
    and under prior authorisation until the originating State accepted an ``additional_use``
    request naming ``to_state``; the purpose must be allowed too. Allowed or not, the attempt
    is in the register and the audit log."""
    if to_state == ctx.state:
        raise InvalidFieldsError(
            (FieldIssue("to", "invalid", "data handed over within this State are not forwarded"),)
        )
    now = ctx.clock.now()
    with ctx.uow() as uow:
        request = load(uow, actor, request_id, Action.VIEW)
        policy = policy_of(ctx, uow, request)
        purpose = policy.purpose_code if purpose_code is None else purpose_code
        try:
            check_kept(request)
            policy.check_retention(now)
            policy.check_onward(to_state)
            policy.check_use(purpose, now)
        except DomainError as error:
            record_access(ctx, uow, actor, request, purpose, "forward", now, error, to_state)
            uow.record(OnwardTransferRefused(actor.id, now, request.id, to_state, error.code))
            uow.commit()
            raise
        record_access(ctx, uow, actor, request, purpose, "forward", now, None, to_state)
        uow.record(OnwardTransferAuthorised(actor.id, now, request.id, to_state, purpose))
        uow.commit()
    return ExportDocument(
        request_id=request.id,
        reference=request.reference,
        type_code=request.type_code,
        originating_state=policy.originating_state,
        recipient_state=to_state,
        purpose_code=purpose,
        exported_at=now,
        fields=dict(request.fields),
        policy=policy,
    )


def register(
    ctx: ServiceContext, *, actor: User, request_id: str | None = None, limit: int = 100
) -> Sequence[DataAccess]:
    """The DPO's register: who accessed the data of which request of the DPO's authority,
    when, under which purpose, and whether it was allowed (newest first)."""
    if not actor.active or not actor.has(Role.DPO):
        raise PermissionDeniedError("the register of data accesses is for the DPO role")
    with ctx.uow() as uow:
        if request_id is not None:
            load(uow, actor, request_id, Action.VIEW)
        return uow.accesses.list(
            authority_id=actor.authority_id, request_id=request_id, limit=limit
        )


def retention_calendar(
    ctx: ServiceContext, *, actor: User, within: timedelta, limit: int = 200
) -> Sequence[RetentionDue]:
    """The DPO's retention calendar: the requests of the DPO's authority whose data reach
    their retention date within ``within`` from now, earliest first; those already past it
    and not yet erased (held, or waiting for the next sweep) come first."""
    _check_dpo(actor, "the retention calendar is for the DPO role")
    with ctx.uow() as uow:
        return uow.deletions.due(
            authority_id=actor.authority_id, before=ctx.clock.now() + within, limit=limit
        )


def deletion_records(
    ctx: ServiceContext, *, actor: User, limit: int = 100
) -> Sequence[DeletionRecord]:
    """The deletion records of the DPO's authority's erased requests, newest first."""
    _check_dpo(actor, "the deletion records are for the DPO role")
    with ctx.uow() as uow:
        return uow.deletions.list(authority_id=actor.authority_id, limit=limit)


def _check_dpo(actor: User, detail: str) -> None:
    if not actor.active or not actor.has(Role.DPO):
        raise PermissionDeniedError(detail)


def sweep(ctx: ServiceContext) -> int:
    """Erase the data of every request past its retention date; returns how many were."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        due = uow.requests.past_retention(now, SWEEP_BATCH)
    erased = sum(1 for request_id in due if _erase(ctx, request_id, now))
    if ctx.evidence is not None:
        from comity.services import evidence

        evidence.remove_leftover_files(ctx)
    return erased


def _erase_evidence(
    ctx: ServiceContext, uow: UnitOfWork, request_id: str, now: datetime
) -> list[EvidencePackage]:
    # Imported here because the evidence services check every use against this module's
    # policies: a module-level import each way would be a cycle.
    from comity.services import evidence

    if ctx.evidence is None:
        return []
    return evidence.erase_packages(ctx, uow, request_id, now)


def deletion_record(ctx: ServiceContext, request_id: str) -> DeletionRecord | None:
    """The deletion record of an erased request, if it was erased."""
    with ctx.uow() as uow:
        return uow.deletions.get(request_id)


def _erase(ctx: ServiceContext, request_id: str, now: datetime) -> bool:
    """Erase one request's data, with its deletion record, in one unit of work."""
    with ctx.uow() as uow:
        request = uow.requests.get(request_id)
        if request is None or request.erased_at is not None:
            return False
        policy = request.usage_policy
        if policy is None or policy.legal_hold or policy.retention_until > now:
            return False
        digest = request.erase(actor_id=SYSTEM, now=now)
        payload: dict[str, object] = {
            "request_id": request.id,
            "reference": request.reference,
            "state": ctx.state,
            "type": request.type_code,
            "originating_state": policy.originating_state,
            "retention_until": policy.retention_until.isoformat(),
            "erased_at": now.isoformat(),
            "content_sha256": digest,
        }
        if ctx.federation is not None:
            record = ctx.federation.envelopes.sign(payload, typ=DELETION_TYP)
            signed = True
        else:
            note = "unsigned: this node has no signing key (it is not part of a federation)"
            record = json.dumps({**payload, "note": note}, sort_keys=True)
            signed = False
        uow.deletions.add(DeletionRecord(request.id, now, digest, record, signed))
        uow.deadlines.replace_for(request.id, ())
        uow.requests.save(request)
        # Signed originals render the request's data, and the practice steps and asset
        # statements record some of it (names, references, claimants): they go with it.
        uow.originals.erase_for(request.id)
        uow.practice.erase_values(request.id, now)
        uow.asset_statements.erase_for(request.id)
        packages = _erase_evidence(ctx, uow, request.id, now)
        ctx.faults.hit("retention_after_key_destroy_before_row_update")
        uow.commit()
    ctx.faults.hit("retention_after_commit_before_file_removal")
    if packages:
        from comity.services import evidence

        evidence.remove_files(ctx, packages)
    return True


def check_kept(request: CooperationRequest) -> None:
    """Refuse (``RETENTION_EXPIRED``) a request whose data were erased."""
    if request.erased_at is not None:
        raise RetentionExpiredError(
            f"the request's data were erased on {request.erased_at.date().isoformat()} at the "
            "end of their retention; a deletion record remains"
        )


def record_access(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: User,
    request: CooperationRequest,
    purpose: str,
    action: str,
    now: datetime,
    error: DomainError | None = None,
    recipient: str | None = None,
) -> None:
    """One row of the DPO's register and its audit entry, in the caller's unit of work."""
    outcome = "allowed" if error is None else "denied"
    code = "" if error is None else error.code
    uow.accesses.add(
        DataAccess(
            id=ctx.ids.new_id(),
            at=now,
            user_id=actor.id,
            request_id=request.id,
            purpose_code=purpose,
            action=action,
            outcome=outcome,
            code=code,
            recipient_state=recipient,
        )
    )
    uow.record(DataAccessed(actor.id, now, request.id, purpose[:40], action, outcome))
