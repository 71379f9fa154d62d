"""The sealed-chunk format: what the chunk digests, the AAD and the nonce each bind.

The manifest's chunk digests are over the sealed bytes, so they are checked without the key;
the tests here re-sign a manifest with the sender's key to get past those digests, and show
that the AES-GCM additional data and nonce still refuse a chunk moved to another index or
into another package, and that the file digests still refuse plaintext that differs.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from comity.crypto.evidence import (
    CHUNKS_DIR,
    KEY_FILE,
    MANIFEST_FILE,
    MANIFEST_TYP,
    chunk_file_name,
    read_manifest,
)
from comity.crypto.evidence_key import unwrap_content_key, wrap_content_key
from comity.crypto.jose import sign_compact
from comity.crypto.keys import NodeKeys, generate_node_keys
from comity.domain.errors import DecryptFailedError, DigestMismatchError
from comity.domain.evidence import merkle_root
from tests.integration.test_evidence_package import NOW, files, resolver, seal, verify


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> tuple[NodeKeys, NodeKeys]:
    root = tmp_path_factory.mktemp("keys")
    xa = generate_node_keys(root / "XA", "XA", now=NOW, with_root=False)
    xb = generate_node_keys(root / "XB", "XB", now=NOW, with_root=False)
    return xa, xb


@pytest.fixture
def package(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> Path:
    # "one": chunks 0-2 (1024, 1024, 452 bytes); "empty": none; "two": chunks 3-4 (1024 each).
    seal(files(tmp_path, one=2500, empty=0, two=2048), tmp_path / "pkg", nodes)
    return tmp_path / "pkg"


def resign(
    package: Path, nodes: tuple[NodeKeys, NodeKeys], change: Callable[[dict[str, Any]], None]
) -> None:
    """Re-sign the manifest with the sender's key after ``change``, Merkle root recomputed."""
    _, manifest = read_manifest(package, resolver(nodes))  # type: ignore[arg-type]
    document = manifest.to_document()
    change(document)
    leaves = [bytes.fromhex(digest) for digest in document["chunks"]]
    document["merkle_root"] = merkle_root(leaves).hex()
    xa = nodes[0]
    token = sign_compact(document, xa.signing, xa.signing_kid, typ=MANIFEST_TYP)
    (package / MANIFEST_FILE).write_text(token)


def chunk(package: Path, index: int) -> Path:
    return package / CHUNKS_DIR / chunk_file_name(index)


def test_a_chunk_moved_to_another_index_fails_its_tag(
    package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    a, b = chunk(package, 3), chunk(package, 4)
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)

    def swap(document: dict[str, Any]) -> None:
        digests = document["chunks"]
        digests[3], digests[4] = digests[4], digests[3]

    resign(package, nodes, swap)
    assert verify(package, nodes, decrypt=False).chunks == 5  # type: ignore[attr-defined]
    with pytest.raises(DigestMismatchError, match="chunk 00000003 was altered or moved"):
        verify(package, nodes)


def test_a_chunk_repeated_at_another_index_fails_its_tag(
    package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    chunk(package, 1).write_bytes(chunk(package, 0).read_bytes())
    resign(package, nodes, lambda d: d["chunks"].__setitem__(1, d["chunks"][0]))
    verify(package, nodes, decrypt=False)
    with pytest.raises(DigestMismatchError, match="chunk 00000001 was altered or moved"):
        verify(package, nodes)


def test_a_package_renamed_under_the_same_key_fails_every_tag(
    tmp_path: Path, package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    xb = nodes[1]
    renamed = tmp_path / "renamed"
    shutil.copytree(package, renamed)
    # The same content key, wrapped again for another package id: only the AAD and the nonce
    # can tell the chunks were sealed for "pkg-1".
    key = unwrap_content_key(
        (package / KEY_FILE).read_bytes(), "pkg-1", xb.encryption, xb.encryption_kid
    )
    wrapped = wrap_content_key(key, "pkg-2", xb.encryption.public_key(), xb.encryption_kid)
    (renamed / KEY_FILE).write_bytes(wrapped)
    resign(renamed, nodes, lambda d: d.update(package_id="pkg-2"))
    assert verify(renamed, nodes, decrypt=False).package_id == "pkg-2"  # type: ignore[attr-defined]
    with pytest.raises(DigestMismatchError, match="chunk 00000000 was altered or moved"):
        verify(renamed, nodes)


def test_a_key_file_from_another_package_is_refused(
    tmp_path: Path, package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    other = tmp_path / "other"
    seal(files(tmp_path / "o", one=10), other, nodes)
    resign(other, nodes, lambda d: d.update(package_id="pkg-2"))
    shutil.copy(package / KEY_FILE, other / KEY_FILE)
    with pytest.raises(DecryptFailedError):
        verify(other, nodes)


@pytest.mark.parametrize(("position", "name"), [(0, "one"), (1, "empty"), (2, "two")])
def test_a_file_digest_that_differs_is_found_with_the_key(
    package: Path, nodes: tuple[NodeKeys, NodeKeys], position: int, name: str
) -> None:
    resign(package, nodes, lambda d: d["files"][position].update(sha256="00" * 32))
    verify(package, nodes, decrypt=False)  # Only the key opens the plaintext.
    with pytest.raises(DigestMismatchError, match=f"file '{name}' does not match its digest"):
        verify(package, nodes)


def test_sealed_chunks_are_not_the_plaintext_digests(
    package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    _, manifest = read_manifest(package, resolver(nodes))  # type: ignore[arg-type]
    for index in range(5):
        sealed = chunk(package, index).read_bytes()
        assert manifest.chunks[index] == hashlib.sha256(sealed).hexdigest()
        manifest.check_sealed_chunk(index, manifest.chunks[index], len(sealed))
