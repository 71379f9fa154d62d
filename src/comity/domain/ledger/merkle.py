"""RFC 9162 Merkle trees: hashes, proofs read from stored perfect subtrees, and the verifiers.

A store keeps the hash of each perfect subtree ``(level, index)`` that ``Frontier.append``
completes; a range in a tree or proof folds at most one per bit of its length, so a proof is
one fetch of ``nodes_for(ranges)``. Verifiers raise ``ProofInvalidError``, never return a bool.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from comity.domain.errors import ProofInvalidError

EMPTY_ROOT = hashlib.sha256(b"").digest()
#: A perfect subtree as ``(level, index)``: the leaves ``[index << level, (index + 1) << level)``.
NodeId = tuple[int, int]
_HASH_SIZE = 32


def leaf_hash(data: bytes) -> bytes:
    """The RFC 9162 hash of one leaf: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 hash of an inner node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The RFC 9162 §2.1.1 Merkle Tree Hash of the raw ``leaves``."""
    return root_of([leaf_hash(leaf) for leaf in leaves])


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a tree given its leaf hashes (``EMPTY_ROOT`` for none)."""
    # Pairing level by level and carrying an odd last node up is the RFC's split exactly.
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def perfect_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees, left to right, whose right fold is ``MTH(D[start:end])``; a
    ``ValueError`` unless ``start`` is a multiple of the largest power of two <= the length."""
    if not 0 <= start <= end:
        raise ValueError(f"[{start}, {end}) is not a range of leaves")
    nodes: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"[{start}, {end}) is not a subtree of an RFC 9162 tree")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def range_hash(start: int, end: int, nodes: Mapping[NodeId, bytes]) -> bytes:
    """``MTH(D[start:end])`` from the stored hashes of its perfect subtrees (read only)."""
    return _fold([nodes[node] for node in perfect_nodes(start, end)])


def _fold(hashes: Sequence[bytes]) -> bytes:
    # H(P0, H(P1, H(P2, ...))): how RFC 9162 joins perfect subtrees, largest first.
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for value in reversed(hashes[:-1]):
        result = node_hash(value, result)
    return result


def _split(lo: int, hi: int) -> int:
    # RFC 9162 splits D[lo:hi] after the largest power of two strictly below its length.
    return lo + (1 << ((hi - lo - 1).bit_length() - 1))


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes are the inclusion path of leaf ``index`` (RFC 9162 §2.1.3.1),
    in proof order: the sibling nearest the leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = _split(lo, hi)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    return ranges[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes are the consistency proof from ``old_size`` to ``new_size``
    (RFC 9162 §2.1.4.1), in proof order; none when the sizes are equal or the old tree empty."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, whole_old_tree = 0, new_size, True
    while old_size != hi:
        mid = _split(lo, hi)
        if old_size <= mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo, whole_old_tree = mid, False
    if not whole_old_tree:
        # When the old tree is itself a subtree here, the verifier has its hash: the old root.
        ranges.append((lo, hi))
    return ranges[::-1]


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[NodeId]:
    """Every perfect subtree whose hash the given ranges need: what a store fetches."""
    return {node for start, end in ranges for node in perfect_nodes(start, end)}


def inclusion_proof(index: int, size: int, nodes: Mapping[NodeId, bytes]) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return [range_hash(start, end, nodes) for start, end in inclusion_ranges(index, size)]


def consistency_proof(old_size: int, new_size: int, nodes: Mapping[NodeId, bytes]) -> list[bytes]:
    """The RFC 9162 consistency proof that the tree of ``old_size`` is a prefix of ``new_size``."""
    return [range_hash(start, end, nodes) for start, end in consistency_ranges(old_size, new_size)]


def _check_sizes(*hashes: bytes) -> None:
    if any(len(value) != _HASH_SIZE for value in hashes):
        raise ProofInvalidError("a hash in the proof or its claims is not 32 bytes long")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that the leaf hash ``leaf`` is leaf ``index`` of the tree of ``size`` leaves whose
    root is ``root`` (RFC 9162 §2.1.3.2); ``ProofInvalidError`` otherwise."""
    if not 0 <= index < size:
        raise ProofInvalidError(f"leaf {index} is not in a tree of size {size}")
    _check_sizes(leaf, root, *proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofInvalidError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:  # Shift right until fn is odd or 0.
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise ProofInvalidError("the inclusion proof does not lead to the root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that tree ``old_size``/``old_root`` is a prefix of ``new_size``/``new_root`` (RFC
    9162 §2.1.4.2; the proof is empty from the empty tree, whose root must be ``EMPTY_ROOT``)."""
    if not 0 <= old_size <= new_size:
        raise ProofInvalidError(f"no tree of size {old_size} is a prefix of one of {new_size}")
    _check_sizes(old_root, new_root, *proof)
    if old_size == 0 and old_root != EMPTY_ROOT:
        raise ProofInvalidError("the old root is not the root of the empty tree")
    if old_size in (0, new_size):
        if proof:
            raise ProofInvalidError("the consistency proof must be empty")
        if old_size == new_size and old_root != new_root:
            raise ProofInvalidError("the two roots of the same size differ")
        return
    if not proof:
        raise ProofInvalidError("the consistency proof is empty")
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofInvalidError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:  # Shift right until fn is odd or 0.
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofInvalidError("the consistency proof does not lead to both roots")


class Frontier:
    """Compact range of a growing tree: the perfect subtrees on its right edge (one per 1-bit
    of size, largest first). Appending returns every perfect node completed by the leaf."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != size.bit_count() or {len(h) for h in hashes} - {_HASH_SIZE}:
            raise ValueError(f"size {size} needs {size.bit_count()} hashes of 32 bytes")
        self._size = size
        self._hashes = list(hashes)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The hashes of the right-edge perfect subtrees, largest first."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> list[tuple[NodeId, bytes]]:
        """Add one leaf hash; return the nodes it completes, from ``((0, index), leaf_hash)`` up."""
        if len(leaf_hash) != _HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes long")
        index, hashes = self._size, self._hashes
        created = [((0, index), leaf_hash)]
        value, level = leaf_hash, 0
        # Each 1-bit of the old size, from the bottom, is a left sibling the new leaf completes.
        while index >> level & 1:
            value = node_hash(hashes.pop(), value)
            level += 1
            created.append(((level, index >> level), value))
        hashes.append(value)
        self._size = index + 1
        return created

    def root(self) -> bytes:
        """The Merkle Tree Hash of the tree so far."""
        return _fold(self._hashes)

    def copy(self) -> Frontier:
        """An independent frontier at the same size, to try appends without touching this one."""
        return Frontier(self._size, self._hashes)
