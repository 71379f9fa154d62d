"""Recomputing a node's whole audit log from its leaves, and naming the first thing wrong.

Every leaf's text is re-read (it must be canonical, at its own index, and agree with the
columns stored beside it) and re-hashed; every stored node of the tree is recomputed from
the level below; the head and every signed checkpoint must match what the leaves give. A
change, a deletion, an insertion, a reordering or a rollback of the rows each breaks one of
these, and the first one found is reported with the leaf it concerns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from comity.domain.errors import AuditIntegrityError
from comity.domain.ledger.leaves import parse_leaf
from comity.domain.ledger.merkle import Frontier, leaf_hash
from comity.services.ledger_ports import LedgerRepository, StoredCheckpoint, StoredLeaf

# Checks a stored checkpoint's signatures (the node's own, and its cosignatures); raises.
NoteCheck = Callable[[StoredCheckpoint], int]


@dataclass(frozen=True)
class LogReport:
    """A log that verified: its size and root, and what was checked."""

    size: int
    root: bytes
    checkpoints: int
    cosignatures: int


def verify_log(ledger: LedgerRepository, *, check_note: NoteCheck | None = None) -> LogReport:
    """Recompute the log in ``ledger``; ``AuditIntegrityError`` names the first fault.

    ``check_note`` verifies each checkpoint's signature and cosignatures and returns how many
    cosignatures it verified; without it only the roots are compared."""
    checkpoints = ledger.checkpoints()
    wanted = {checkpoint.size: checkpoint for checkpoint in checkpoints}
    roots: dict[int, bytes] = {0: Frontier().root()} if 0 in wanted else {}
    frontier = Frontier()
    stored = _StoredLevels(ledger)
    for leaf in ledger.leaves():
        digest = _checked_leaf(leaf, frontier.size)
        for (level, index), computed in frontier.append(digest):
            stored.compare(level, index, computed)
        if frontier.size in wanted:
            roots[frontier.size] = frontier.root()
    stored.finish(frontier.size)
    _check_head(ledger, frontier)
    cosigned = 0
    previous = 0
    for checkpoint in checkpoints:
        if checkpoint.size > frontier.size:
            raise AuditIntegrityError(
                f"the log has {frontier.size} leaves but this node signed a checkpoint of "
                f"{checkpoint.size}: leaves {frontier.size} to {checkpoint.size - 1} were "
                "removed, or the database was restored from an older backup"
            )
        if roots[checkpoint.size] != checkpoint.root:
            raise AuditIntegrityError(
                f"the first {checkpoint.size} leaves no longer give the root signed in the "
                f"checkpoint of that size: a leaf from {previous} to {checkpoint.size - 1} "
                "was changed after it was signed, and the tree rebuilt to hide it"
            )
        if check_note is not None:
            cosigned += check_note(checkpoint)
        previous = checkpoint.size
    return LogReport(
        size=frontier.size,
        root=frontier.root(),
        checkpoints=len(checkpoints),
        cosignatures=cosigned,
    )


def _checked_leaf(leaf: StoredLeaf, expected: int) -> bytes:
    if leaf.index != expected:
        raise AuditIntegrityError(
            f"leaf {expected} is missing: the next stored leaf is {leaf.index}"
            if leaf.index > expected
            else f"leaf {leaf.index} is stored twice"
        )
    try:
        parsed = parse_leaf(leaf.text)
    except AuditIntegrityError as error:
        raise AuditIntegrityError(f"leaf {expected}: {error.detail}") from None
    if parsed.index != expected:
        raise AuditIntegrityError(
            f"leaf {expected} holds the text of leaf {parsed.index}: leaves were reordered"
        )
    columns = (leaf.at, leaf.tag, leaf.actor_id, leaf.object_id, leaf.request_id)
    said = (parsed.at, parsed.tag, parsed.actor_id, parsed.object_id, parsed.request_id)
    if columns != said or dict(leaf.details) != dict(parsed.details):
        raise AuditIntegrityError(
            f"leaf {expected}: its columns no longer say what its hashed text says"
        )
    return leaf_hash(leaf.text.encode("ascii"))


class _StoredLevels:
    """Walks every stored level of the tree beside the recomputation, one stream per level."""

    def __init__(self, ledger: LedgerRepository) -> None:
        self._ledger = ledger
        self._streams: dict[int, Iterator[tuple[int, bytes]]] = {}

    def compare(self, level: int, index: int, computed: bytes) -> None:
        stream = self._streams.get(level)
        if stream is None:
            stream = self._streams[level] = self._ledger.level(level)
        found = next(stream, None)
        first = index << level
        if found is None or found[0] != index:
            raise AuditIntegrityError(
                f"leaf {first}: the tree has no stored hash for leaves {first} to "
                f"{((index + 1) << level) - 1} (level {level}), or one out of place"
            )
        if found[1] != computed:
            what = "its hash" if level == 0 else f"the hash of leaves {first} to "
            raise AuditIntegrityError(
                f"leaf {first}: {what}"
                + ("" if level == 0 else f"{((index + 1) << level) - 1}")
                + " stored in the tree differs from the one its text gives"
            )

    def finish(self, size: int) -> None:
        level = 0
        while (1 << level) <= max(size, 1):
            stream = self._streams.get(level) or self._ledger.level(level)
            extra = next(stream, None)
            if extra is not None:
                raise AuditIntegrityError(
                    f"leaf {extra[0] << level}: the tree stores a hash beyond the log's "
                    f"{size} leaves (level {level}): a leaf was removed"
                )
            level += 1


def _check_head(ledger: LedgerRepository, frontier: Frontier) -> None:
    size, hashes, root = ledger.stored_frontier()
    if size != frontier.size:
        raise AuditIntegrityError(
            f"the log's head says {size} leaves but {frontier.size} are stored"
            + (f": leaf {frontier.size} onwards was removed" if size > frontier.size else "")
        )
    if list(frontier.hashes) != hashes or root != frontier.root():
        raise AuditIntegrityError("the log's head does not match its leaves")
