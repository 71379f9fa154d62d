"""API models: what clients send and receive. Never reused as table or wire models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from comity.domain.deadlines import Deadline
from comity.domain.legal.findings import Finding, Severity
from comity.domain.usage import UsagePolicy
from comity.domain.values import Channel, Side, Urgency
from comity.domain.workflow import Status

StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


def _in_utc(value: datetime) -> datetime:
    """The instant in UTC; an instant UTC cannot hold (year 1 at +00:01, say) is invalid input,
    not a server error."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant lies outside the range of UTC dates") from None


# Every instant the API accepts: with a UTC offset, and representable in UTC.
Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]
Reason = Annotated[str, StringConstraints(max_length=5000)]
GroundCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,59}$")]


class Strict(BaseModel):
    """Input models refuse unknown members, naming them."""

    model_config = ConfigDict(extra="forbid")


class TokenRequest(Strict):
    """Credentials to exchange for a bearer token."""

    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    # The current code of the account's authenticator app, if one is enrolled.
    otp: Annotated[str, StringConstraints(max_length=16)] | None = None


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
    """An approver's optional comment, and the written justification needed to approve a
    request despite blocking legal findings (recorded with the approval)."""

    comment: Reason = ""
    override_justification: Reason = ""


class ItemDecision(Strict):
    """The decision on one item of a request decided in part (a measure, an offence)."""

    item: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    decision: Literal["granted", "granted_with_conditions", "postponed", "refused"]
    reason: Reason = ""


class TransitionBody(Strict):
    """A step on a received request, with a decision's particulars where it has any."""

    to: Status
    reason: Reason = ""
    grounds: Annotated[
        list[GroundCode] | None,
        Field(max_length=20, description="Refusal grounds codes, e.g. dual_criminality"),
    ] = None
    conditions: Reason | None = Field(default=None, description="Conditions of the decision")
    due_at: Instant | None = Field(
        default=None,
        description=(
            "When the answer to a request for information is due, or when a postponement "
            "is reviewed"
        ),
    )
    consultation_not_appropriate: Reason | None = Field(
        default=None,
        description="Why the requesting State was not consulted before this refusal",
    )
    items: list[ItemDecision] | None = Field(
        default=None,
        max_length=100,
        description="For accepted_in_part: the decision on each item (measure or offence)",
    )


class AnswersBody(Strict):
    """The requesting State's answers to a request for supplementary information."""

    answers: Annotated[str, StringConstraints(min_length=1, max_length=20000)]


class CloseBody(Strict):
    """Optional remarks on closing a request."""

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


class TimelineItem(BaseModel):
    """One entry of a request's timeline: a business step (``status``), a transport evidence
    (``evidence``), a custody record of an evidence package (``custody``: ``stage`` is the
    action, ``counterpart_state`` the State where it happened) or a package's failure
    (``package``). ``detail.mirrored`` marks a step mirroring the other State's."""

    at: datetime
    kind: Literal["status", "evidence", "custody", "package"]
    from_status: Status | None = None
    to_status: Status | None = None
    reason: str | None = None
    detail: dict[str, Any] | None = None
    stage: str | None = None
    message_type: str | None = None
    counterpart_state: str | None = None
    code: str | None = None
    message_id: str | None = None
    package_id: str | None = None


class OriginalOut(BaseModel):
    """For a copy sent ahead: whether the formal original is still awaited."""

    awaited: bool
    received_at: datetime | None


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


class FindingOut(BaseModel):
    """One finding: stable code, weight, citations, message, the input paths it used and, for
    a discretionary ground, what the decision needs."""

    code: str
    severity: Severity
    legal_basis: list[str]
    message: str
    paths: list[str]
    needs: list[str]
    ground: str | None

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        """The API form of a finding."""
        return cls(
            code=finding.code,
            severity=finding.severity,
            legal_basis=list(finding.legal_basis),
            message=finding.message,
            paths=list(finding.paths),
            needs=list(finding.needs),
            ground=finding.ground,
        )


class ObligationOut(BaseModel):
    """Conditions the requested State set and the requesting State accepted."""

    conditions: str
    proposed_at: datetime
    accepted_at: datetime


class UsagePolicyOut(BaseModel):
    """The terms under which this node holds the request's data (statement Q7)."""

    purpose: str
    purpose_code: str
    proceedings: list[str]
    originating_state: str
    authorised_authorities: list[str]
    onward_transfer: str
    retention_until: datetime
    confidential: bool
    legal_hold: bool
    additional_purposes: list[str]
    onward_recipients: list[str]

    @classmethod
    def of(cls, policy: UsagePolicy) -> UsagePolicyOut:
        """The API form of a policy (who may read it is decided by the request's access)."""
        return cls(
            purpose=policy.purpose,
            purpose_code=policy.purpose_code,
            proceedings=list(policy.proceedings),
            originating_state=policy.originating_state,
            authorised_authorities=list(policy.authorised_authorities),
            onward_transfer=str(policy.onward_transfer),
            retention_until=policy.retention_until,
            confidential=policy.confidential,
            legal_hold=policy.legal_hold,
            additional_purposes=list(policy.additional_purposes),
            onward_recipients=list(policy.onward_recipients),
        )


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
    exchange_id: str | None
    remote_status: Status | None = Field(description="The other State's status for its copy")
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    seconds_to_acknowledge: int | None
    first_answer_at: datetime | None = Field(
        default=None,
        description="This State's first step about a received request after acknowledging it",
    )
    seconds_to_first_answer: int | None = None
    original: OriginalOut | None
    timeline: list[TimelineItem]
    # The legal engine's findings on the request as it stands (pre-assessed grounds on the
    # requested side), or why it was not assessed.
    findings: list[FindingOut] = Field(default_factory=list)
    assessment_note: str = ""
    obligations: list[ObligationOut] = Field(default_factory=list)
    usage_policy: UsagePolicyOut | None = None


class RequestList(BaseModel):
    """A page of requests."""

    items: list[RequestSummary]
    count: int
    limit: int
    offset: int


class InboxItemOut(RequestSummary):
    """A received request still open."""

    waiting_acknowledgement: bool = Field(
        description="An emergency or 24/7 request no duty officer has acknowledged yet"
    )


class InboxOut(BaseModel):
    """Open requests received for your authority, newest first."""

    items: list[InboxItemOut]
    count: int


class DirectoryOut(BaseModel):
    """The directory this node trusts, as verified; public keys only."""

    sequence: int
    issued_at: datetime
    next_update: datetime
    operator: str
    stale: bool = Field(description="Past its next update plus grace: nothing is sent")
    left_out: list[str] = Field(description="States listed whose root this node has not pinned")
    states: list[dict[str, Any]]


class DeadlineList(BaseModel):
    """Deadlines falling due before a time."""

    due_before: Instant
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
