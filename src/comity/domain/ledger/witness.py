"""The witness's decision on a checkpoint (c2sp.org/tlog-witness), without keys or storage.

A witness keeps, per log, the last checkpoint it cosigned (``Recorded``). A log asks it to
cosign a newer one, saying which size it believes the witness holds and proving, from there,
that the new tree extends the old one. ``check_add_checkpoint`` answers in the protocol's
order once the caller has verified the log's signature; the caller must then record the new
checkpoint in the same transaction as the check, or two calls could roll the record back.

Times are the logs' own clocks: a later checkpoint may carry an earlier time, and nothing
here compares them. Witnesses also compare the checkpoints they hold of third logs
(``compare_views``), so a log that shows two witnesses two histories is caught.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from comity.domain.errors import (
    CheckpointRollbackError,
    CheckpointSizeConflictError,
    EquivocationError,
    ProofInvalidError,
)
from comity.domain.ledger.checkpoints import Checkpoint
from comity.domain.ledger.merkle import verify_consistency


@dataclass(frozen=True)
class Recorded:
    """The last checkpoint of one log that this witness cosigned."""

    size: int
    root: bytes
    time: int


def check_add_checkpoint(
    *, recorded: Recorded | None, old_size: int, proof: Sequence[bytes], checkpoint: Checkpoint
) -> None:
    """Decide whether ``checkpoint`` may be cosigned, after the log's signature verified.

    ``CheckpointRollbackError`` when the old size exceeds the new one (400);
    ``CheckpointSizeConflictError`` carrying the recorded size when the log's old size is not
    it (409); ``ProofInvalidError`` for a proof where none belongs, and ``EquivocationError``
    for a root that differs at the recorded size or a tree that does not extend it (422).
    """
    if old_size > checkpoint.size:
        raise CheckpointRollbackError(
            f"the old size {old_size} is larger than the checkpoint's {checkpoint.size}"
        )
    if recorded is None:
        if old_size != 0:
            raise CheckpointSizeConflictError(
                f"this witness holds no checkpoint of {checkpoint.origin}, not {old_size}", size=0
            )
        if proof:
            raise ProofInvalidError("a first checkpoint comes without a consistency proof")
        return
    if old_size != recorded.size:
        raise CheckpointSizeConflictError(
            f"this witness holds {recorded.size} leaves of {checkpoint.origin}, not {old_size}",
            size=recorded.size,
        )
    if checkpoint.size == recorded.size:
        if checkpoint.root != recorded.root:
            raise EquivocationError(
                f"{checkpoint.origin} signed two roots for the same {recorded.size} leaves"
            )
        if proof:
            raise ProofInvalidError("a checkpoint of the recorded size comes without a proof")
        return
    try:
        verify_consistency(recorded.size, checkpoint.size, recorded.root, checkpoint.root, proof)
    except ProofInvalidError as error:
        raise EquivocationError(
            f"{checkpoint.origin}'s tree of {checkpoint.size} leaves does not extend the "
            f"{recorded.size} this witness cosigned: {error.detail}"
        ) from error


def compare_views(mine: Checkpoint, theirs: Checkpoint) -> None:
    """Gossip between witnesses: ``EquivocationError`` when both hold the same log at the same
    size with different roots. Other pairs prove nothing without a consistency proof."""
    if mine.origin == theirs.origin and mine.size == theirs.size and mine.root != theirs.root:
        raise EquivocationError(
            f"{mine.origin} showed two roots for its {mine.size} leaves to two witnesses"
        )
