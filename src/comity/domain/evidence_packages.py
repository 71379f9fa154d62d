"""Evidence packages as a node keeps them: their direction, transfer progress and status.

A package is sealed by one node for the other State of a request (``outgoing``) and arrives
at that State's node (``incoming``). The sending node transfers it chunk by chunk until the
receiver has verified and stored it; the receiving node holds it back from officers until
every chunk has arrived and the whole package verifies, and withholds it for good when it
does not, or when a stored chunk later stops matching its digest (``custody_broken``).

Pure: no clock, no file access. Progress is counted in chunks and sealed bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from comity.domain.errors import IllegalTransitionError
from comity.domain.events import Event

__all__ = [
    "Direction",
    "EvidenceChunkRefused",
    "EvidenceDeleted",
    "EvidenceDelivered",
    "EvidenceOpened",
    "EvidencePackage",
    "EvidenceReceived",
    "EvidenceSealed",
    "EvidenceWithheld",
    "PackageStatus",
    "missing_chunks",
]


class Direction(StrEnum):
    """Whether this node sealed the package or received it."""

    OUTGOING = "outgoing"
    INCOMING = "incoming"


class PackageStatus(StrEnum):
    """Where a package stands on this node."""

    # Outgoing: sealed and being transferred (or waiting to resume).
    SENDING = "sending"
    # Outgoing: the receiving node verified and stored every chunk.
    DELIVERED = "delivered"
    # Outgoing: the receiving node refused the package for good (signed answer).
    FAILED = "failed"
    # Incoming: chunks are arriving; nothing is released yet.
    RECEIVING = "receiving"
    # Incoming: complete and verified; authorised officers may open it.
    RELEASED = "released"
    # Incoming: failed verification, or a stored chunk no longer matches: not released.
    WITHHELD = "withheld"
    # Either side: erased at the end of its retention (the custody records stay).
    DELETED = "deleted"


_ALLOWED: dict[PackageStatus, frozenset[PackageStatus]] = {
    PackageStatus.SENDING: frozenset(
        {PackageStatus.DELIVERED, PackageStatus.FAILED, PackageStatus.DELETED}
    ),
    PackageStatus.DELIVERED: frozenset({PackageStatus.DELETED}),
    PackageStatus.FAILED: frozenset({PackageStatus.DELETED}),
    PackageStatus.RECEIVING: frozenset(
        {PackageStatus.RELEASED, PackageStatus.WITHHELD, PackageStatus.DELETED}
    ),
    PackageStatus.RELEASED: frozenset({PackageStatus.WITHHELD, PackageStatus.DELETED}),
    PackageStatus.WITHHELD: frozenset({PackageStatus.DELETED}),
    PackageStatus.DELETED: frozenset(),
}


@dataclass(frozen=True)
class EvidenceSealed(Event):
    """This node sealed a package for another State; ``object_id`` is the package id."""

    recipient_state: str
    merkle_root: str
    tag = "evidence:package:sealed"


@dataclass(frozen=True)
class EvidenceDelivered(Event):
    """The receiving State's node confirmed it verified and stored the whole package."""

    recipient_state: str
    merkle_root: str
    tag = "evidence:package:delivered"


@dataclass(frozen=True)
class EvidenceReceived(Event):
    """A package arrived complete, verified and was released to officers."""

    sender_state: str
    merkle_root: str
    tag = "evidence:package:received"


@dataclass(frozen=True)
class EvidenceWithheld(Event):
    """A package was refused or withheld: ``code`` says why (no content, no names)."""

    code: str
    tag = "evidence:package:withheld"


@dataclass(frozen=True)
class EvidenceChunkRefused(Event):
    """A chunk that did not match the signed manifest was refused (not stored)."""

    index: int
    code: str
    tag = "evidence:chunk:refused"


@dataclass(frozen=True)
class EvidenceOpened(Event):
    """An officer opened or downloaded a file of a package (or was refused: ``outcome``)."""

    file_digest: str
    outcome: str
    tag = "evidence:file:opened"


@dataclass(frozen=True)
class EvidenceDeleted(Event):
    """A package's chunks were erased."""

    merkle_root: str
    tag = "evidence:package:deleted"


@dataclass
class EvidencePackage:
    """One package on this node, with its transfer progress and status."""

    package_id: str
    request_id: str
    direction: Direction
    peer_state: str
    status: PackageStatus
    merkle_root: str
    chunk_count: int
    total_bytes: int
    sealed_bytes: int
    created_at: datetime
    updated_at: datetime
    # Chunks (and their sealed bytes) the receiver holds, as far as this node knows.
    chunks_done: int = 0
    bytes_done: int = 0
    failure_code: str | None = None
    failure_detail: str | None = None
    released_at: datetime | None = None
    events: list[Event] = field(default_factory=list, compare=False, repr=False)

    @property
    def complete(self) -> bool:
        """True once every chunk is held by the receiver."""
        return self.chunks_done >= self.chunk_count

    @property
    def readable(self) -> bool:
        """True if officers may open the package's files on this node."""
        if self.direction is Direction.INCOMING:
            return self.status is PackageStatus.RELEASED
        return self.status in (PackageStatus.SENDING, PackageStatus.DELIVERED)

    def progress(self, *, chunks: int, sealed_bytes: int, now: datetime) -> None:
        """Record how much the receiver holds; progress never goes backwards."""
        if chunks < 0 or chunks > self.chunk_count or sealed_bytes < 0:
            raise ValueError("progress outside the package")
        if chunks >= self.chunks_done:
            self.chunks_done, self.bytes_done = chunks, sealed_bytes
            self.updated_at = now

    def seal(self, *, actor_id: str, now: datetime) -> None:
        """Record that this node sealed the package (for its audit entry)."""
        if self.direction is not Direction.OUTGOING or self.status is not PackageStatus.SENDING:
            raise IllegalTransitionError("only a new outgoing package is sealed")
        self.events.append(
            EvidenceSealed(
                actor_id,
                now,
                self.package_id,
                self.peer_state,
                self.merkle_root,
                request_id=self.request_id,
            )
        )

    def deliver(self, *, actor_id: str, now: datetime) -> None:
        """The receiver confirmed it verified and stored everything."""
        self._move(PackageStatus.DELIVERED, now)
        self.chunks_done, self.bytes_done = self.chunk_count, self.sealed_bytes
        self.events.append(
            EvidenceDelivered(
                actor_id,
                now,
                self.package_id,
                self.peer_state,
                self.merkle_root,
                request_id=self.request_id,
            )
        )

    def release(self, *, actor_id: str, now: datetime) -> None:
        """Every chunk arrived and the package verified: officers may open it."""
        self._move(PackageStatus.RELEASED, now)
        self.released_at = now
        # A chunk refused on the way and sent again correctly is no fault of the package.
        self.failure_code = self.failure_detail = None
        self.chunks_done, self.bytes_done = self.chunk_count, self.sealed_bytes
        self.events.append(
            EvidenceReceived(
                actor_id,
                now,
                self.package_id,
                self.peer_state,
                self.merkle_root,
                request_id=self.request_id,
            )
        )

    def refuse(self, *, code: str, detail: str, actor_id: str, now: datetime) -> None:
        """Stop the package for good: withheld here, or failed on the sending side."""
        target = (
            PackageStatus.WITHHELD if self.direction is Direction.INCOMING else PackageStatus.FAILED
        )
        self._move(target, now)
        self.failure_code, self.failure_detail = code, detail
        self.events.append(
            EvidenceWithheld(actor_id, now, self.package_id, code, request_id=self.request_id)
        )

    def chunk_refused(self, *, index: int, code: str, detail: str, now: datetime) -> None:
        """A chunk was refused on arrival: shown on the package (and its request's timeline)
        until the package settles; the sender may still send the right one."""
        self.failure_code, self.failure_detail = code, detail
        self.updated_at = now
        self.events.append(
            EvidenceChunkRefused("peer:" + self.peer_state, now, self.package_id, index, code)
        )

    def delete(self, *, actor_id: str, now: datetime) -> None:
        """The chunks were erased; the record and its custody chain stay."""
        self._move(PackageStatus.DELETED, now)
        self.events.append(EvidenceDeleted(actor_id, now, self.package_id, self.merkle_root))

    def _move(self, to: PackageStatus, now: datetime) -> None:
        if to not in _ALLOWED[self.status]:
            raise IllegalTransitionError(
                f"an evidence package cannot go from {self.status} to {to}"
            )
        self.status = to
        self.updated_at = now


def missing_chunks(count: int, held: Iterable[int]) -> list[int]:
    """The indices in ``range(count)`` not in ``held``, in order (what still has to go)."""
    have = set(held)
    return [index for index in range(count) if index not in have]
