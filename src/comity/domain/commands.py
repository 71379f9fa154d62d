"""Commands: what a user or another node asks this node to do, in the imperative."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from comity.domain.values import Channel, Role, Urgency
from comity.domain.workflow import Status


@dataclass(frozen=True)
class CreateDraft:
    """Open a request to another State; every field may still be missing."""

    type_code: str
    requested_state: str
    profile: str | None = None
    urgency: Urgency | None = None
    channel: Channel | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EditDraft:
    """Change a draft: a merge patch on its fields, and header values to replace."""

    request_id: str
    fields_patch: Mapping[str, Any] = field(default_factory=dict)
    header: Mapping[str, Any] = field(default_factory=dict)
    expected_version: int | None = None


@dataclass(frozen=True)
class MoveRequest:
    """Take a workflow step with written reasons where the step needs them."""

    request_id: str
    to: Status
    reason: str = ""
    # A decision's grounds (codes) and conditions, or the due date of a request for information.
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordIncoming:
    """Record a request received from another State, for one of this node's authorities."""

    type_code: str
    requesting_state: str
    authority_id: str
    profile: str
    urgency: Urgency
    channel: Channel
    fields: Mapping[str, Any]
    reference: str | None = None


@dataclass(frozen=True)
class AddUser:
    """Create an account for a person of one of this node's authorities."""

    username: str
    password: str
    roles: frozenset[Role]
    authority_code: str | None = None
