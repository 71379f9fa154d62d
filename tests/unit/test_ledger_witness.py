"""The witness's decision (security test plan L-06 without HTTP, c2sp.org/tlog-witness).

Each rule of ``check_add_checkpoint`` in the protocol's order, with the status a driver maps
its error to: 400 rollback, 409 size conflict (with the recorded size), 422 bad proof or
equivocation. Then the gossip comparison between witnesses.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.domain.errors import (
    CheckpointError,
    CheckpointRollbackError,
    CheckpointSizeConflictError,
    EquivocationError,
    ProofInvalidError,
)
from comity.domain.ledger.checkpoints import Checkpoint
from comity.domain.ledger.merkle import EMPTY_ROOT, Frontier, NodeId, consistency_proof, leaf_hash
from comity.domain.ledger.witness import Recorded, check_add_checkpoint, compare_views

ORIGIN = "comity.example/XA/audit"
T = 1_800_000_000


def _tree(prefix: bytes, size: int) -> tuple[dict[NodeId, bytes], list[bytes]]:
    frontier, nodes, roots = Frontier(), dict[NodeId, bytes](), [EMPTY_ROOT]
    for i in range(size):
        nodes.update(frontier.append(leaf_hash(prefix + i.to_bytes(4, "big"))))
        roots.append(frontier.root())
    return nodes, roots


def _fork_roots() -> list[bytes]:
    # The same log's history with leaf 2 changed, as a log that equivocates would show it.
    frontier, roots = Frontier(), [EMPTY_ROOT]
    for i in range(300):
        frontier.append(leaf_hash((b"forked" if i == 2 else b"log") + i.to_bytes(4, "big")))
        roots.append(frontier.root())
    return roots


NODES, ROOTS = _tree(b"log", 300)
FORK = _fork_roots()


def cp(size: int, root: bytes | None = None, time: int = T) -> Checkpoint:
    """The log's checkpoint of ``size`` leaves (or one claiming ``root``)."""
    return Checkpoint(ORIGIN, size, ROOTS[size] if root is None else root, time)


def rec(size: int, time: int = T) -> Recorded:
    """What the witness recorded of the log at ``size``."""
    return Recorded(size=size, root=ROOTS[size], time=time)


def test_a_first_checkpoint_is_accepted_from_old_size_zero_without_proof() -> None:
    check_add_checkpoint(recorded=None, old_size=0, proof=[], checkpoint=cp(17))
    check_add_checkpoint(recorded=None, old_size=0, proof=[], checkpoint=cp(0))


def test_an_old_size_above_the_checkpoint_size_is_a_rollback_400() -> None:
    for recorded in (None, rec(3), rec(20)):
        with pytest.raises(CheckpointRollbackError):
            check_add_checkpoint(recorded=recorded, old_size=9, proof=[], checkpoint=cp(8))


def test_a_first_checkpoint_from_another_old_size_is_a_409_with_size_zero() -> None:
    with pytest.raises(CheckpointSizeConflictError) as caught:
        check_add_checkpoint(recorded=None, old_size=5, proof=[], checkpoint=cp(17))
    assert caught.value.size == 0


def test_a_first_checkpoint_with_a_proof_is_refused_422() -> None:
    with pytest.raises(ProofInvalidError) as caught:
        check_add_checkpoint(recorded=None, old_size=0, proof=[ROOTS[1]], checkpoint=cp(17))
    assert not isinstance(caught.value, EquivocationError)


@pytest.mark.parametrize("old_size", [0, 9, 11, 16])
def test_an_old_size_that_is_not_the_recorded_one_is_a_409_with_the_recorded_size(
    old_size: int,
) -> None:
    proof = consistency_proof(old_size, 17, NODES)
    with pytest.raises(CheckpointSizeConflictError) as caught:
        check_add_checkpoint(recorded=rec(10), old_size=old_size, proof=proof, checkpoint=cp(17))
    assert caught.value.size == 10
    assert isinstance(caught.value, CheckpointError)


def test_a_smaller_checkpoint_than_recorded_is_refused_by_the_size_rules() -> None:
    # The log claims the witness holds 8, and brings a tree of 8: the witness holds 10.
    with pytest.raises(CheckpointSizeConflictError) as caught:
        check_add_checkpoint(recorded=rec(10), old_size=8, proof=[], checkpoint=cp(8))
    assert caught.value.size == 10
    with pytest.raises(CheckpointRollbackError):
        check_add_checkpoint(recorded=rec(10), old_size=10, proof=[], checkpoint=cp(8))


def test_the_recorded_checkpoint_again_is_accepted() -> None:
    check_add_checkpoint(recorded=rec(10), old_size=10, proof=[], checkpoint=cp(10, time=T + 5))
    check_add_checkpoint(recorded=rec(0), old_size=0, proof=[], checkpoint=cp(0))


def test_the_recorded_size_with_another_root_is_equivocation_422() -> None:
    with pytest.raises(EquivocationError):
        check_add_checkpoint(recorded=rec(10), old_size=10, proof=[], checkpoint=cp(10, FORK[10]))


def test_the_recorded_checkpoint_with_a_proof_is_refused_but_is_no_equivocation() -> None:
    with pytest.raises(ProofInvalidError) as caught:
        check_add_checkpoint(recorded=rec(10), old_size=10, proof=[ROOTS[1]], checkpoint=cp(10))
    assert not isinstance(caught.value, EquivocationError)


def test_a_consistent_larger_checkpoint_is_accepted_even_with_an_earlier_time() -> None:
    proof = consistency_proof(10, 17, NODES)
    check_add_checkpoint(recorded=rec(10), old_size=10, proof=proof, checkpoint=cp(17))
    check_add_checkpoint(recorded=rec(10), old_size=10, proof=proof, checkpoint=cp(17, time=T - 60))
    check_add_checkpoint(recorded=rec(0), old_size=0, proof=[], checkpoint=cp(17))


def test_a_larger_checkpoint_that_does_not_extend_the_recorded_one_is_equivocation() -> None:
    proof = consistency_proof(10, 17, NODES)
    cases = [
        (proof, cp(17, FORK[17])),  # The proof of the real tree, the root of the fork.
        ([], cp(17)),  # No proof at all.
        ([*proof[:-1], ROOTS[3]], cp(17)),  # A proof with a wrong hash.
        (proof[:-1], cp(17)),  # A proof with a hash missing.
    ]
    for given_proof, checkpoint in cases:
        with pytest.raises(EquivocationError) as caught:
            check_add_checkpoint(
                recorded=rec(10), old_size=10, proof=given_proof, checkpoint=checkpoint
            )
        assert isinstance(caught.value, ProofInvalidError)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 299), st.integers(0, 299))
def test_random_extensions_and_forks(recorded: int, size: int) -> None:
    recorded, size = min(recorded, size), max(recorded, size)
    proof = consistency_proof(recorded, size, NODES)
    check_add_checkpoint(
        recorded=rec(recorded), old_size=recorded, proof=proof, checkpoint=cp(size)
    )
    if recorded > 2:
        # The fork shares the first two leaves only: no view past them extends the other.
        with pytest.raises(EquivocationError):
            check_add_checkpoint(
                recorded=rec(recorded),
                old_size=recorded,
                proof=proof,
                checkpoint=cp(size, FORK[size]),
            )


def test_witnesses_comparing_views_catch_two_roots_for_one_size() -> None:
    with pytest.raises(EquivocationError):
        compare_views(cp(10), cp(10, FORK[10]))
    # Same view, different sizes, different logs: nothing to conclude without a proof.
    compare_views(cp(10), cp(10, time=T + 1))
    compare_views(cp(10), cp(12, FORK[12]))
    compare_views(cp(10), Checkpoint("comity.example/XB/audit", 10, FORK[10], T))
