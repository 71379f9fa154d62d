"""Reliable delivery between nodes: message types, delivery evidences and the sender's states.

The sender keeps every message durably and retries the byte-identical envelope until it
reaches a terminal state; the receiver dedupes on (sender State, message id) in the same
transaction as the business effect. Evidences follow ETSI REM: a negative evidence is final and
no later positive one overrides it (the e-CODEX rule; security-test-plan INV-4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from comity.domain.errors import IllegalTransitionError
from comity.domain.values import Side
from comity.domain.workflow import Status


class MessageType(StrEnum):
    """What an envelope carries (architecture §4)."""

    REQUEST_SUBMIT = "request.submit"
    REQUEST_STATUS = "request.status"
    REQUEST_INFO_REQUEST = "request.info_request"
    REQUEST_INFO_RESPONSE = "request.info_response"
    REQUEST_DECISION = "request.decision"
    REQUEST_WITHDRAW = "request.withdraw"
    REQUEST_ORIGINAL = "request.original"
    # A step of a form's practice life cycle (preservation, provisional arrest…).
    REQUEST_PRACTICE = "request.practice"
    # An asset-disposal statement the requested State signed, for the other to recompute.
    REQUEST_STATEMENT = "request.statement"


class Stage(StrEnum):
    """ETSI REM-style evidence stages of one message."""

    SUBMISSION_ACCEPTED = "submission_accepted"
    SUBMISSION_REJECTED = "submission_rejected"
    RELAY_ACCEPTED = "relay_accepted"
    RELAY_FAILED = "relay_failed"
    DELIVERED = "delivered"
    NOT_DELIVERED = "not_delivered"
    RETRIEVED = "retrieved"


NEGATIVE_STAGES = frozenset({Stage.SUBMISSION_REJECTED, Stage.RELAY_FAILED, Stage.NOT_DELIVERED})


class DeliveryStatus(StrEnum):
    """Where an outgoing message stands; everything but ``pending`` is terminal."""

    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    SEND_FAILURE = "send_failure"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with a ceiling, and the per-stage time limits of a message.

    ``relay_timeout``: if the receiving node has not answered at all by then, the message ends
    in ``relay_failed``; ``delivery_timeout``: if it answered but never registered the message
    (for instance it kept holding it on a stale directory), it ends in ``not_delivered``.
    """

    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=5)
    relay_timeout: timedelta = timedelta(hours=24)
    delivery_timeout: timedelta = timedelta(hours=48)

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        exponent = min(max(attempts - 1, 0), 30)
        delay: timedelta = self.first_delay * (2**exponent)
        return min(delay, self.max_delay)


@dataclass
class OutboundMessage:
    """One message this node must deliver, with the exact bytes every retry repeats."""

    message_id: str
    recipient_state: str
    type: MessageType
    request_id: str | None
    envelope: bytes
    digest: str
    created_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    relayed_at: datetime | None = None
    last_error: str = ""
    receipt: str | None = None
    finished_at: datetime | None = None

    @property
    def is_terminal(self) -> bool:
        """True once the message is acknowledged, rejected or given up."""
        return self.status is not DeliveryStatus.PENDING

    def acknowledged(self, *, now: datetime, receipt: str) -> Stage:
        """The receiver registered the message and signed for it."""
        self._finish(DeliveryStatus.ACKNOWLEDGED, now, "")
        self.receipt = receipt
        return Stage.DELIVERED

    def rejected(self, *, now: datetime, code: str, receipt: str | None) -> Stage:
        """The receiver refused the message with a signed negative answer: final."""
        self._finish(DeliveryStatus.REJECTED, now, code)
        self.receipt = receipt
        return Stage.NOT_DELIVERED

    def relayed(self, *, now: datetime) -> Stage | None:
        """The receiving node answered; returns ``relay_accepted`` the first time only."""
        if self.relayed_at is not None:
            return None
        self.relayed_at = now
        return Stage.RELAY_ACCEPTED

    def attempt_failed(self, *, now: datetime, error: str, policy: RetryPolicy) -> Stage | None:
        """Schedule the next retry, or end the message when a stage's time limit has passed."""
        self._refuse_if_terminal()
        self.attempts += 1
        self.last_error = error[:500]
        if self.relayed_at is None and now - self.created_at >= policy.relay_timeout:
            self._finish(DeliveryStatus.SEND_FAILURE, now, error)
            return Stage.RELAY_FAILED
        if now - self.created_at >= policy.delivery_timeout:
            self._finish(DeliveryStatus.SEND_FAILURE, now, error)
            return Stage.NOT_DELIVERED
        self.next_attempt_at = now + policy.delay(self.attempts)
        return None

    def _refuse_if_terminal(self) -> None:
        if self.is_terminal:
            # Terminal states are final (INV-4): a late receipt never revives a failed message.
            raise IllegalTransitionError(f"message {self.message_id} is already {self.status}")

    def _finish(self, status: DeliveryStatus, now: datetime, error: str) -> None:
        self._refuse_if_terminal()
        self.status = status
        self.finished_at = now
        self.next_attempt_at = None
        if error:
            self.last_error = error[:500]


_DECISIONS = frozenset(
    {
        Status.ACCEPTED,
        Status.ACCEPTED_IN_PART,
        Status.POSTPONED,
        Status.CONDITIONS_PROPOSED,
        Status.REFUSED,
    }
)


def step_message_type(side: Side, previous: Status, to: Status) -> MessageType:
    """The message type that tells the other State about a step taken on this side."""
    if side is Side.REQUESTED:
        if to is Status.MORE_INFO_REQUESTED:
            return MessageType.REQUEST_INFO_REQUEST
        if to in _DECISIONS:
            return MessageType.REQUEST_DECISION
        return MessageType.REQUEST_STATUS
    if to is Status.WITHDRAWN:
        return MessageType.REQUEST_WITHDRAW
    if previous is Status.MORE_INFO_REQUESTED and to is Status.SENT:
        return MessageType.REQUEST_INFO_RESPONSE
    return MessageType.REQUEST_STATUS


RECEIPT_TYP = "comity-receipt/1"


def receipt_payload(
    *,
    stage: Stage,
    message_id: str,
    sender_state: str,
    recipient_state: str,
    message_type: str,
    envelope_digest: str,
    at: datetime,
    code: str = "",
    status: str = "",
) -> dict[str, object]:
    """What a receiving node signs: the stage reached, bound to the exact envelope bytes, and
    the status its copy of the request has after the message (so both sides agree)."""
    return {
        "v": 1,
        "stage": str(stage),
        "message_id": message_id,
        "sender_state": sender_state,
        "recipient_state": recipient_state,
        "type": message_type,
        "envelope_sha256": envelope_digest,
        "at": at.isoformat(),
        "code": code,
        "status": status,
    }


def receipt_matches(receipt: dict[str, object], message: OutboundMessage, sender: str) -> bool:
    """True if a verified receipt speaks of exactly this message, its bytes and its parties."""
    return (
        receipt.get("message_id") == message.message_id
        and receipt.get("envelope_sha256") == message.digest
        and receipt.get("sender_state") == sender
        and receipt.get("recipient_state") == message.recipient_state
        and receipt.get("stage") in (Stage.DELIVERED, Stage.NOT_DELIVERED)
    )
