"""The ports of evidence packages: their rows and custody chains in the database, their chunks
on disk, the custody signatures, and the calls to the receiving node. Adapters in store/,
crypto/ and transport/ implement them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from comity.domain.custody import CustodyRecord
from comity.domain.directory import Directory, StateEntry
from comity.domain.evidence import AcquisitionRecord, Manifest
from comity.domain.evidence_packages import Direction, EvidencePackage


@dataclass(frozen=True)
class CustodyEntry:
    """One signed custody record as this node stores it."""

    record: CustodyRecord
    token: str


class PackageRepository(Protocol):
    """Evidence packages on this node and their custody chains. Never commits."""

    def add(self, package: EvidencePackage, manifest: str) -> None:
        """Record a new package with its signed manifest (compact JWS)."""
        ...

    def get(self, package_id: str) -> EvidencePackage | None:
        """The package, or None."""
        ...

    def manifest(self, package_id: str) -> str:
        """The package's signed manifest as it was verified when it was recorded."""
        ...

    def save(self, package: EvidencePackage) -> None:
        """Store the package's new status and progress."""
        ...

    def for_request(self, request_id: str) -> Sequence[EvidencePackage]:
        """The request's packages, oldest first."""
        ...

    def sending(self) -> Sequence[EvidencePackage]:
        """Outgoing packages still to be transferred, oldest first."""
        ...

    def recorded(self, package_ids: Sequence[str]) -> frozenset[str]:
        """Which of ``package_ids`` have a package row."""
        ...

    def deleted(self) -> Sequence[EvidencePackage]:
        """Packages erased at the end of their retention, in either direction."""
        ...

    def add_custody(self, package_id: str, entry: CustodyEntry) -> None:
        """Append a custody record (the sequence must be the next one)."""
        ...

    def custody(self, package_id: str) -> Sequence[CustodyEntry]:
        """The package's custody chain, in order."""
        ...


class EvidenceFiles(Protocol):
    """Packages on this node's disk: sealing, chunks, verification and decrypted reading."""

    def seal(
        self,
        paths: Sequence[Path],
        *,
        package_id: str,
        recipient: StateEntry,
        request_reference: str,
        acquisition: AcquisitionRecord,
        now: datetime,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[Manifest, str, str]:
        """Seal ``paths`` as an outgoing package: (manifest, signed manifest, wrapped key)."""
        ...

    def key(self, direction: Direction, package_id: str) -> str:
        """The package's wrapped content key (compact JWE)."""
        ...

    def read_chunk(self, package_id: str, index: int) -> bytes:
        """The sealed bytes of an outgoing package's chunk."""
        ...

    def accept(self, package_id: str, manifest: str, key: str) -> None:
        """Prepare to receive a package (idempotent): store its manifest and key."""
        ...

    def held(self, package_id: str) -> frozenset[int]:
        """The chunk indices of an incoming package already stored and checked."""
        ...

    def store_chunk(self, package_id: str, index: int, data: bytes) -> None:
        """Store one checked chunk of an incoming package atomically (``STORAGE_FULL``)."""
        ...

    def verify(self, direction: Direction, package_id: str, directory: Directory) -> None:
        """Verify the stored package completely (signature, every chunk, every file)."""
        ...

    def open_file(
        self, direction: Direction, package_id: str, path: str, directory: Directory
    ) -> Iterator[bytes]:
        """Stream a file's plaintext, every chunk checked before it is yielded."""
        ...

    def write_custody(self, direction: Direction, package_id: str, tokens: Sequence[str]) -> None:
        """Write the custody chain beside the package, for offline verification and export."""
        ...

    def location(self, direction: Direction, package_id: str) -> Path:
        """The package's directory."""
        ...

    def delete(self, direction: Direction, package_id: str) -> None:
        """Erase the package's chunks and key (the manifest and custody chain stay)."""
        ...

    def discard(self, direction: Direction, package_id: str) -> None:
        """Remove a package that was never recorded, entirely."""
        ...

    def settled_folders(self, older_than: timedelta) -> Sequence[tuple[Direction, str]]:
        """Every package folder on disk nothing has written to for ``older_than`` (by the
        file system's own clock, which dated the writes)."""
        ...


class EvidenceTrust(Protocol):
    """Signs this node's custody records; verifies manifests and custody chains from others."""

    def sign_custody(self, record: CustodyRecord) -> str:
        """The record as a compact JWS signed with the node's key."""
        ...

    def verify_custody(
        self,
        tokens: Sequence[str],
        directory: Directory,
        *,
        package_id: str,
        sender_state: str,
        merkle_root: str,
    ) -> list[CustodyRecord]:
        """Verify every record's signature, then the chain (``CUSTODY_BROKEN``)."""
        ...

    def read_manifest(self, token: str, directory: Directory) -> Manifest:
        """Verify a signed manifest against the directory (signer of its sender State),
        then parse it strictly."""
        ...

    def stored_manifest(self, token: str) -> Manifest:
        """Parse a manifest this node verified when it recorded the package."""
        ...


@dataclass(frozen=True)
class TransferAnswer:
    """What the receiving node answered to one evidence call.

    ``outcome``: ``ok`` (the receiver's status, with what it ``held`` and, once the package is
    settled there, its signed ``custody`` records — ``rejected`` for a refusal, verified by the
    sender before it believes them); ``retry`` (transport trouble, or an unsigned error: never
    final)."""

    outcome: str
    held: frozenset[int] = frozenset()
    custody: tuple[str, ...] = ()
    code: str = ""
    detail: str = ""


class EvidencePeers(Protocol):
    """The evidence calls to another State's node, over the federation transport."""

    def offer(self, recipient: StateEntry, package_id: str, body: bytes) -> TransferAnswer:
        """Announce a package (manifest, key, custody chain); the answer lists what is held."""
        ...

    def put_chunk(
        self, recipient: StateEntry, package_id: str, index: int, data: bytes
    ) -> TransferAnswer:
        """Send one sealed chunk (idempotent)."""
        ...

    def complete(self, recipient: StateEntry, package_id: str) -> TransferAnswer:
        """Ask the receiver to verify and release the whole package."""
        ...
