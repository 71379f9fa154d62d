"""RFC 9162 Merkle math of the audit ledger (security test plan L-01, L-02, L-03).

The oracles are independent of the code under test: the transparency-dev/merkle vectors
(testonly/constants.go, proof/verify_test.go), pymerkle 7 and the RFC's recursive definitions
written out below. The hypothesis tests draw trees of up to 4096 leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping

import pymerkle  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.domain.errors import ProofInvalidError
from comity.domain.evidence import merkle_root as evidence_merkle_root
from comity.domain.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    NodeId,
    consistency_proof,
    consistency_ranges,
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    merkle_root,
    node_hash,
    nodes_for,
    perfect_nodes,
    range_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex
# transparency-dev/merkle testonly/constants.go: LeafInputs, RootHashes (by size) and NodeHashes.
VECTOR_LEAVES = [
    h(x)
    for x in "/00/10/2021/3031/40414243/5051525354555657/606162636465666768696a6b6c6d6e6f".split(
        "/"
    )
]
VECTOR_ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]
N = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]
# CompactTrees: the frontier of each size, largest subtree first.
VECTOR_FRONTIERS = [
    [],
    [N[0][0]],
    [N[1][0]],
    [N[1][0], N[0][2]],
    [N[2][0]],
    [N[2][0], N[0][4]],
    [N[2][0], N[1][2]],
    [N[2][0], N[1][2], N[0][6]],
    [N[3][0]],
]
# proof/verify_test.go: (0-based index, size, path) and (size1, size2, path).
INCLUSION_VECTORS = [
    (0, 8, [N[0][1], N[1][1], N[2][1]]),
    (5, 8, [N[0][4], N[1][3], N[2][0]]),
    (2, 3, [N[1][0]]),
    (1, 5, [N[0][0], N[1][1], N[0][4]]),
    (0, 1, []),
]
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (1, 8, [N[0][1], N[1][1], N[2][1]]),
    (6, 8, [N[1][2], N[1][3], N[2][0]]),
    (2, 5, [N[1][1], N[0][4]]),
    (6, 7, [N[1][2], N[0][6], N[2][0]]),
]
VECTOR_NODES = {
    (level, index): value for level, row in enumerate(N) for index, value in enumerate(row)
}

# One tree of 4097 leaves: its perfect subtrees serve every prefix tree the hypothesis tests draw.
BIG = 4096
LEAF_HASHES = [leaf_hash(i.to_bytes(4, "big")) for i in range(BIG + 1)]
NODES: dict[NodeId, bytes] = {}
ROOTS = [EMPTY_ROOT]
_frontier = Frontier()
for _hash in LEAF_HASHES:
    NODES.update(_frontier.append(_hash))
    ROOTS.append(_frontier.root())


def mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 as written: split after the largest power of two below n."""
    if len(hashes) <= 1:
        return hashes[0] if hashes else EMPTY_ROOT
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def rfc_path(m: int, hashes: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) as written."""
    if len(hashes) == 1:
        return []
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    if m < k:
        return [*rfc_path(m, hashes[:k]), mth(hashes[k:])]
    return [*rfc_path(m - k, hashes[k:]), mth(hashes[:k])]


def rfc_subproof(m: int, hashes: list[bytes], whole: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b) as written."""
    if m == len(hashes):
        return [] if whole else [mth(hashes)]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    if m <= k:
        return [*rfc_subproof(m, hashes[:k], whole), mth(hashes[k:])]
    return [*rfc_subproof(m - k, hashes[k:], False), mth(hashes[:k])]


def flip(value: bytes, bit: int = 0) -> bytes:
    """``value`` with one bit flipped."""
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


def fails(check: object, *args: object) -> bool:
    """Whether ``check(*args)`` raises ProofInvalidError (anything else propagates)."""
    try:
        check(*args)  # type: ignore[operator]
    except ProofInvalidError:
        return True
    return False


class Recording(Mapping[NodeId, bytes]):
    """A node store that remembers every key read, to prove proofs only read what they need."""

    def __init__(self, nodes: Mapping[NodeId, bytes]) -> None:
        self.nodes, self.read = nodes, set[NodeId]()

    def __getitem__(self, key: NodeId) -> bytes:
        self.read.add(key)
        return self.nodes[key]

    def __iter__(self) -> Iterator[NodeId]:
        raise AssertionError("a proof must not list the store")

    def __len__(self) -> int:
        raise AssertionError("a proof must not count the store")


# L-01: the RFC 6962 vectors.


@pytest.mark.parametrize("size", range(9))
def test_l01_roots_of_the_vector_leaves(size: int) -> None:
    assert merkle_root(VECTOR_LEAVES[:size]) == VECTOR_ROOTS[size]
    assert root_of([leaf_hash(leaf) for leaf in VECTOR_LEAVES[:size]]) == VECTOR_ROOTS[size]
    # The evidence packages still import the same function from their own module.
    assert evidence_merkle_root(VECTOR_LEAVES[:size]) == VECTOR_ROOTS[size]


def test_l01_roots_match_the_brief_abbreviations() -> None:
    expected = ["e3b0c442b855", "6e340b9ca01d", "fac54203c125", "aeb6bcfe6e77", "d37ee41814b7"]
    expected += ["4e3bbb1f64d4", "76e67dad87ef", "ddb89be44c8c", "5dc9da794328"]
    assert [r.hex()[:8] + r.hex()[-4:] for r in VECTOR_ROOTS] == expected
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT == VECTOR_ROOTS[0]


def test_l01_frontier_hashes_and_nodes_are_the_vector_ones() -> None:
    frontier, nodes = Frontier(), dict[NodeId, bytes]()
    assert list(frontier.hashes) == VECTOR_FRONTIERS[0]
    for size, leaf in enumerate(VECTOR_LEAVES, start=1):
        nodes.update(frontier.append(leaf_hash(leaf)))
        assert list(frontier.hashes) == VECTOR_FRONTIERS[size]
        assert frontier.root() == VECTOR_ROOTS[size]
    assert nodes == VECTOR_NODES


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_l01_inclusion_vectors(index: int, size: int, path: list[bytes]) -> None:
    assert inclusion_proof(index, size, VECTOR_NODES) == path
    leaf, root = leaf_hash(VECTOR_LEAVES[index]), VECTOR_ROOTS[size]
    verify_inclusion(leaf, index, size, path, root)
    # transparency-dev's corruptInclusionProof probes.
    some = h("abacaba000000000000000000000000000000000000000000060061e00123456")
    probes = [
        (leaf, index - 1, size, path, root),
        (leaf, index + 1, size, path, root),
        (leaf, index ^ 2, size, path, root),
        (leaf, index, size * 2, path, root),
        (leaf, index, size // 2, path, root),
        (b"WrongLeaf", index, size, path, root),
        (leaf, index, size, path, EMPTY_ROOT),
        (leaf, index, size, path, some),
        (leaf, index, size, [*path, b""], root),
        (leaf, index, size, [*path, root], root),
        (leaf, index, size, [b"", *path], root),
        (leaf, index, size, [root, *path], root),
    ]
    probes += [
        (leaf, index, size, [*path[:i], flip(p, 3), *path[i + 1 :]], root)
        for i, p in enumerate(path)
    ]
    if path:
        probes.append((leaf, index, size, path[:-1], root))
    if len(path) > 1:
        probes.append((leaf, index, size, [path[0], some, *path[1:]], root))
    assert all(fails(verify_inclusion, *probe) for probe in probes)


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY_VECTORS)
def test_l01_consistency_vectors(old: int, new: int, path: list[bytes]) -> None:
    assert consistency_proof(old, new, VECTOR_NODES) == path
    r1, r2 = VECTOR_ROOTS[old], VECTOR_ROOTS[new]
    verify_consistency(old, new, r1, r2, path)
    if not path:
        return
    wrong = h("00" * 31 + "01")
    probes = [
        (old - 1, new, r1, r2, path),
        (old + 1, new, r1, r2, path),
        (old ^ 2, new, r1, r2, path),
        (old, new * 2, r1, r2, path),
        (old, new // 2, r1, r2, path),
        (old, new, wrong, r2, path),
        (old, new, r1, wrong, path),
        (old, new, r2, r1, path),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*path, b""]),
        (old, new, r1, r2, [*path, r1]),
        (old, new, r1, r2, [*path, r2]),
        (old, new, r1, r2, [b"", *path]),
        (old, new, r1, r2, [r1, *path]),
        (old, new, r1, r2, [r2, *path]),
        (old, new, r1, r2, [path[0], *path]),
        (old, new, r1, r2, path[:-1]),
    ]
    probes += [
        (old, new, r1, r2, [*path[:i], flip(p, 4), *path[i + 1 :]]) for i, p in enumerate(path)
    ]
    assert all(fails(verify_consistency, *probe) for probe in probes)


def test_edge_cases_of_inclusion() -> None:
    one = leaf_hash(b"data")
    verify_inclusion(one, 0, 1, [], one)
    some = hashlib.sha256(b"some").digest()
    for index, size in ((0, 0), (0, 1), (1, 0), (2, 1), (-1, 1)):
        assert fails(verify_inclusion, some, index, size, [], EMPTY_ROOT)
    # Hashes of the wrong length never verify, even where the bytes would line up.
    assert fails(verify_inclusion, one, 0, 1, [], one + b"\x00")
    assert fails(verify_inclusion, b"", 0, 1, [], b"")


def test_edge_cases_of_consistency() -> None:
    r1, r2 = hashlib.sha256(b"1").digest(), hashlib.sha256(b"2").digest()
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 1, EMPTY_ROOT, r2, [])
    verify_consistency(1, 1, r2, r2, [])
    refused = [
        (0, 0, EMPTY_ROOT, r2, []),
        (1, 1, r1, r2, []),
        (0, 1, r1, r2, []),  # The empty tree has one root only.
        (1, 0, r1, r2, []),
        (2, 1, r1, r2, []),
        (-1, 1, r1, r2, []),
        (1, 2, r1, r2, []),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (0, 1, EMPTY_ROOT, r2, [EMPTY_ROOT]),
        (1, 1, r2, r2, [EMPTY_ROOT]),
        (1, 2, r1[:31], r2, [r2]),
    ]
    assert all(fails(verify_consistency, *case) for case in refused)


# The generators against the RFC's recursive definitions, exhaustively for small trees.


def test_proofs_are_the_rfc_path_and_subproof_for_every_small_tree() -> None:
    for size in range(1, 70):
        hashes = LEAF_HASHES[:size]
        assert range_hash(0, size, NODES) == mth(hashes) == ROOTS[size]
        for index in range(size):
            assert inclusion_proof(index, size, NODES) == rfc_path(index, hashes)
        for old in range(1, size + 1):
            assert consistency_proof(old, size, NODES) == rfc_subproof(old, hashes, True)


def test_proofs_read_only_the_nodes_the_store_fetched() -> None:
    for index, size in ((0, 1), (5, 13), (4095, 4096), (1000, 4097), (4096, 4097)):
        wanted = nodes_for(inclusion_ranges(index, size))
        store = Recording({node: NODES[node] for node in wanted})
        assert inclusion_proof(index, size, store) == rfc_path(index, LEAF_HASHES[:size])
        assert store.read == wanted
    for old, new in ((1, 2), (6, 13), (1000, 4097), (4096, 4097), (3, 3), (0, 9)):
        wanted = nodes_for(consistency_ranges(old, new))
        store = Recording({node: NODES[node] for node in wanted})
        verify_consistency(old, new, ROOTS[old], ROOTS[new], consistency_proof(old, new, store))
        assert store.read == wanted


def test_perfect_nodes_of_the_ranges_in_trees_and_proofs() -> None:
    assert perfect_nodes(0, 0) == []
    assert perfect_nodes(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert perfect_nodes(8, 13) == [(2, 2), (0, 12)]
    assert perfect_nodes(4096, 4097) == [(0, 4096)]
    assert range_hash(7, 7, {}) == EMPTY_ROOT
    for start, end in ((3, 5), (2, 6), (-1, 2), (5, 4)):
        with pytest.raises(ValueError):
            perfect_nodes(start, end)


def test_range_arguments_are_checked() -> None:
    assert inclusion_ranges(0, 1) == []
    assert consistency_ranges(0, 5) == consistency_ranges(5, 5) == []
    assert consistency_ranges(6, 8) == [(4, 6), (6, 8), (0, 4)]
    for index, size in ((0, 0), (3, 3), (-1, 3)):
        with pytest.raises(ValueError):
            inclusion_ranges(index, size)
    for old, new in ((4, 3), (-1, 3)):
        with pytest.raises(ValueError):
            consistency_ranges(old, new)


# L-02 and L-03: random trees of up to 4096 leaves, and every way of breaking a proof.


def _sides(index: int, size: int) -> list[bool]:
    # What the verifier's arithmetic depends on: which side of the path each sibling is on.
    return [end <= index for _, end in inclusion_ranges(index, size)]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_l02_inclusion_proofs_verify_and_every_tampering_fails(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, BIG), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf, root = LEAF_HASHES[index], ROOTS[size]
    proof = inclusion_proof(index, size, NODES)
    verify_inclusion(leaf, index, size, proof, root)
    bit = data.draw(st.integers(0, 7), label="bit")
    assert fails(verify_inclusion, flip(leaf, bit), index, size, proof, root)
    assert fails(verify_inclusion, leaf, index, size, proof, flip(root, bit))
    for i, value in enumerate(proof):
        tampered = [*proof[:i], flip(value, bit), *proof[i + 1 :]]
        assert fails(verify_inclusion, leaf, index, size, tampered, root)
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other")
    if size > 1:
        assert fails(verify_inclusion, leaf, other, size, proof, root)
    # Another size passes only where the verifier cannot tell the two apart: a size that puts
    # every sibling on the same side. A signed checkpoint binds the root to its real size.
    bigger = data.draw(st.integers(index + 1, 2 * BIG).filter(lambda n: n != size), label="n")
    same = _sides(index, bigger) == _sides(index, size)
    assert fails(verify_inclusion, leaf, index, bigger, proof, root) is not same
    assert fails(verify_inclusion, leaf, index, size * 2, proof, root)
    at = data.draw(st.integers(0, len(proof)), label="at")
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
    assert fails(verify_inclusion, leaf, index, size, [*proof[:at], extra, *proof[at:]], root)
    if proof:
        dropped = proof[: min(at, len(proof) - 1)] + proof[min(at, len(proof) - 1) + 1 :]
        assert fails(verify_inclusion, leaf, index, size, dropped, root)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_l03_consistency_proofs_verify_and_every_tampering_fails(data: st.DataObject) -> None:
    new = data.draw(st.integers(1, BIG), label="new")
    old = data.draw(st.integers(0, new), label="old")
    r1, r2 = ROOTS[old], ROOTS[new]
    proof = consistency_proof(old, new, NODES)
    verify_consistency(old, new, r1, r2, proof)
    bit = data.draw(st.integers(0, 7), label="bit")
    assert fails(verify_consistency, old, new, flip(r1, bit), r2, proof)
    # From the empty tree every later tree is consistent; otherwise the new root is bound.
    assert fails(verify_consistency, old, new, r1, flip(r2, bit), proof) is bool(old)
    for i, value in enumerate(proof):
        tampered = [*proof[:i], flip(value, bit), *proof[i + 1 :]]
        assert fails(verify_consistency, old, new, r1, r2, tampered)
    other = data.draw(st.integers(0, new).filter(lambda m: m != old), label="other old")
    assert fails(verify_consistency, other, new, r1, r2, proof)
    if old:
        assert fails(verify_consistency, old, new * 2, r1, r2, proof)
        assert fails(verify_consistency, old, new // 2, r1, r2, proof) or old == new == 1
        # A tree that differs from the new one in a leaf below the old size is not a prefix.
        changed = data.draw(st.integers(0, old - 1), label="changed leaf")
        hashes = [
            *LEAF_HASHES[:changed],
            flip(LEAF_HASHES[changed]),
            *LEAF_HASHES[changed + 1 : old],
        ]
        assert fails(verify_consistency, old, new, root_of(hashes), r2, proof)
    at = data.draw(st.integers(0, len(proof)), label="at")
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
    assert fails(verify_consistency, old, new, r1, r2, [*proof[:at], extra, *proof[at:]])
    if proof:
        dropped = proof[: min(at, len(proof) - 1)] + proof[min(at, len(proof) - 1) + 1 :]
        assert fails(verify_consistency, old, new, r1, r2, dropped)


# pymerkle 7 as an independent implementation (RFC 9162 prefixes: its security flag on).


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=130))
def test_roots_and_inclusion_paths_agree_with_pymerkle(leaves: list[bytes]) -> None:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    assert tree.security and tree.leaf_prefix == b"\x00" and tree.node_prefix == b"\x01"
    frontier, nodes = Frontier(), dict[NodeId, bytes]()
    for size, leaf in enumerate(leaves, start=1):
        tree.append_entry(leaf)
        nodes.update(frontier.append(leaf_hash(leaf)))
        assert frontier.root() == tree.get_root(size) == merkle_root(leaves[:size])
    size = len(leaves)
    for index in range(size):
        theirs = tree.prove_inclusion(index + 1, size)
        assert theirs.path == [leaf_hash(leaves[index]), *inclusion_proof(index, size, nodes)]
    for old in range(1, size + 1):
        theirs_c = tree.prove_consistency(old, size)
        theirs_c.verify(tree.get_root(old), tree.get_root(size))
        verify_consistency(
            old, size, tree.get_root(old), tree.get_root(size), consistency_proof(old, size, nodes)
        )


# The frontier a store keeps between commits.


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 600), st.integers(0, 40))
def test_frontier_roots_nodes_and_round_trip(size: int, more: int) -> None:
    frontier, created = Frontier(), dict[NodeId, bytes]()
    for index, value in enumerate(LEAF_HASHES[:size]):
        nodes = frontier.append(value)
        assert nodes[0] == ((0, index), value)
        assert [level for (level, _), _ in nodes] == list(range(len(nodes)))
        created.update(nodes)
    assert frontier.size == size and frontier.root() == root_of(LEAF_HASHES[:size]) == ROOTS[size]
    assert len(frontier.hashes) == size.bit_count()
    # Exactly the perfect subtrees of the tree, each with its own hash.
    perfect = {(lv, i) for lv in range(size.bit_length()) for i in range(size >> lv)}
    assert set(created) == perfect
    assert all(v == root_of(LEAF_HASHES[i << lv : (i + 1) << lv]) for (lv, i), v in created.items())
    # A frontier rebuilt from its size and hashes grows as the original does.
    rebuilt, copy = Frontier(frontier.size, frontier.hashes), frontier.copy()
    for value in LEAF_HASHES[size : size + more]:
        assert rebuilt.append(value) == copy.append(value)
    assert rebuilt.root() == copy.root() == ROOTS[size + more]
    assert frontier.size == size and frontier.root() == ROOTS[size]


def test_frontier_refuses_a_state_that_cannot_be() -> None:
    value = LEAF_HASHES[0]
    for size, hashes in (
        (-1, []),
        (3, [value]),
        (2, [value, value]),
        (1, [value[:31]]),
        (0, [value]),
    ):
        with pytest.raises(ValueError):
            Frontier(size, hashes)
    with pytest.raises(ValueError):
        Frontier().append(value + b"\x00")
    assert Frontier().root() == EMPTY_ROOT and Frontier().hashes == ()
