"""The evidence manifest: safe paths, the RFC 9162 Merkle root, strict documents."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comity.domain.errors import DigestMismatchError, PackageUnsafeError
from comity.domain.evidence import (
    TAG_BYTES,
    AcquisitionRecord,
    FileEntry,
    Manifest,
    check_package_id,
    check_path,
    chunk_count,
    chunk_file_name,
    merkle_root,
    sealed_length,
)


def reference_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, written as the RFC states it: split at the largest power of two < n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + reference_mth(leaves[:k]) + reference_mth(leaves[k:])).digest()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33])
def test_merkle_root_matches_the_rfc_9162_definition(n: int) -> None:
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(n)]
    assert merkle_root(leaves) == reference_mth(leaves)


def test_merkle_root_known_values() -> None:
    # The empty tree and a single leaf, straight from the definition.
    assert merkle_root([]).hex() == hashlib.sha256(b"").hexdigest()
    leaf = b"\x00" * 32
    assert merkle_root([leaf]) == hashlib.sha256(b"\x00" + leaf).digest()
    # Order matters: swapping two leaves changes the root.
    a, b = b"a" * 32, b"b" * 32
    assert merkle_root([a, b]) != merkle_root([b, a])


@pytest.mark.parametrize(
    # The last one is Persian, with the zero-width non-joiner its spelling needs.
    "path",
    [
        "a.bin",
        "dir/a.bin",
        "d/e/f.txt",
        "..a",
        "a..",
        "é.txt",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.pdf",
    ],
)
def test_safe_paths_pass(path: str) -> None:
    assert check_path(path) == path


@pytest.mark.parametrize(
    "path",
    [
        *("", "/etc/passwd", "../x", "a/../b", "a//b", "a/", "./a", "a/.", "a\x00b", "a\\b"),
        # A line feed, a tab, DEL, a C1 control, a right-to-left override, a zero-width space.
        *("a\nb.txt", "a\tb", "a\x7fb", "a\x85b", "report\u202efdp.exe", "a\u200bb"),
        *("a\u2066b", "\ufeffa.txt"),
    ],
)
def test_unsafe_paths_are_refused(path: str) -> None:
    with pytest.raises(PackageUnsafeError):
        check_path(path)


def test_package_ids() -> None:
    assert check_package_id("pkg-1.2:3_4") == "pkg-1.2:3_4"
    for bad in ("", "a/b", "x" * 129, "é"):
        with pytest.raises(PackageUnsafeError):
            check_package_id(bad)


def test_chunk_count() -> None:
    assert [chunk_count(size, 4) for size in (0, 1, 4, 5, 8, 9)] == [0, 1, 1, 2, 2, 3]


def test_chunk_file_names_and_sealed_lengths() -> None:
    assert [chunk_file_name(i) for i in (0, 7, 12345678)] == ["00000000", "00000007", "12345678"]
    assert TAG_BYTES == 16
    assert [sealed_length(n) for n in (0, 1, 4096)] == [16, 17, 4112]


NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DIGEST = "ab" * 32


def manifest(sizes: list[int] = [5, 0, 8], chunk_size: int = 4) -> Manifest:  # noqa: B006
    files, first = [], 0
    for i, size in enumerate(sizes):
        count = chunk_count(size, chunk_size)
        files.append(FileEntry(f"f{i}.bin", size, "application/octet-stream", DIGEST, first, count))
        first += count
    chunks = tuple(hashlib.sha256(bytes([i])).hexdigest() for i in range(first))
    return Manifest(
        package_id="pkg-1",
        sender_state="XA",
        recipient_state="XB",
        request_reference="REQ-1",
        chunk_size=chunk_size,
        chunks=chunks,
        merkle_root=merkle_root([bytes.fromhex(c) for c in chunks]).hex(),
        files=tuple(files),
        acquisition=AcquisitionRecord(
            "Officer A", NOW, "logical copy", "dd 9.4", "laptop S/N 1", "REQ-1"
        ),
        created_at=NOW,
    )


def test_round_trip_and_chunk_lengths() -> None:
    m = manifest()
    doc = m.to_document()
    assert doc["created_at"] == "2025-03-01T12:00:00Z"
    assert Manifest.from_document(doc) == m
    assert list(m.chunk_lengths()) == [(0, 4), (1, 1), (2, 4), (3, 4)]
    assert m.total_bytes == 13
    assert m.file("f2.bin").first_chunk == 2
    with pytest.raises(KeyError):
        m.file("nope")


def test_sealed_chunk_lengths() -> None:
    # f0: 5 bytes in chunks 0-1, f1: empty, f2: 8 bytes in chunks 2-3; each sealed adds a tag.
    assert list(manifest().sealed_chunk_lengths()) == [(0, 20), (1, 17), (2, 20), (3, 20)]
    assert list(manifest([]).sealed_chunk_lengths()) == []


def test_check_sealed_chunk_accepts_every_chunk_as_sealed() -> None:
    m = manifest([5, 0, 8, 0, 3, 0])
    for index, length in m.sealed_chunk_lengths():
        m.check_sealed_chunk(index, m.chunks[index], length)
    # A chunk right after an empty file belongs to the next file, not the empty one.
    m.check_sealed_chunk(2, m.chunks[2], 20)
    # The last chunk is the short one of f4, whatever empty files follow it.
    m.check_sealed_chunk(4, m.chunks[4], 3 + TAG_BYTES)


@pytest.mark.parametrize(
    ("index", "digest", "length", "message"),
    [
        (-1, DIGEST, 20, "chunk index -1 is not in the manifest"),
        (4, DIGEST, 20, "chunk index 4 is not in the manifest"),
        (1, None, 20, "chunk 00000001 has the wrong size"),
        (1, None, 16, "chunk 00000001 has the wrong size"),
        (3, DIGEST, 20, "chunk 00000003 does not match its digest"),
        (3, "", 20, "chunk 00000003 does not match its digest"),
    ],
)
def test_check_sealed_chunk_refuses(
    index: int, digest: str | None, length: int, message: str
) -> None:
    m = manifest()
    with pytest.raises(DigestMismatchError) as caught:
        m.check_sealed_chunk(index, m.chunks[index] if digest is None else digest, length)
    assert caught.value.detail == message


def test_check_sealed_chunk_in_a_package_without_chunks() -> None:
    with pytest.raises(DigestMismatchError, match="chunk index 0 is not in the manifest"):
        manifest([0, 0]).check_sealed_chunk(0, DIGEST, TAG_BYTES)


def _mutations() -> list[tuple[str, Any]]:
    return [
        ("extra", lambda d: d.update(extra=1)),
        ("missing", lambda d: d.pop("files")),
        ("not-object", lambda d: d.update(acquisition=[])),
        ("version", lambda d: d.update(version=2)),
        ("bool", lambda d: d.update(chunk_size=True)),
        ("chunk_size", lambda d: d.update(chunk_size=0)),
        ("chunk", lambda d: d["chunks"].__setitem__(0, "AB" * 32)),
        ("chunks-array", lambda d: d.update(chunks="x")),
        ("root", lambda d: d.update(merkle_root=7)),
        ("traversal", lambda d: d["files"][0].update(path="../../etc/passwd")),
        ("absolute", lambda d: d["files"][0].update(path="/etc/passwd")),
        ("duplicate", lambda d: d["files"][1].update(path="f0.bin")),
        ("first_chunk", lambda d: d["files"][2].update(first_chunk=3)),
        ("count", lambda d: d["files"][0].update(chunk_count=1)),
        ("too-many", lambda d: d["chunks"].append("cd" * 32)),
        ("text", lambda d: d.update(sender_state="")),
        ("instant", lambda d: d.update(created_at="yesterday")),
        ("naive", lambda d: d["acquisition"].update(acquired_at="2025-01-01T00:00:00")),
        ("package_id", lambda d: d.update(package_id="a/b")),
        ("negative", lambda d: d["files"][0].update(size=-1)),
        ("file-extra", lambda d: d["files"][0].update(mode=0o777)),
    ]


@pytest.mark.parametrize(("name", "mutate"), _mutations(), ids=[n for n, _ in _mutations()])
def test_strict_documents_refuse(name: str, mutate: Any) -> None:
    doc = manifest().to_document()
    mutate(doc)
    with pytest.raises(PackageUnsafeError) as caught:
        Manifest.from_document(doc)
    assert "manifest" in caught.value.detail or "package id" in caught.value.detail


def test_a_non_object_is_refused() -> None:
    with pytest.raises(PackageUnsafeError, match="manifest is not an object"):
        Manifest.from_document([])


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=40), max_size=6),
    chunk_size=st.integers(min_value=1, max_value=16),
)
def test_round_trip_property(sizes: list[int], chunk_size: int) -> None:
    m = manifest(sizes, chunk_size)
    assert Manifest.from_document(m.to_document()) == m
    assert sum(length for _, length in m.chunk_lengths()) == sum(sizes)
    sealed = list(m.sealed_chunk_lengths())
    assert sealed == [(i, sealed_length(n)) for i, n in m.chunk_lengths()]
    for index, length in sealed:
        m.check_sealed_chunk(index, m.chunks[index], length)
