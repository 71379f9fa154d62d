"""The audit log for auditors: its state, inclusion and consistency proofs, alerts, and a
request's complete trail exported with its proofs (verifiable offline)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from comity.services import ledger_audit as service
from comity.services.ledger_ports import AuditAlert
from comity.web.api.schemas import ProblemOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(prefix="/audit", tags=["audit"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    403: {"model": ProblemOut, "description": "Not an auditor, DPO or administrator"},
    404: {"model": ProblemOut, "description": "No such leaf, size or request in the log"},
}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class CheckpointOut(BaseModel):
    """A checkpoint this node signed, and who cosigned it."""

    size: int
    root: str = Field(description="base64 of the RFC 9162 root hash")
    signed_at: datetime
    cosigned_by: list[str]


class AlertOut(BaseModel):
    """An integrity or equivocation alert, with the signed notes that prove it."""

    id: str
    raised_at: datetime
    kind: str = Field(description="integrity, rollback, equivocation, refused, …")
    state: str = Field(description="The State whose log is concerned")
    detail: str
    evidence: dict[str, Any]

    @classmethod
    def of(cls, alert: AuditAlert) -> AlertOut:
        return cls(
            id=alert.id,
            raised_at=alert.raised_at,
            kind=alert.kind,
            state=alert.state,
            detail=alert.detail,
            evidence=dict(alert.evidence),
        )


class StatusOut(BaseModel):
    """The log at a glance."""

    size: int
    root: str
    checkpoint: CheckpointOut | None
    alerts: list[AlertOut]


class InclusionOut(BaseModel):
    """RFC 9162 inclusion proof of one leaf in the tree of ``tree_size`` leaves."""

    leaf_index: int
    tree_size: int
    leaf: str = Field(description="The leaf's canonical text; its leaf hash is SHA-256(0x00‖text)")
    root: str
    proof: list[str] = Field(description="base64 hashes, in RFC 9162 order")
    checkpoint: str | None = Field(description="The signed checkpoint of that size, if any")


class ConsistencyOut(BaseModel):
    """RFC 9162 consistency proof between two sizes of the log."""

    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]
    checkpoints: dict[str, str]


class AlertList(BaseModel):
    """Alerts, newest first."""

    items: list[AlertOut]
    count: int


@router.get("", response_model=StatusOut, responses=_ERRORS)
def audit_status(ctx: Context, user: CurrentUser) -> StatusOut:
    """Size and root of the log, its latest checkpoint with the States that cosigned it,
    and the latest alerts."""
    service.check_auditor(user)
    status = service.status(ctx)
    checkpoint = status.checkpoint
    return StatusOut(
        size=status.size,
        root=_b64(status.root),
        checkpoint=None
        if checkpoint is None
        else CheckpointOut(
            size=checkpoint.size,
            root=_b64(checkpoint.root),
            signed_at=checkpoint.signed_at,
            cosigned_by=status.cosigned_by,
        ),
        alerts=[AlertOut.of(alert) for alert in status.alerts],
    )


@router.get("/proof", response_model=InclusionOut, responses=_ERRORS)
def proof(
    ctx: Context,
    user: CurrentUser,
    leaf: Annotated[int, Query(ge=0, le=2**62, description="The leaf's index")],
    size: Annotated[
        int | None,
        Query(ge=1, le=2**62, description="Tree size; the latest checkpoint's by default"),
    ] = None,
) -> InclusionOut:
    """The inclusion proof of a leaf, by default against the latest signed checkpoint."""
    found = service.inclusion(ctx, actor=user, leaf=leaf, size=size)
    return InclusionOut(
        leaf_index=found.index,
        tree_size=found.size,
        leaf=found.leaf,
        root=_b64(found.root),
        proof=[_b64(p) for p in found.proof],
        checkpoint=found.checkpoint,
    )


@router.get("/consistency", response_model=ConsistencyOut, responses=_ERRORS)
def consistency(
    ctx: Context,
    user: CurrentUser,
    first: Annotated[int, Query(alias="from", ge=0, le=2**62)],
    second: Annotated[int, Query(alias="to", ge=0, le=2**62)],
) -> ConsistencyOut:
    """The consistency proof that the log of ``from`` leaves is a prefix of the log of
    ``to`` leaves, with the signed checkpoints of those sizes where there are some."""
    found = service.consistency(ctx, actor=user, old=first, new=second)
    return ConsistencyOut(
        first=found.old,
        second=found.new,
        first_root=_b64(found.old_root),
        second_root=_b64(found.new_root),
        proof=[_b64(p) for p in found.proof],
        checkpoints={str(size): note for size, note in found.checkpoints.items()},
    )


@router.get("/alerts", response_model=AlertList, responses=_ERRORS)
def alerts(
    ctx: Context, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> AlertList:
    """Integrity, rollback and equivocation alerts about this node's log and the logs it
    witnesses, newest first."""
    items = service.alerts(ctx, actor=user, limit=limit)
    return AlertList(items=[AlertOut.of(alert) for alert in items], count=len(items))


@router.get("/export", responses=_ERRORS)
def export(
    ctx: Context,
    user: CurrentUser,
    request: Annotated[str, Query(min_length=1, max_length=36, description="The request id")],
) -> dict[str, Any]:
    """A request's complete audit trail: every leaf naming it that the latest checkpoint
    covers, each with its inclusion proof, and the checkpoint with its cosignatures and the
    keys that signed them. ``comity audit verify-export FILE`` checks it offline."""
    return service.export_trail(ctx, actor=user, request_id=request)
