"""The cooperation request aggregate: content, status, history, and the events it emits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from comity.domain.access import User
from comity.domain.catalogue import RequestType
from comity.domain.errors import (
    ConcurrencyError,
    FieldIssue,
    FourEyesError,
    IllegalTransitionError,
    IncompleteRequestError,
    InvalidFieldsError,
    NotEditableError,
)
from comity.domain.events import (
    DataErased,
    Event,
    OriginalReceived,
    RequestAcknowledged,
    RequestApproved,
    RequestDrafted,
    RequestEdited,
    RequestReceived,
    StatusChanged,
)
from comity.domain.fields import completeness_issues, structural_issues
from comity.domain.values import Channel, Side, Urgency
from comity.domain.workflow import INITIAL, Status, allowed_next, check_transition

if TYPE_CHECKING:  # usage.py reads requests, so the policy's class is imported for types only.
    from comity.domain.usage import UsagePolicy

_BEFORE_SENDING = frozenset({Status.DRAFT, Status.AWAITING_APPROVAL, Status.APPROVED})

# What the requested side does when the requesting State takes a step: a withdrawal ends its
# copy too, and sending the request again after a request for information supplies it.
_REQUESTED_MIRROR: Mapping[tuple[Status, Status], Status] = {
    (Status.MORE_INFO_REQUESTED, Status.SENT): Status.INFO_SUPPLIED,
    # The requesting State accepted the conditions proposed: they now bind it (UNTOC 18(26)).
    (Status.CONDITIONS_PROPOSED, Status.ACCEPTED): Status.ACCEPTED,
    **{(current, Status.WITHDRAWN): Status.WITHDRAWN for current in Status},
}


# The one status a request leaves its node from (the transition table also lets a request the
# other State asked more of return to "sent", which supplying the information does).
SENT_ONLY_FROM = Status.APPROVED


@dataclass(frozen=True)
class HistoryEntry:
    """One step of a request's life: from, to, who, when and why."""

    seq: int
    from_status: Status | None
    to_status: Status
    actor_id: str
    at: datetime
    reason: str = ""
    # Structured particulars of the step: grounds and conditions of a decision, the questions
    # of a request for information, and whether the step mirrors the other State's.
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Obligation:
    """Conditions the requested State set and the requesting State accepted: they bind the
    requesting State in using what it receives (UNTOC art. 18(26), BC art. 27(6), 28(2))."""

    conditions: str
    proposed_at: datetime
    accepted_at: datetime


@dataclass(frozen=True)
class Draft:
    """What a drafter supplies to open a request (the header and any fields known so far)."""

    type_code: str
    profile: str
    requesting_state: str
    requested_state: str
    authority_id: str
    urgency: Urgency
    channel: Channel
    fields: Mapping[str, Any]


@dataclass
class CooperationRequest:
    """A request for cooperation as this node holds it, on the requesting or requested side."""

    id: str
    reference: str
    side: Side
    type_code: str
    profile: str
    requesting_state: str
    requested_state: str
    authority_id: str
    urgency: Urgency
    channel: Channel
    fields: dict[str, Any]
    status: Status
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 0
    submitted_by: str | None = None
    approved_by: str | None = None
    approval_digest: str | None = None
    # The id both States use for this request in messages: the requesting node's request id.
    exchange_id: str | None = None
    # The last status the other State reported for its copy of the request.
    remote_status: Status | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    original_received_at: datetime | None = None
    # What the request's data may be used for, by whom, until when (domain.usage).
    usage_policy: UsagePolicy | None = None
    # When the data were erased at the end of their retention (the fields are then empty).
    erased_at: datetime | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    events: list[Event] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def draft(
        cls,
        *,
        request_id: str,
        reference: str,
        draft: Draft,
        rtype: RequestType,
        actor: User,
        now: datetime,
    ) -> CooperationRequest:
        """Open a requesting-side draft; structurally broken fields are refused at once."""
        _refuse_structural(rtype, draft.fields)
        request = cls._new(request_id, reference, Side.REQUESTING, draft, actor, now)
        request.events.append(RequestDrafted(actor.id, now, request_id, rtype.code))
        return request

    @classmethod
    def incoming(
        cls,
        *,
        request_id: str,
        reference: str,
        draft: Draft,
        rtype: RequestType,
        actor_id: str,
        now: datetime,
    ) -> CooperationRequest:
        """Record a request received from another State, on the requested side."""
        _refuse_structural(rtype, draft.fields)
        request = cls._new(request_id, reference, Side.REQUESTED, draft, actor_id, now)
        request.events.append(
            RequestReceived(actor_id, now, request_id, rtype.code, draft.requesting_state)
        )
        return request

    @classmethod
    def _new(
        cls,
        request_id: str,
        reference: str,
        side: Side,
        draft: Draft,
        actor: User | str,
        now: datetime,
    ) -> CooperationRequest:
        actor_id = actor if isinstance(actor, str) else actor.id
        status = INITIAL[side]
        return cls(
            id=request_id,
            reference=reference,
            side=side,
            type_code=draft.type_code,
            profile=draft.profile,
            requesting_state=draft.requesting_state,
            requested_state=draft.requested_state,
            authority_id=draft.authority_id,
            urgency=draft.urgency,
            channel=draft.channel,
            fields=dict(draft.fields),
            status=status,
            created_by=actor_id,
            created_at=now,
            updated_at=now,
            history=[HistoryEntry(1, None, status, actor_id, now, "")],
        )

    # -- content ----------------------------------------------------------------------------

    def content(self) -> dict[str, Any]:
        """Everything that makes up the request's substance (what approval covers)."""
        return {
            "type": self.type_code,
            "profile": self.profile,
            "requesting_state": self.requesting_state,
            "requested_state": self.requested_state,
            "urgency": str(self.urgency),
            "channel": str(self.channel),
            "fields": self.fields,
        }

    def digest(self) -> str:
        """SHA-256 over the canonical JSON of ``content()``; equal content, equal digest."""
        canonical = json.dumps(
            self.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def context(self) -> dict[str, Any]:
        """What catalogue conditions read: the header values and the fields."""
        return {
            "type": self.type_code,
            "profile": self.profile,
            "urgency": str(self.urgency),
            "channel": str(self.channel),
            "side": str(self.side),
            "fields": self.fields,
            "original_received": self.original_received_at is not None,
        }

    def completeness(self, rtype: RequestType) -> list[FieldIssue]:
        """Every missing or inconsistent path; empty when the request may be submitted."""
        return completeness_issues(rtype, self.profile, self.context())

    def edit(
        self,
        *,
        rtype: RequestType,
        actor: User,
        now: datetime,
        fields_patch: Mapping[str, Any],
        header: Mapping[str, Any],
    ) -> None:
        """Change a draft: ``fields_patch`` is a JSON merge patch (null removes a field)."""
        if self.status is not Status.DRAFT:
            raise NotEditableError(f"a request in status {self.status} can no longer be edited")
        new_fields = merge_patch(self.fields, fields_patch)
        _refuse_structural(rtype, new_fields)
        self.fields = new_fields
        for name in ("profile", "requested_state", "urgency", "channel"):
            if name in header:
                setattr(self, name, header[name])
        self.updated_at = now
        self.events.append(RequestEdited(actor.id, now, self.id, self.digest()))

    # -- workflow ---------------------------------------------------------------------------

    def move(
        self,
        *,
        to: Status,
        actor_id: str,
        now: datetime,
        reason: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Take one step of the workflow, recording it and emitting ``StatusChanged``."""
        check_transition(self.side, self.status, to, reason)
        previous = self.status
        self.status = to
        self.updated_at = now
        self.history.append(
            HistoryEntry(
                len(self.history) + 1,
                previous,
                to,
                actor_id,
                now,
                reason.strip(),
                dict(detail or {}),
            )
        )
        self.events.append(StatusChanged(actor_id, now, self.id, str(previous), str(to)))

    @property
    def is_exchanged(self) -> bool:
        """True once the other State holds a copy: every step then travels to it."""
        return self.exchange_id is not None and (
            self.side is Side.REQUESTED or self.status not in _BEFORE_SENDING
        )

    def apply_remote(
        self,
        *,
        status: Status,
        actor_id: str,
        now: datetime,
        reason: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> bool:
        """Take note of the other State's step; mirror it where this side's table allows.

        Returns True if this copy moved. The requesting side mirrors the requested State's
        decisions and execution; the requested side mirrors a withdrawal and the answer to its
        request for information. Steps with no counterpart here only update ``remote_status``.
        """
        self.remote_status = status
        self.updated_at = now
        target: Status | None = status
        if self.side is Side.REQUESTED:
            target = _REQUESTED_MIRROR.get((self.status, status))
        if target is None or target not in allowed_next(self.side, self.status):
            return False
        mirrored = {**(detail or {}), "mirrored": True}
        self.move(to=target, actor_id=actor_id, now=now, reason=reason, detail=mirrored)
        return True

    def acknowledge(self, *, actor_id: str, now: datetime) -> None:
        """A duty officer took charge of a request that arrived through the 24/7 path."""
        if self.side is not Side.REQUESTED:
            raise IllegalTransitionError("only the requested State acknowledges a request")
        if self.acknowledged_at is not None:
            raise IllegalTransitionError("the request was already acknowledged")
        self.acknowledged_at = now
        self.acknowledged_by = actor_id
        self.updated_at = now
        received = self.created_at
        self.events.append(
            RequestAcknowledged(actor_id, now, self.id, int((now - received).total_seconds()))
        )

    def original_received(self, *, actor_id: str, now: datetime) -> None:
        """The formal original of a request first sent ahead as a copy has arrived."""
        if self.channel is not Channel.COPY_AHEAD or self.side is not Side.REQUESTED:
            raise IllegalTransitionError("only a copy sent ahead awaits its formal original")
        if self.original_received_at is None:
            self.original_received_at = now
            self.updated_at = now
            self.events.append(OriginalReceived(actor_id, now, self.id))

    def submit(self, *, rtype: RequestType, actor: User, now: datetime) -> None:
        """Ask for approval; refused with every missing path if the minimum content is absent."""
        check_transition(self.side, self.status, Status.AWAITING_APPROVAL, "")
        issues = self.completeness(rtype)
        if issues:
            raise IncompleteRequestError(tuple(issues))
        self.submitted_by = actor.id
        self.move(to=Status.AWAITING_APPROVAL, actor_id=actor.id, now=now)

    def approve(
        self,
        *,
        actor: User,
        now: datetime,
        reason: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Approve for sending: the approver must be neither the drafter nor the submitter.

        ``detail`` records what the approval rests on, such as a written override of the
        legal engine's blocking findings."""
        check_transition(self.side, self.status, Status.APPROVED, reason)
        if actor.id in (self.created_by, self.submitted_by):
            raise FourEyesError("a request cannot be approved by the person who drafted it")
        self.approved_by = actor.id
        self.approval_digest = self.digest()
        self.move(to=Status.APPROVED, actor_id=actor.id, now=now, reason=reason, detail=detail)
        self.events.append(RequestApproved(actor.id, now, self.id, self.approval_digest))

    def return_to_draft(self, *, actor: User, now: datetime, reason: str) -> None:
        """Send back to the drafter with a comment; any approval given lapses."""
        self.move(to=Status.DRAFT, actor_id=actor.id, now=now, reason=reason)
        self.submitted_by = None
        self.approved_by = None
        self.approval_digest = None

    def mark_sent(self, *, actor_id: str, now: datetime) -> None:
        """Record that the request left the node; only the exact approved content may leave,
        and only once: a request the other State asked more of is answered with the
        information, never sent again as a second request."""
        if self.status is not SENT_ONLY_FROM:
            raise IllegalTransitionError(
                f"only an approved request is sent; this one is {self.status}"
            )
        if self.approval_digest != self.digest():
            raise IllegalTransitionError("only the exact content that was approved can be sent")
        self.move(to=Status.SENT, actor_id=actor_id, now=now)

    def erase(self, *, actor_id: str, now: datetime) -> str:
        """Erase the request's data at the end of their retention; the status and history
        stay as the record of what happened. Returns the digest of the content erased."""
        if self.erased_at is not None:
            raise IllegalTransitionError("the request's data were already erased")
        digest = self.digest()
        self.fields = {}
        self.erased_at = now
        self.updated_at = now
        self.events.append(DataErased(actor_id, now, self.id, digest))
        return digest

    def obligations(self) -> tuple[Obligation, ...]:
        """Every set of conditions proposed and then accepted, on either side's copy."""
        found: list[Obligation] = []
        for proposed, following in zip(self.history, self.history[1:], strict=False):
            if (
                proposed.to_status is Status.CONDITIONS_PROPOSED
                and following.to_status is Status.ACCEPTED
            ):
                conditions = proposed.detail.get("conditions") or proposed.reason
                found.append(Obligation(str(conditions), proposed.at, following.at))
        return tuple(found)

    def entered_at(self, status: Status) -> datetime | None:
        """When the request last entered ``status``, if it ever did."""
        times = [entry.at for entry in self.history if entry.to_status is status]
        return max(times) if times else None

    def expect_version(self, version: int) -> None:
        """Raise ``ConcurrencyError`` unless the caller saw the current version."""
        if version != self.version:
            raise ConcurrencyError(
                f"the request changed since version {version} (now {self.version})"
            )


def merge_patch(target: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Apply an RFC 7396 JSON merge patch to ``target`` without mutating it."""
    result = dict(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_patch(result[key], value)
        else:
            result[key] = value
    return result


def _refuse_structural(rtype: RequestType, fields: Mapping[str, Any]) -> None:
    issues = structural_issues(rtype.fields, fields)
    if issues:
        raise InvalidFieldsError(tuple(issues))
