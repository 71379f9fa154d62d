"""What the audit ledger's services need from adapters: the stored log, the node's note keys
and the other States' witnesses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from comity.domain.directory import StateEntry
from comity.domain.ledger.checkpoints import NoteSignature, SignedNote
from comity.domain.ledger.merkle import NodeId


@dataclass(frozen=True)
class LedgerHead:
    """The log's current size and root (the tree over every leaf committed so far)."""

    size: int
    root: bytes


@dataclass(frozen=True)
class StoredLeaf:
    """A leaf row: its canonical ``text`` (what the tree hashes) and the columns beside it."""

    index: int
    text: str
    at: datetime
    tag: str
    actor_id: str
    object_id: str
    request_id: str | None
    details: Mapping[str, Any]


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint this node signed over its own log: the whole signed note."""

    size: int
    root: bytes
    signed_at: datetime
    note: str


@dataclass(frozen=True)
class StoredCosignature:
    """Another State's cosignature of one of this node's checkpoints: its signature line."""

    checkpoint_size: int
    witness_state: str
    received_at: datetime
    line: str


@dataclass(frozen=True)
class WitnessedLog:
    """As a witness: the last checkpoint of another State's log this node cosigned."""

    state: str
    size: int
    root: bytes
    time: int
    note: str
    witnessed_at: datetime


@dataclass(frozen=True)
class AuditAlert:
    """A fault in a log, this node's or another State's, with the signed notes proving it."""

    id: str
    raised_at: datetime
    kind: str
    state: str
    detail: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


class LedgerRepository(Protocol):
    """The stored log, its checkpoints and cosignatures, and the witness's records."""

    def head(self) -> LedgerHead:
        """Size and root of the log now."""
        ...

    def nodes(self, ids: Iterable[NodeId]) -> dict[NodeId, bytes]:
        """The stored hashes of these perfect subtrees (those that exist)."""
        ...

    def leaves(self, start: int = 0, end: int | None = None) -> Iterator[StoredLeaf]:
        """Leaves from ``start`` up to ``end`` (excluded), in index order, streamed."""
        ...

    def level(self, level: int) -> Iterator[tuple[int, bytes]]:
        """Every stored node of one level as (index, hash), in index order, streamed."""
        ...

    def stored_frontier(self) -> tuple[int, list[bytes], bytes]:
        """The head row as written: size, right edge and root (zero, empty, empty root)."""
        ...

    def leaves_of_request(self, request_id: str) -> list[StoredLeaf]:
        """Every leaf naming the request, as its object or its request, in index order."""
        ...

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The largest checkpoint this node signed."""
        ...

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every checkpoint this node signed, smallest first."""
        ...

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        """Keep a checkpoint this node just signed."""
        ...

    def cosignatures(self, size: int | None = None) -> list[StoredCosignature]:
        """The cosignatures received, of one checkpoint or of all."""
        ...

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        """The checkpoint this node signed at ``size``, if any."""
        ...

    def last_cosigned(self, state: str) -> int:
        """The largest checkpoint size ``state`` cosigned (0 when none)."""
        ...

    def add_cosignature(self, cosignature: StoredCosignature) -> None:
        """Keep a verified cosignature (a second one from the same State is ignored)."""
        ...

    def witnessed(self, state: str, *, lock: bool = False) -> WitnessedLog | None:
        """The last checkpoint of ``state``'s log this node cosigned; ``lock`` holds the row
        until commit, so that check and update are one step (C2SP tlog-witness)."""
        ...

    def witnessed_all(self) -> list[WitnessedLog]:
        """The last cosigned checkpoint of every other State's log."""
        ...

    def save_witnessed(self, witnessed: WitnessedLog) -> None:
        """Record the checkpoint just cosigned as that log's latest."""
        ...

    def add_alert(self, alert: AuditAlert) -> None:
        """Keep an alert."""
        ...

    def alerts(self, *, limit: int = 100) -> list[AuditAlert]:
        """The latest alerts, newest first."""
        ...


class LedgerKeys(Protocol):
    """The node's key for its checkpoints and cosignatures, and other States' keys' checks."""

    def public_key(self) -> bytes:
        """The raw Ed25519 public key that signs this node's notes."""
        ...

    def sign(self, name: str, body: str) -> NoteSignature:
        """Sign a checkpoint body as the log ``name``."""
        ...

    def cosign(self, name: str, body: str, timestamp: int) -> NoteSignature:
        """Cosign another log's checkpoint body as the witness ``name``."""
        ...

    def verify(self, note: SignedNote, name: str, entry: StateEntry) -> None:
        """Check that one of ``entry``'s published signing keys signed ``note`` as ``name``."""
        ...

    def verify_cosignature(self, note: SignedNote, name: str, entry: StateEntry) -> int:
        """Check ``entry``'s cosignature on ``note`` as the witness ``name``; its time."""
        ...

    def state_public_keys(self, entry: StateEntry) -> list[bytes]:
        """The raw signing keys ``entry`` publishes (for exports verified offline)."""
        ...


@dataclass(frozen=True)
class WitnessAnswer:
    """What a witness said: ``cosigned`` (``signed`` holds its signature line),
    ``conflict`` (``size`` is the size it last saw), ``refused`` (``code`` says why),
    or ``unreachable``."""

    status: str
    signed: str = ""
    size: int = 0
    code: str = ""
    detail: str = ""


class WitnessPeers(Protocol):
    """Calls to the other States' witnesses (RFC 9421-signed, over mutual TLS)."""

    def add_checkpoint(self, recipient: StateEntry, body: bytes) -> WitnessAnswer:
        """C2SP tlog-witness ``add-checkpoint``."""
        ...

    def share_views(self, recipient: StateEntry, body: bytes) -> WitnessAnswer:
        """Show a witness the checkpoints of third logs this node cosigned (gossip);
        ``refused`` with ``EQUIVOCATION`` when they contradict what it saw."""
        ...

    def report_integrity(self, recipient: StateEntry, body: bytes) -> WitnessAnswer:
        """Tell a witness this node's log failed its own integrity check (a signed note)."""
        ...


@dataclass(frozen=True)
class LedgerKit:
    """The ledger's keys, its witnesses, and when checkpoints are due."""

    keys: LedgerKeys
    peers: WitnessPeers
    # A checkpoint is due after this many new leaves, or this long after the last one.
    every_leaves: int = 1000
    interval: timedelta = timedelta(seconds=60)
    # Up to this size the whole log is recomputed before each checkpoint; above it, at
    # start-up and every ``full_check_interval`` (recomputing 10^6 leaves takes seconds).
    full_check_limit: int = 200_000
    full_check_interval: timedelta = timedelta(minutes=10)
