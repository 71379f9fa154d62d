"""API models: what clients send and receive. Never reused as table or wire models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from comity.domain.deadlines import Deadline
from comity.domain.values import Channel, Side, Urgency
from comity.domain.workflow import Status

StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Reason = Annotated[str, StringConstraints(max_length=5000)]


class Strict(BaseModel):
    """Input models refuse unknown members, naming them."""

    model_config = ConfigDict(extra="forbid")


class TokenRequest(Strict):
    """Credentials to exchange for a bearer token."""

    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class TokenResponse(BaseModel):
    """A bearer token for the API."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class CreateRequest(Strict):
    """Open a draft request to another State. Every field may still be missing."""

    type: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    requested_state: StateCode
    profile: str | None = None
    urgency: Urgency | None = None
    channel: Channel | None = None
    fields: dict[str, Any] = Field(default_factory=dict)


class PatchRequest(Strict):
    """Change a draft. ``fields`` is a JSON merge patch: null removes a field."""

    profile: str | None = None
    requested_state: StateCode | None = None
    urgency: Urgency | None = None
    channel: Channel | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    version: int | None = Field(default=None, description="The version you edited, if known")


class ReasonBody(Strict):
    """Written reasons for a step."""

    reason: Reason = ""


class ApproveBody(Strict):
    """An approver's optional comment."""

    comment: Reason = ""


class TransitionBody(Strict):
    """A step on a received request."""

    to: Status
    reason: Reason = ""


class IssueOut(BaseModel):
    """One missing, invalid or unknown path."""

    path: str
    kind: str
    message: str


class DeadlineOut(BaseModel):
    """A deadline of a request."""

    request_id: str
    code: str
    label: str
    kind: str
    due_at: datetime
    basis: list[str]

    @classmethod
    def of(cls, item: Deadline) -> DeadlineOut:
        """The API form of a domain deadline."""
        return cls(
            request_id=item.request_id,
            code=item.code,
            label=item.label,
            kind=item.kind,
            due_at=item.due_at,
            basis=list(item.basis),
        )


class HistoryOut(BaseModel):
    """One step of a request's history."""

    seq: int
    from_status: Status | None
    to_status: Status
    actor_id: str
    at: datetime
    reason: str


class RequestSummary(BaseModel):
    """A request in a list."""

    id: str
    reference: str
    side: Side
    type: str
    title: str
    profile: str
    requesting_state: str
    requested_state: str
    urgency: Urgency
    channel: Channel
    status: Status
    version: int
    created_at: datetime
    updated_at: datetime
    missing: list[str]
    next_due_at: datetime | None


class RequestOut(RequestSummary):
    """A request with its content, completeness report, deadlines and history."""

    authority_id: str
    fields: dict[str, Any]
    legal_basis: list[str]
    completeness: list[IssueOut]
    deadlines: list[DeadlineOut]
    history: list[HistoryOut]
    next_statuses: list[Status]
    created_by: str
    submitted_by: str | None
    approved_by: str | None
    approval_digest: str | None


class RequestList(BaseModel):
    """A page of requests."""

    items: list[RequestSummary]
    count: int
    limit: int
    offset: int


class DeadlineList(BaseModel):
    """Deadlines falling due before a time."""

    due_before: AwareDatetime
    items: list[DeadlineOut]


class ProblemOut(BaseModel):
    """RFC 9457 problem details, with Comity's stable ``code``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    missing: list[str] | None = None
    errors: list[IssueOut] | None = None
