"""The SQLAlchemy unit of work: one session, one transaction, audit entries written at commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from comity.domain.errors import AuditUnavailableError
from comity.domain.events import Event
from comity.store.account_repositories import (
    SQLAuthorityRepository,
    SQLSignInFailureRepository,
    SQLTokenRepository,
    SQLUserRepository,
)
from comity.store.asset_statement_repository import SQLAssetStatementRepository
from comity.store.audit_log import SQLAuditLog
from comity.store.data_protection_repositories import (
    SQLDataAccessRepository,
    SQLDeletionRecordRepository,
)
from comity.store.disk_full import storage_full, store_unavailable
from comity.store.evidence_repositories import SQLPackageRepository
from comity.store.ledger_repository import SQLLedgerRepository
from comity.store.notification_repository import SQLNotificationRepository
from comity.store.originals import SQLOriginalRecords
from comity.store.practice_repository import SQLPracticeRepository
from comity.store.request_repository import SQLDeadlineRepository, SQLRequestRepository
from comity.store.roster_repository import SQLRosterRepository
from comity.store.transport_repositories import (
    SQLEvidenceRepository,
    SQLInboxRepository,
    SQLNonceRepository,
    SQLOutboxRepository,
    SQLQuarantineRepository,
)


class SQLAlchemyUnitOfWork:
    """Implements ``services.ports.UnitOfWork`` over one SQLAlchemy session."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.requests = SQLRequestRepository(self.session)
        self.deadlines = SQLDeadlineRepository(self.session)
        self.users = SQLUserRepository(self.session)
        self.authorities = SQLAuthorityRepository(self.session)
        self.tokens = SQLTokenRepository(self.session)
        self.sign_in_failures = SQLSignInFailureRepository(self.session)
        self.audit = SQLAuditLog(self.session)
        self.ledger = SQLLedgerRepository(self.session)
        self.notifications = SQLNotificationRepository(self.session)
        self.rosters = SQLRosterRepository(self.session)
        self.practice = SQLPracticeRepository(self.session)
        self.asset_statements = SQLAssetStatementRepository(self.session)
        self.outbox = SQLOutboxRepository(self.session)
        self.inbox = SQLInboxRepository(self.session)
        self.evidences = SQLEvidenceRepository(self.session)
        self.quarantine = SQLQuarantineRepository(self.session)
        self.nonces = SQLNonceRepository(self.session)
        self.accesses = SQLDataAccessRepository(self.session)
        self.deletions = SQLDeletionRecordRepository(self.session)
        self.packages = SQLPackageRepository(self.session)
        self.originals = SQLOriginalRecords(self.session)
        self._staged: list[Event] = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Anything not committed is rolled back: raising rolls back.
        try:
            self.session.rollback()
            self.session.close()
        except SQLAlchemyError:
            # The database went away under the command: nothing was committed, and the
            # connection is discarded with the session.
            if exc is None:
                raise
        if isinstance(exc, SQLAlchemyError):
            # The node's own condition (a full disk, a database away), met while the command
            # read or wrote: told apart from a fault, so the caller gets 507 or 503.
            condition = storage_full(exc) or store_unavailable(exc)
            if condition is not None:
                raise condition from exc

    def record(self, *events: Event) -> None:
        self._staged.extend(events)

    def commit(self) -> None:
        # Each event goes with its request: the request's own events name it, and so does an
        # event about a request this command loaded (an access, a signed original, a message).
        seen = self.requests.seen
        events: list[tuple[Event, str | None]] = [
            (event, event.object_id if event.object_id in seen else None) for event in self._staged
        ]
        for request in seen.values():
            events.extend((event, request.id) for event in request.events)
        try:
            self.audit.append_all(events)
        except SQLAlchemyError as error:
            self.session.rollback()
            raise AuditUnavailableError(
                "the audit log cannot be written; nothing was changed"
            ) from error
        try:
            self.session.commit()
        except SQLAlchemyError as error:
            # A full disk is told apart (507, and the node recovers once space returns);
            # anything else stays the unexpected error it is.
            self.session.rollback()
            full = storage_full(error) or store_unavailable(error)
            if full is not None:
                raise full from error
            raise
        self._staged.clear()
        for request in self.requests.seen.values():
            request.events.clear()
