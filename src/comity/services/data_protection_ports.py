"""The ports of data protection: the register of accesses and the deletion records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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
    # Filled when listed: the erased request's reference and type.
    reference: str = ""
    type_code: str = ""


@dataclass(frozen=True)
class RetentionDue:
    """A request whose data are kept until ``retention_until`` and not yet erased."""

    request_id: str
    reference: str
    type_code: str
    retention_until: datetime
    # Kept past the retention date for a documented reason: the sweep leaves it.
    legal_hold: bool


class DeletionRecordRepository(Protocol):
    """Deletion records, one per erased request, and the erasures still to come."""

    def add(self, record: DeletionRecord) -> None:
        """Store a deletion record."""
        ...

    def get(self, request_id: str) -> DeletionRecord | None:
        """The deletion record of a request, or None."""
        ...

    def list(self, *, authority_id: str, limit: int) -> Sequence[DeletionRecord]:
        """The deletion records of the authority's requests, newest first."""
        ...

    def due(self, *, authority_id: str, before: datetime, limit: int) -> Sequence[RetentionDue]:
        """The authority's requests not yet erased whose retention date is before ``before``
        (those already past it included), earliest first."""
        ...
