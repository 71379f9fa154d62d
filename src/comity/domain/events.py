"""Domain events: facts that happened, in the past tense. Services turn them into audit entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Event:
    """Base of every event: who did it, when, to which object."""

    actor_id: str
    at: datetime
    object_id: str

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
class SignInFailed(Event):
    """A sign-in attempt failed; ``object_id`` is a digest of the name tried, never the name."""

    tag = "user:signin:failed"


@dataclass(frozen=True)
class AuthorityAdded(Event):
    """An authority was set up on this node."""

    kind: str
    tag = "node:authority:created"
