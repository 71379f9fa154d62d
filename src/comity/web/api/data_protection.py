"""Data protection: forwarding a request's data to another State, and the DPO's register."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StringConstraints

from comity.services import data_protection as service
from comity.services.data_protection import ExportDocument
from comity.services.data_protection_ports import DataAccess
from comity.web.api.schemas import ProblemOut, StateCode, Strict, UsagePolicyOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(tags=["data protection"])

PurposeCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class ForwardBody(Strict):
    """Hand a request's data over to another State."""

    to: StateCode
    purpose: PurposeCode | None = Field(
        default=None,
        description="The purpose code of the transfer; the request's own by default",
    )


class ExportOut(BaseModel):
    """The data handed over, with their provenance and usage policy."""

    request_id: str
    reference: str
    type: str
    originating_state: str
    recipient_state: str
    purpose_code: str
    exported_at: datetime
    fields: dict[str, Any]
    usage_policy: UsagePolicyOut

    @classmethod
    def of(cls, document: ExportDocument) -> ExportOut:
        return cls(
            request_id=document.request_id,
            reference=document.reference,
            type=document.type_code,
            originating_state=document.originating_state,
            recipient_state=document.recipient_state,
            purpose_code=document.purpose_code,
            exported_at=document.exported_at,
            fields=document.fields,
            usage_policy=UsagePolicyOut.of(document.policy),
        )


class AccessOut(BaseModel):
    """One access to a request's data."""

    id: str
    at: datetime
    user_id: str
    username: str
    request_id: str
    reference: str
    purpose_code: str
    action: str = Field(description="read, export or forward")
    outcome: str = Field(description="allowed or denied")
    code: str = Field(description="Why it was denied (PURPOSE_DENIED, …); empty if allowed")
    recipient_state: str | None

    @classmethod
    def of(cls, access: DataAccess) -> AccessOut:
        return cls(
            id=access.id,
            at=access.at,
            user_id=access.user_id,
            username=access.username,
            request_id=access.request_id,
            reference=access.reference,
            purpose_code=access.purpose_code,
            action=access.action,
            outcome=access.outcome,
            code=access.code,
            recipient_state=access.recipient_state,
        )


class AccessList(BaseModel):
    """The DPO's register, newest first."""

    items: list[AccessOut]
    count: int


_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    403: {"model": ProblemOut, "description": "Not allowed (see the problem's code)"},
    404: {"model": ProblemOut, "description": "No such request in your scope"},
    410: {"model": ProblemOut, "description": "Past the retention date (RETENTION_EXPIRED)"},
}


@router.post("/requests/{request_id}/forward", response_model=ExportOut, responses=_ERRORS)
def forward(request_id: str, body: ForwardBody, ctx: Context, user: CurrentUser) -> ExportOut:
    """Hand the request's data over to another State. ``ONWARD_TRANSFER_DENIED`` under a
    profile that prohibits onward transfer, and under prior authorisation until the
    originating State accepted an ``additional_use`` request naming that State. Every attempt
    is in the DPO's register."""
    document = service.forward(
        ctx, actor=user, request_id=request_id, to_state=body.to, purpose_code=body.purpose
    )
    return ExportOut.of(document)


@router.get("/dpo/accesses", response_model=AccessList, responses=_ERRORS)
def accesses(
    ctx: Context,
    user: CurrentUser,
    request_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AccessList:
    """The DPO's register: who read or forwarded the data of which request, when, under
    which purpose, and whether it was allowed. For the ``dpo`` role only."""
    items = service.register(ctx, actor=user, request_id=request_id, limit=limit)
    return AccessList(items=[AccessOut.of(item) for item in items], count=len(items))
