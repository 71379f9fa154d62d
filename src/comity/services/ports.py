"""The ports through which services reach the outside world; adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from comity.domain.access import Authority, User
from comity.domain.deadlines import Deadline
from comity.domain.events import Event
from comity.domain.requests import CooperationRequest
from comity.domain.sign_in import SessionRecord
from comity.domain.values import Side
from comity.domain.workflow import Status
from comity.services.asset_statement_ports import AssetStatementRepository
from comity.services.data_protection_ports import DataAccessRepository, DeletionRecordRepository
from comity.services.evidence_ports import PackageRepository
from comity.services.ledger_ports import LedgerRepository
from comity.services.notification_ports import NotificationRepository
from comity.services.originals_ports import OriginalRecords
from comity.services.practice_ports import PracticeRepository
from comity.services.roster_ports import RosterRepository
from comity.services.sign_in_ports import SignInFailureRepository
from comity.services.transport_ports import (
    EvidenceRepository,
    InboxRepository,
    NonceRepository,
    OutboxRepository,
    QuarantineRepository,
)


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
    # Only requests in one of these statuses (empty: any).
    statuses: frozenset[Status] = frozenset()
    # Most recently created first, instead of most recently changed.
    newest_first: bool = False
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

    def count_by_status(self, authority_id: str) -> Mapping[Status, int]:
        """How many of the authority's requests are in each status (absent: none)."""
        ...

    def by_exchange(self, requesting_state: str, exchange_id: str) -> CooperationRequest | None:
        """The copy of the request ``requesting_state`` knows as ``exchange_id``, or None."""
        ...

    def past_retention(self, now: datetime, limit: int) -> Sequence[str]:
        """Ids of requests whose retention date is past at ``now`` and not yet erased."""
        ...

    def awaiting_acknowledgement(self, created_before: datetime, limit: int) -> Sequence[str]:
        """Ids of open emergencies received before ``created_before`` that nobody has
        acknowledged yet, oldest first."""
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

    def by_username(self, username: str) -> User | None:
        """The user called ``username``, or None."""
        ...

    def credentials(self, username: str) -> tuple[User, str] | None:
        """The user called ``username`` and their password hash, or None."""
        ...

    def list(self) -> Sequence[User]:
        """Every account, by user name."""
        ...

    def set_active(self, user_id: str, active: bool) -> None:
        """Enable or disable the account."""
        ...

    def totp(self, user_id: str) -> tuple[str, int | None] | None:
        """The account's TOTP secret and last used step, or None if none is enrolled."""
        ...

    def set_totp(self, user_id: str, secret: str) -> None:
        """Enrol (or replace) the account's TOTP secret; no step is used yet."""
        ...

    def use_totp_step(self, user_id: str, step: int) -> bool:
        """Mark ``step`` used if it is after the last one used; False if it was not (a code
        that another request used first)."""
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

    def revoke(self, *, digest: str) -> str | None:
        """End the token now; the user it belonged to, or None if there was none."""
        ...

    def user_for(self, *, digest: str, now: datetime) -> str | None:
        """The id of the user holding an unexpired token with this digest, or None."""
        ...

    def session(self, *, digest: str) -> SessionRecord | None:
        """The session of the token with this digest, or None."""
        ...

    def touch(self, *, digest: str, at: datetime) -> None:
        """Note that the session was used at ``at`` (its idle time starts again)."""
        ...

    def revoke_all(self, *, user_id: str) -> int:
        """End every session of the user; how many there were."""
        ...


class AuditLog(Protocol):
    """Append-only record of what happened; entries hold ids and digests, no personal data."""

    def append(self, event: Event, *, request_id: str | None = None) -> None:
        """Add one leaf for ``event``; ``request_id`` names the request it belongs to."""
        ...

    def append_all(self, events: Sequence[tuple[Event, str | None]]) -> None:
        """Add one leaf per (event, request id), in order, in the command's transaction."""
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
    def sign_in_failures(self) -> SignInFailureRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def ledger(self) -> LedgerRepository: ...

    @property
    def notifications(self) -> NotificationRepository: ...

    @property
    def rosters(self) -> RosterRepository: ...

    @property
    def practice(self) -> PracticeRepository: ...

    @property
    def asset_statements(self) -> AssetStatementRepository: ...

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

    @property
    def packages(self) -> PackageRepository: ...

    @property
    def originals(self) -> OriginalRecords: ...

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
