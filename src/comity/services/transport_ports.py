"""The ports of the federation: outbox, inbox, delivery evidences, quarantine, nonces, trust,
envelopes, the wire format and the peers; adapters in store/, crypto/ and transport/ implement
them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from comity.domain.delivery import OutboundMessage, Stage
from comity.domain.directory import Directory, StateEntry
from comity.domain.messages import Message


@dataclass(frozen=True)
class InboxRecord:
    """A message this node answered: the dedup key, its digest and the receipt it got."""

    sender_state: str
    message_id: str
    digest: str
    type: str
    request_id: str | None
    received_at: datetime
    outcome: Stage
    code: str
    receipt: str


@dataclass(frozen=True)
class Evidence:
    """One delivery evidence of one message, on this node."""

    message_id: str
    request_id: str | None
    message_type: str
    counterpart_state: str
    stage: Stage
    at: datetime
    code: str = ""
    detail: str = ""
    signed: str | None = None


class OutboxRepository(Protocol):
    """Messages waiting to be delivered, and the record of how each ended."""

    def add(self, message: OutboundMessage) -> None:
        """Queue a new message (in the same transaction as the change that caused it)."""
        ...

    def get(self, message_id: str) -> OutboundMessage | None:
        """The message with that id, or None."""
        ...

    def save(self, message: OutboundMessage) -> None:
        """Store a message's new delivery state."""
        ...

    def due(
        self, *, now: datetime, limit: int, latest: datetime | None = None
    ) -> Sequence[OutboundMessage]:
        """For each recipient State, its oldest pending message if it is due: messages to
        one State leave in the order they were committed. With ``latest``, a message
        scheduled after it is due too (only a clock that went back can have put it there)."""
        ...

    def pending(self) -> int:
        """How many messages are not yet in a terminal state."""
        ...


class InboxRepository(Protocol):
    """Messages this node answered, keyed by (sender State, message id)."""

    def get(self, sender_state: str, message_id: str) -> InboxRecord | None:
        """The earlier answer to that message, or None."""
        ...

    def add(self, record: InboxRecord) -> None:
        """Remember the answer (fails if the key exists: the transaction then rolls back)."""
        ...


class EvidenceRepository(Protocol):
    """Delivery evidences."""

    def add(self, evidence: Evidence) -> None:
        """Record an evidence."""
        ...

    def for_request(self, request_id: str) -> Sequence[Evidence]:
        """The evidences of every message about a request, oldest first."""
        ...

    def for_message(self, message_id: str) -> Sequence[Evidence]:
        """The evidences of one message, oldest first."""
        ...


class QuarantineRepository(Protocol):
    """Refused arrivals: digest, size and reason only."""

    def add(
        self,
        *,
        record_id: str,
        at: datetime,
        claimed_sender: str,
        code: str,
        detail: str,
        digest: str,
        size: int,
    ) -> None:
        """Record a refused arrival."""
        ...


class NonceRepository(Protocol):
    """Nonces of HTTP message signatures seen inside the replay window."""

    def remember(self, nonce: str, *, now: datetime, window_start: datetime) -> bool:
        """False if ``nonce`` was already seen since ``window_start``; records it otherwise."""
        ...


class TrustStore(Protocol):
    """The directory this node currently trusts (verified against its pinned anchors)."""

    def current(self) -> Directory:
        """The installed directory; ``DirectoryError`` if there is none."""
        ...


@dataclass(frozen=True)
class Opened:
    """A verified envelope: the State whose key signed it, and the payload."""

    signer_state: str
    kid: str
    payload: dict[str, object]


class Envelopes(Protocol):
    """This node's keys at work: seal and open envelopes, sign and check receipts."""

    def seal(self, payload: Mapping[str, object], recipient: StateEntry) -> bytes:
        """Sign ``payload`` with the node's key and encrypt it to ``recipient``."""
        ...

    def open(self, data: bytes, directory: Directory) -> Opened:
        """Decrypt and verify; raises a ``TrustError`` with the reason's code."""
        ...

    def sign(self, payload: Mapping[str, object], *, typ: str) -> str:
        """A compact JWS of ``payload`` by the node's signing key."""
        ...

    def verify(
        self, token: str, directory: Directory, *, state: str, typ: str
    ) -> dict[str, object]:
        """The payload of a JWS that a key of ``state`` signed; raises a ``TrustError``."""
        ...


class WireCodec(Protocol):
    """Converts messages to and from the wire format."""

    def encode(self, message: Message) -> dict[str, object]:
        """The JSON payload of ``message``."""
        ...

    def decode(self, payload: dict[str, object]) -> Message:
        """The message in a verified payload; ``SchemaInvalidError`` if it breaks the schema."""
        ...


@dataclass(frozen=True)
class PeerAnswer:
    """What a delivery attempt got back from the recipient node.

    ``kind``: ``delivered`` (signed receipt), ``rejected`` (signed negative answer: final),
    ``held`` (the node answered but kept the message, e.g. its directory is stale) or
    ``unreachable`` (no answer, an unsigned error, or a transport failure: retry).
    """

    kind: str
    signed: str | None = None
    code: str = ""
    detail: str = ""


class PeerClient(Protocol):
    """Posts an envelope to another State's node over mutual TLS."""

    def deliver(self, recipient: StateEntry, envelope: bytes) -> PeerAnswer:
        """One delivery attempt; never raises for network trouble."""
        ...
