"""Domain events: facts that happened, in the past tense. Services turn them into audit entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Event:
    """Base of every event: who did it, when, to which object."""

    actor_id: str
    at: datetime
    object_id: str
    # The request the event belongs to, when its object is something else (a message, a
    # package, an access): the audit trail of a request is every leaf that names it.
    request_id: str | None = field(default=None, kw_only=True)

    # The audit tag, in ``subject:object:action`` form.
    tag = "event:generic:happened"


@dataclass(frozen=True)
class RequestDrafted(Event):
    """A requesting-side draft was created."""

    type_code: str
    tag = "request:draft:created"


@dataclass(frozen=True)
class RequestReceived(Event):
    """A request from another State was recorded on the requested side."""

    type_code: str
    sender_state: str
    tag = "request:incoming:recorded"


@dataclass(frozen=True)
class RequestEdited(Event):
    """A draft's content changed; ``digest`` identifies the new content, not its text."""

    digest: str
    tag = "request:content:edited"


@dataclass(frozen=True)
class StatusChanged(Event):
    """A request moved along its workflow."""

    from_status: str
    to_status: str
    tag = "request:status:changed"


@dataclass(frozen=True)
class RequestApproved(Event):
    """The second pair of eyes approved exactly the content with this digest."""

    digest: str
    tag = "request:approval:granted"


@dataclass(frozen=True)
class UserAdded(Event):
    """A user account was created on this node."""

    roles: tuple[str, ...]
    tag = "user:account:created"


@dataclass(frozen=True)
class TokenIssued(Event):
    """A user signed in and received an API token."""

    tag = "user:token:issued"


@dataclass(frozen=True)
class TokenRevoked(Event):
    """A user signed out: the token stopped working at once."""

    tag = "user:token:revoked"


@dataclass(frozen=True)
class SignInFailed(Event):
    """A sign-in attempt failed; ``object_id`` is a digest of the name tried, never the name."""

    tag = "user:signin:failed"


@dataclass(frozen=True)
class SignInThrottled(Event):
    """A name or an address reached the failure threshold; ``object_id`` is the digest of
    the name or address (never either itself), ``subject`` says which of the two it is."""

    subject: str
    retry_after: int
    tag = "user:signin:throttled"


@dataclass(frozen=True)
class TotpEnrolled(Event):
    """An authenticator app was enrolled for the account (the secret is never recorded)."""

    tag = "user:totp:enrolled"


@dataclass(frozen=True)
class UserReauthenticated(Event):
    """A signed-in user proved their password (and code) again and got a new session."""

    tag = "user:token:reauthenticated"


@dataclass(frozen=True)
class UserDisabled(Event):
    """An account was disabled; every session it had ended at once."""

    sessions_ended: int
    tag = "user:account:disabled"


@dataclass(frozen=True)
class AuthorityAdded(Event):
    """An authority was set up on this node."""

    kind: str
    tag = "node:authority:created"


@dataclass(frozen=True)
class RequestAcknowledged(Event):
    """A duty officer acknowledged a request that came through the 24/7 path."""

    seconds_to_acknowledge: int
    tag = "request:emergency:acknowledged"


@dataclass(frozen=True)
class OriginalReceived(Event):
    """The formal original of a request sent ahead as a copy arrived."""

    tag = "request:original:received"


@dataclass(frozen=True)
class MessageQueued(Event):
    """A message to another State was committed to the outbox; ``object_id`` is its id."""

    recipient_state: str
    message_type: str
    digest: str
    tag = "message:outbound:queued"


@dataclass(frozen=True)
class DeliveryEvidence(Event):
    """An evidence of a message's delivery stage; ``object_id`` is the message id."""

    stage: str
    code: str
    tag = "message:evidence:recorded"


@dataclass(frozen=True)
class MessageAccepted(Event):
    """A message from another State was verified and registered; ``object_id`` is its id."""

    sender_state: str
    message_type: str
    digest: str
    tag = "message:inbound:accepted"


@dataclass(frozen=True)
class MessageRefused(Event):
    """A message from another State was refused and quarantined; no content is kept here."""

    code: str
    digest: str
    tag = "message:inbound:refused"


@dataclass(frozen=True)
class RequestRetrieved(Event):
    """An officer of the requested State opened a request received from another State."""

    tag = "request:incoming:retrieved"


@dataclass(frozen=True)
class DataAccessed(Event):
    """A user read, exported or forwarded a request's data, or was refused (DP-P8).

    ``object_id`` is the request id; the purpose is a code, never the purpose text."""

    purpose_code: str
    action: str
    outcome: str
    tag = "request:data:accessed"


@dataclass(frozen=True)
class OnwardTransferAuthorised(Event):
    """A request's data were handed over to another State under a granted authorisation."""

    recipient_state: str
    purpose_code: str
    tag = "request:onward:authorised"


@dataclass(frozen=True)
class OnwardTransferRefused(Event):
    """Handing a request's data over to another State was refused (and nothing left)."""

    recipient_state: str
    code: str
    tag = "request:onward:refused"


@dataclass(frozen=True)
class DataErased(Event):
    """A request's data were erased at their retention date; ``digest`` is that of the
    content erased, so the deletion record can be matched without keeping the data."""

    digest: str
    tag = "request:data:erased"


@dataclass(frozen=True)
class StatisticsExported(Event):
    """Review statistics of a period were exported; ``object_id`` is the period's digest.
    Only the period, the format and the threshold are recorded: no data of any request."""

    period_from: str
    period_to: str
    file_format: str
    min_cell: int
    tag = "audit:statistics:exported"


@dataclass(frozen=True)
class LedgerAlertRaised(Event):
    """A log failed a check: this node's own (``state`` is this State) or another State's
    that this node witnesses; ``object_id`` is the alert's id."""

    kind: str
    state: str
    tag = "audit:alert:raised"


@dataclass(frozen=True)
class AuditTrailExported(Event):
    """An auditor exported a request's audit trail with its proofs; ``leaves`` is how many."""

    leaves: int
    checkpoint_size: int
    tag = "audit:trail:exported"


@dataclass(frozen=True)
class AlertAttempted(Event):
    """An alert to the people on duty was handed to its channel, or was not; ``object_id``
    is the alert's id (its recipient is configuration, not case data, and is not recorded)."""

    channel: str
    outcome: str
    tag = "notification:alert:attempted"


@dataclass(frozen=True)
class ShiftAdded(Event):
    """An officer was put on a 24/7 point's roster; ``object_id`` is the shift's id."""

    user_id: str
    role: str
    starts_at: str
    ends_at: str
    tag = "roster:shift:added"


@dataclass(frozen=True)
class ShiftRemoved(Event):
    """A shift was taken off the roster; ``object_id`` is the shift's id."""

    tag = "roster:shift:removed"


@dataclass(frozen=True)
class EmergencyEscalated(Event):
    """An emergency was not acknowledged within its target: the next officers and the
    supervisor on shift were alerted; ``object_id`` is the request's id."""

    waited_seconds: int
    alerted: int
    tag = "request:emergency:escalated"


@dataclass(frozen=True)
class PracticeStepTaken(Event):
    """A step of a request's practice life cycle was taken here, arrived from the other
    State, or fell due on the clock; ``state`` is where the record stands after it."""

    lifecycle: str
    step: str
    side: str
    state: str
    tag = "request:practice:stepped"


@dataclass(frozen=True)
class AssetStatementIssued(Event):
    """This State computed an asset-disposal statement from its register and signed it;
    ``object_id`` is the statement's id. The digest and the gross only, never a claimant."""

    sha256: str
    currency: str
    gross: str
    tag = "request:asset_statement:issued"


@dataclass(frozen=True)
class AssetStatementReceived(Event):
    """The other State's signed asset-disposal statement arrived and the disposal recomputed
    here from its register gave the same statement and digest; ``object_id`` is its id."""

    issuer_state: str
    sha256: str
    currency: str
    gross: str
    tag = "request:asset_statement:received"
