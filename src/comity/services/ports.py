"""The ports through which services reach the outside world; adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from comity.domain.access import Authority, User
from comity.domain.deadlines import Deadline
from comity.domain.delivery import OutboundMessage, Stage
from comity.domain.directory import Directory, StateEntry
from comity.domain.events import Event
from comity.domain.messages import Message
from comity.domain.requests import CooperationRequest
from comity.domain.values import Side
from comity.domain.workflow import Status


class Clock(Protocol):
    """Tells the time; the only way services learn what time it is."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class IdFactory(Protocol):
    """Mints identifiers for new objects (UUIDs in production, predictable ones in tests)."""

    def new_id(self) -> str:
        """A fresh, globally unique identifier."""
        ...

    def new_secret(self) -> str:
        """A fresh unguessable secret, such as an API token."""
        ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords (argon2 in production)."""

    def hash(self, password: str) -> str:
        """A salted, slow hash of ``password``."""
        ...

    def verify(self, hashed: str, password: str) -> bool:
        """True if ``password`` matches ``hashed``."""
        ...

    def verify_nothing(self, password: str) -> None:
        """Spend the time a verification takes, so unknown user names cannot be timed."""
        ...


@dataclass(frozen=True)
class RequestQuery:
    """Filters for listing requests; ``authority_id`` always scopes the result."""

    authority_id: str
    status: Status | None = None
    type_code: str | None = None
    state: str | None = None
    # Only requests this State made (requesting) or received (requested).
    side: Side | None = None
    due_before: datetime | None = None
    text: str | None = None
    limit: int = 50
    offset: int = 0


class RequestRepository(Protocol):
    """Stores cooperation requests with their history."""

    def add(self, request: CooperationRequest) -> None:
        """Store a new request."""
        ...

    def get(self, request_id: str) -> CooperationRequest | None:
        """The request with that id, or None."""
        ...

    def save(self, request: CooperationRequest) -> None:
        """Store changes; raises ``ConcurrencyError`` if someone saved it meanwhile."""
        ...

    def find(self, query: RequestQuery) -> Sequence[CooperationRequest]:
        """Requests matching ``query``, most recently changed first."""
        ...

    def by_exchange(self, requesting_state: str, exchange_id: str) -> CooperationRequest | None:
        """The copy of the request ``requesting_state`` knows as ``exchange_id``, or None."""
        ...

    def past_retention(self, now: datetime, limit: int) -> Sequence[str]:
        """Ids of requests whose retention date is past at ``now`` and not yet erased."""
        ...

    def additional_uses(self, parent_reference: str) -> Sequence[CooperationRequest]:
        """The ``additional_use`` requests this node made about ``parent_reference``."""
        ...


class DeadlineRepository(Protocol):
    """Stores the deadlines computed for each request, so they can be queried."""

    def replace_for(self, request_id: str, deadlines: Sequence[Deadline]) -> None:
        """Make ``deadlines`` the request's complete set of open deadlines."""
        ...

    def due_before(self, *, authority_id: str, when: datetime, limit: int) -> Sequence[Deadline]:
        """Open deadlines of the authority's requests due before ``when``, earliest first."""
        ...


class UserRepository(Protocol):
    """Stores user accounts and their password hashes."""

    def add(self, user: User, password_hash: str, created_at: datetime) -> None:
        """Store a new account."""
        ...

    def get(self, user_id: str) -> User | None:
        """The user with that id, or None."""
        ...

    def credentials(self, username: str) -> tuple[User, str] | None:
        """The user called ``username`` and their password hash, or None."""
        ...

    def list(self) -> Sequence[User]:
        """Every account, by user name."""
        ...


class AuthorityRepository(Protocol):
    """Stores this node's authorities."""

    def add(self, authority: Authority) -> None:
        """Store a new authority."""
        ...

    def get(self, authority_id: str) -> Authority | None:
        """The authority with that id, or None."""
        ...

    def by_code(self, code: str) -> Authority | None:
        """The authority with that short code, or None."""
        ...

    def list(self) -> Sequence[Authority]:
        """Every authority of the node."""
        ...


class TokenRepository(Protocol):
    """Stores API tokens by their digest (never the token itself)."""

    def add(self, *, digest: str, user_id: str, issued_at: datetime, expires_at: datetime) -> None:
        """Store a newly issued token."""
        ...

    def user_for(self, *, digest: str, now: datetime) -> str | None:
        """The id of the user holding an unexpired token with this digest, or None."""
        ...


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

    def due(self, *, now: datetime, limit: int) -> Sequence[OutboundMessage]:
        """For each recipient State, its oldest pending message if it is due: messages to
        one State leave in the order they were committed."""
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


@dataclass(frozen=True)
class DataAccess:
    """One read, export or forward of a request's data, allowed or denied (DP-P8)."""

    id: str
    at: datetime
    user_id: str
    request_id: str
    purpose_code: str
    action: str
    outcome: str
    code: str = ""
    recipient_state: str | None = None
    # Filled when listed: the user's name and the request's reference.
    username: str = ""
    reference: str = ""


class DataAccessRepository(Protocol):
    """The register of accesses to requests' data."""

    def add(self, access: DataAccess) -> None:
        """Record an access (in the transaction of its audit entry)."""
        ...

    def list(
        self, *, authority_id: str, request_id: str | None, limit: int
    ) -> Sequence[DataAccess]:
        """Accesses to the authority's requests (or to one of them), newest first."""
        ...


@dataclass(frozen=True)
class DeletionRecord:
    """What remains of a request whose data were erased: the digest of what was erased and
    the record of it, a JWS of the node's key where it has one."""

    request_id: str
    at: datetime
    digest: str
    record: str
    signed: bool


class DeletionRecordRepository(Protocol):
    """Deletion records, one per erased request."""

    def add(self, record: DeletionRecord) -> None:
        """Store a deletion record."""
        ...

    def get(self, request_id: str) -> DeletionRecord | None:
        """The deletion record of a request, or None."""
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


class AuditLog(Protocol):
    """Append-only record of what happened; entries hold ids and digests, no personal data."""

    def append(self, event: Event) -> None:
        """Add one entry for ``event``."""
        ...


class FaultPoints(Protocol):
    """Named crash points for fault tests; a no-op unless a test switched them on."""

    def hit(self, name: str) -> None:
        """Crash here if a test asked for it."""
        ...


class UnitOfWork(Protocol):
    """One transaction: everything a command changes, with its audit entries, or nothing.

    Leaving the ``with`` block without ``commit()`` rolls back; raising rolls back.
    """

    @property
    def requests(self) -> RequestRepository: ...

    @property
    def deadlines(self) -> DeadlineRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def authorities(self) -> AuthorityRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def inbox(self) -> InboxRepository: ...

    @property
    def evidences(self) -> EvidenceRepository: ...

    @property
    def quarantine(self) -> QuarantineRepository: ...

    @property
    def nonces(self) -> NonceRepository: ...

    @property
    def accesses(self) -> DataAccessRepository: ...

    @property
    def deletions(self) -> DeletionRecordRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def record(self, *events: Event) -> None:
        """Stage events that belong to no aggregate; they are audited at commit."""
        ...

    def commit(self) -> None:
        """Write the audit entries for every staged and aggregate event, then commit."""
        ...


class UnitOfWorkFactory(Protocol):
    """Opens a new unit of work."""

    def __call__(self) -> UnitOfWork: ...
