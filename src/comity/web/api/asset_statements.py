"""Asset-disposal statements of an asset_return request (issue 8, item 7): the requested State
issues one from its register's figures, signed and sent to the requesting State, which keeps it
once it recomputed the same; both read them here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from comity.services import asset_statements as service
from comity.services.asset_statement_ports import StoredStatement
from comity.web.api.schemas import ProblemOut
from comity.web.deps import Context, CurrentUser

router = APIRouter(tags=["asset statements"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ProblemOut, "description": "No valid bearer token"},
    403: {"model": ProblemOut, "description": "Not the requested State's executor or duty officer"},
    404: {"model": ProblemOut, "description": "No such request in your scope, or not asset_return"},
    409: {
        "model": ProblemOut,
        "description": "The request is not accepted yet, or the same statement was issued",
    },
    422: {"model": ProblemOut, "description": "Figures that are missing or wrong, by their path"},
}

REGISTER_EXAMPLE: dict[str, Any] = {
    "reference": "REG-2026-7",
    "currency": "EUR",
    "assets": [
        {
            "id": "A1",
            "description_code": "BANK-ACCOUNT",
            "kind": "funds",
            "realised_value": {"amount": "1000000.00", "currency": "EUR"},
            "confiscation_order_ref": "CO-2025-17",
            "confiscation_order_date": "2025-03-14",
            "claim_basis": "victim_compensation",
        }
    ],
    "expenses": [
        {
            "id": "X1",
            "category": "investigation",
            "amount": {"amount": "12500.00", "currency": "EUR"},
        }
    ],
    "victim_claims": [
        {"id": "V1", "claimant_code": "P-1", "amount": {"amount": "600000.00", "currency": "EUR"}}
    ],
}


class LineOut(BaseModel):
    """One line of the statement, in canonical order (gross first)."""

    kind: str = Field(
        description="gross, expense, net, prior_owner, public_funds_return, victim, "
        "share_to_requesting or kept_by_requested"
    )
    ref: str = Field(description="The expense's, claim's or agreement's id in the register")
    label: str = Field(description="The expense's category, the claimant's code, the share")
    amount: str = Field(description="Two decimals, no grouping: 524993.24")
    currency: str
    claimed: str | None = Field(description="What the claim or agreement asked for, if in part")
    basis: str = Field(description="The legal basis under the request's profile")


class StatementOut(BaseModel):
    """An asset-disposal statement as its issuer signed it."""

    id: str
    request_id: str
    issued_at: datetime
    issuer_state: str = Field(description="The requested State, which holds the assets")
    sha256: str = Field(description="SHA-256 of the statement's canonical bytes")
    token: str = Field(description="The issuer's compact JWS (typ comity-asset-statement)")
    register_reference: str = Field(description="The register's own reference")
    profile: str
    currency: str
    lines: list[LineOut]
    method: str = Field(description="How claims share an amount that does not cover them")
    notes: list[str]

    @classmethod
    def of(cls, stored: StoredStatement) -> StatementOut:
        statement = stored.statement
        return cls(
            id=stored.id,
            request_id=stored.request_id,
            issued_at=stored.issued_at,
            issuer_state=stored.issuer_state,
            sha256=stored.sha256,
            token=stored.token,
            register_reference=statement["register"],
            profile=statement["profile"],
            currency=statement["currency"],
            lines=[_line(line) for line in statement["lines"]],
            method=statement["method"],
            notes=list(statement["notes"]),
        )


class IssuedOut(StatementOut):
    """A statement just issued, and the message that takes it to the requesting State."""

    message_id: str


class StatementList(BaseModel):
    """The request's statements, issued here or received, earliest first."""

    items: list[StatementOut]


def _line(line: Mapping[str, Any]) -> LineOut:
    # Amounts are rendered "524993.24 EUR" in the signed statement.
    amount, currency = str(line["amount"]).rsplit(" ", 1)
    claimed = line.get("claimed")
    return LineOut(
        kind=line["kind"],
        ref=line["ref"],
        label=line["label"],
        amount=amount,
        currency=currency,
        claimed=None if claimed is None else str(claimed).rsplit(" ", 1)[0],
        basis=line["basis"],
    )


@router.post(
    "/requests/{request_id}/asset-statement",
    response_model=IssuedOut,
    status_code=201,
    responses=_ERRORS,
)
def issue(
    request_id: str,
    register: Annotated[
        dict[str, Any],
        Body(
            description="The register's figures: amounts as strings with two decimals and "
            "their currency, dates as ISO 8601, choices by value (docs/api.md)",
            openapi_examples={"issue example": {"value": REGISTER_EXAMPLE}},
        ),
    ],
    ctx: Context,
    user: CurrentUser,
) -> IssuedOut:
    """Compute the disposal of the confiscated assets from the register's figures (expenses,
    prior owners, public funds, victims, the agreed share, what the requested State keeps),
    sign it with this node's key and send it to the requesting State, which recomputes it.
    The requested State's executors and duty officers, once the request is accepted."""
    issued = service.issue_statement(ctx, actor=user, request_id=request_id, register=register)
    out = StatementOut.of(issued.stored)
    return IssuedOut(**out.model_dump(), message_id=issued.message_id)


@router.get(
    "/requests/{request_id}/asset-statements", response_model=StatementList, responses=_ERRORS
)
def statements(request_id: str, ctx: Context, user: CurrentUser) -> StatementList:
    """The request's asset-disposal statements on this node: those it issued and those the
    other State issued and this node recomputed, earliest first."""
    found = service.statements(ctx, actor=user, request_id=request_id)
    return StatementList(items=[StatementOut.of(stored) for stored in found])
