"""Sealing real files into an evidence package with real node keys, and verifying it offline."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from comity.crypto.evidence import (
    CHUNKS_DIR,
    KEY_FILE,
    MANIFEST_FILE,
    MANIFEST_TYP,
    TAG_BYTES,
    _load_chunk,
    chunk_file_name,
    open_file,
    read_manifest,
    read_manifest_token,
    seal_package,
    sealed_length,
    verify_package,
)
from comity.crypto.jose import sign_compact
from comity.crypto.keys import NodeKeys, generate_node_keys
from comity.domain.errors import (
    DecryptFailedError,
    DigestMismatchError,
    PackageUnsafeError,
    SignatureInvalidError,
    SignerUntrustedError,
)
from comity.domain.evidence import AcquisitionRecord, Manifest, merkle_root

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ACQ = AcquisitionRecord("Officer A", NOW, "logical copy", "dd 9.4", "laptop S/N 1", "REQ-1")
CHUNK = 1024


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> tuple[NodeKeys, NodeKeys]:
    root = tmp_path_factory.mktemp("keys")
    xa = generate_node_keys(root / "XA", "XA", now=NOW, with_root=False)
    xb = generate_node_keys(root / "XB", "XB", now=NOW, with_root=False)
    return xa, xb


def seal(
    paths: list[Path],
    out: Path,
    nodes: tuple[NodeKeys, NodeKeys],
    chunk_size: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Manifest:
    xa, xb = nodes
    return seal_package(
        paths,
        out_dir=out,
        keys=xa,
        recipient_kid=xb.encryption_kid,
        recipient_key=xb.encryption.public_key(),
        sender_state="XA",
        recipient_state="XB",
        request_reference="REQ-1",
        acquisition=ACQ,
        now=NOW,
        package_id="pkg-1",
        chunk_size=chunk_size,
        progress=progress,
    )


def resolver(nodes: tuple[NodeKeys, NodeKeys]) -> Callable[[str], object]:
    xa = nodes[0]
    return {xa.signing_kid: xa.signing.public_key()}.__getitem__


def verify(pkg: Path, nodes: tuple[NodeKeys, NodeKeys], *, decrypt: bool = True) -> object:
    xb = nodes[1]
    return verify_package(
        pkg,
        resolve_signer=resolver(nodes),  # type: ignore[arg-type]
        decryption_key=xb.encryption if decrypt else None,
        recipient_kid=xb.encryption_kid if decrypt else None,
    )


def files(tmp_path: Path, **sizes: int) -> list[Path]:
    paths = []
    for name, size in sizes.items():
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
        paths.append(path)
    return paths


def test_seal_then_verify(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    paths = files(tmp_path, a_bin=3000, empty=0, exact=4 * CHUNK)
    pkg = tmp_path / "pkg"
    progressed: list[int] = []
    manifest = seal(paths, pkg, nodes, progress=progressed.append)
    assert sum(progressed) == 3000 + 4 * CHUNK and len(progressed) == 7
    assert [f.chunk_count for f in manifest.files] == [3, 0, 4]
    assert len(manifest.chunks) == 7
    assert stat.S_IMODE(pkg.stat().st_mode) == 0o700
    for item in [pkg / MANIFEST_FILE, pkg / KEY_FILE, *(pkg / CHUNKS_DIR).iterdir()]:
        assert stat.S_IMODE(item.stat().st_mode) == 0o600
    assert (pkg / "chunks" / "00000002").stat().st_size == 3000 - 2 * CHUNK + 16
    assert sealed_length(3000 - 2 * CHUNK) == 3000 - 2 * CHUNK + TAG_BYTES
    report = verify(pkg, nodes)
    assert (report.files, report.bytes, report.chunks) == (3, 3000 + 4 * CHUNK, 7)  # type: ignore[attr-defined]
    assert verify(pkg, nodes, decrypt=False).contents_checked is False  # type: ignore[attr-defined]
    for path in paths:
        streamed = b"".join(
            open_file(pkg, manifest, path.name, nodes[1].encryption, nodes[1].encryption_kid)
        )
        assert streamed == path.read_bytes()


def test_chunk_digests_are_over_the_sealed_bytes(
    tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    paths = files(tmp_path, a_bin=3000, empty=0, exact=4 * CHUNK)
    pkg = tmp_path / "pkg"
    manifest = seal(paths, pkg, nodes)
    stored = [(pkg / CHUNKS_DIR / chunk_file_name(i)).read_bytes() for i in range(7)]
    # Anyone can recompute both from the package as stored, without the key.
    assert manifest.chunks == tuple(hashlib.sha256(data).hexdigest() for data in stored)
    root = merkle_root([hashlib.sha256(data).digest() for data in stored])
    assert manifest.merkle_root == root.hex()
    assert [len(data) for data in stored] == [n for _, n in manifest.sealed_chunk_lengths()]
    # The plaintext stays only in the file digests.
    assert [f.sha256 for f in manifest.files] == [
        hashlib.sha256(path.read_bytes()).hexdigest() for path in paths
    ]
    assert paths[0].read_bytes()[:CHUNK] not in stored[0]


def test_read_manifest_token_verifies_bytes(
    tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    manifest = seal(files(tmp_path, one=10), tmp_path / "pkg", nodes)
    token = (tmp_path / "pkg" / MANIFEST_FILE).read_bytes()
    kid, read = read_manifest_token(token + b"\n", resolver(nodes))  # type: ignore[arg-type]
    assert (kid, read) == (nodes[0].signing_kid, manifest)
    assert read_manifest(tmp_path / "pkg", resolver(nodes)) == (kid, read)  # type: ignore[arg-type]
    # One bit of the signature flipped (changing its last characters could leave the decoded
    # bytes as they were: the last base64 character carries padding bits, and "AA" may
    # already be there).
    header, payload, signature = token.strip().split(b".")
    raw = base64.urlsafe_b64decode(signature + b"=" * (-len(signature) % 4))
    flipped = base64.urlsafe_b64encode(bytes([raw[0] ^ 1]) + raw[1:]).rstrip(b"=")
    with pytest.raises(SignatureInvalidError):
        read_manifest_token(b".".join((header, payload, flipped)), resolver(nodes))  # type: ignore[arg-type]
    with pytest.raises(SignerUntrustedError):
        read_manifest_token(token, {}.__getitem__)
    (tmp_path / "pkg" / MANIFEST_FILE).unlink()
    with pytest.raises(PackageUnsafeError, match=r"no manifest\.jws"):
        read_manifest(tmp_path / "pkg", resolver(nodes))  # type: ignore[arg-type]


def test_zero_file_package(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    manifest = seal([], tmp_path / "pkg", nodes)
    assert manifest.files == () and manifest.chunks == ()
    assert manifest.merkle_root == hashlib.sha256(b"").hexdigest()
    assert verify(tmp_path / "pkg", nodes).bytes == 0  # type: ignore[attr-defined]
    assert verify(tmp_path / "pkg", nodes, decrypt=False).chunks == 0  # type: ignore[attr-defined]


def test_empty_files_only(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    paths = files(tmp_path, a=0, b=0)
    manifest = seal(paths, tmp_path / "pkg", nodes)
    assert [f.sha256 for f in manifest.files] == [hashlib.sha256(b"").hexdigest()] * 2
    assert manifest.chunks == ()
    report = verify(tmp_path / "pkg", nodes)
    assert (report.files, report.chunks, report.bytes) == (2, 0, 0)  # type: ignore[attr-defined]
    xb = nodes[1]
    assert list(open_file(tmp_path / "pkg", manifest, "a", xb.encryption, xb.encryption_kid)) == []


def test_unsafe_inputs_are_refused(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    (target,) = files(tmp_path, real=10)
    link = tmp_path / "link"
    link.symlink_to(target)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    directory = tmp_path / "adir"
    directory.mkdir()
    for bad in (link, fifo, directory, Path("/dev/null"), tmp_path / "absent"):
        with pytest.raises(PackageUnsafeError):
            seal([target, bad], tmp_path / f"pkg-{bad.name}", nodes)
    with pytest.raises(PackageUnsafeError, match="same file name"):
        seal([target, target], tmp_path / "dup", nodes)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(PackageUnsafeError, match="not empty"):
        seal([target], tmp_path / "full", nodes)


@pytest.fixture
def package(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> Path:
    seal(files(tmp_path, one=2500, two=2048), tmp_path / "pkg", nodes)
    return tmp_path / "pkg"


# The fixture package: "one" is 2500 bytes in chunks 0-2, "two" 2048 bytes in chunks 3-4.
@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize("where", ["first", "middle", "tag"])
def test_a_flipped_bit_is_found_without_the_key(
    package: Path, nodes: tuple[NodeKeys, NodeKeys], index: int, where: str
) -> None:
    chunk = package / CHUNKS_DIR / chunk_file_name(index)
    data = bytearray(chunk.read_bytes())
    position = {"first": 0, "middle": len(data) // 2, "tag": len(data) - 1}[where]
    data[position] ^= 0x01
    chunk.write_bytes(bytes(data))
    message = f"chunk {chunk_file_name(index)} does not match its digest"
    for decrypt in (False, True):
        with pytest.raises(DigestMismatchError) as caught:
            verify(package, nodes, decrypt=decrypt)
        assert caught.value.detail == message


def test_the_first_bad_chunk_is_named(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    for index in (4, 1, 3):
        chunk = package / CHUNKS_DIR / chunk_file_name(index)
        chunk.write_bytes(bytes(len(chunk.read_bytes())))
    for decrypt in (False, True):
        with pytest.raises(DigestMismatchError, match="chunk 00000001 does not match"):
            verify(package, nodes, decrypt=decrypt)


@pytest.mark.parametrize("decrypt", [False, True])
def test_a_missing_chunk(package: Path, nodes: tuple[NodeKeys, NodeKeys], decrypt: bool) -> None:
    (package / "chunks" / "00000001").unlink()
    with pytest.raises(DigestMismatchError, match="00000001 is missing"):
        verify(package, nodes, decrypt=decrypt)


def test_no_chunks_directory(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    for chunk in (package / CHUNKS_DIR).iterdir():
        chunk.unlink()
    (package / CHUNKS_DIR).rmdir()
    with pytest.raises(DigestMismatchError, match="00000000 is missing"):
        verify(package, nodes, decrypt=False)


@pytest.mark.parametrize("decrypt", [False, True])
@pytest.mark.parametrize(("index", "cut"), [(4, 1), (4, TAG_BYTES), (0, CHUNK), (2, 1)])
def test_a_truncated_chunk(
    package: Path, nodes: tuple[NodeKeys, NodeKeys], decrypt: bool, index: int, cut: int
) -> None:
    chunk = package / CHUNKS_DIR / chunk_file_name(index)
    chunk.write_bytes(chunk.read_bytes()[:-cut])
    with pytest.raises(DigestMismatchError, match=f"{chunk_file_name(index)} has the wrong size"):
        verify(package, nodes, decrypt=decrypt)


def test_a_grown_chunk(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    chunk = package / CHUNKS_DIR / "00000002"
    chunk.write_bytes(chunk.read_bytes() + b"\x00")
    with pytest.raises(DigestMismatchError, match="00000002 has the wrong size"):
        verify(package, nodes, decrypt=False)


@pytest.mark.parametrize("name", ["00000099", "00000005", ".00000001.part", "x"])
def test_an_extra_chunk_file(package: Path, nodes: tuple[NodeKeys, NodeKeys], name: str) -> None:
    (package / "chunks" / name).write_bytes(b"x")
    with pytest.raises(PackageUnsafeError, match=re.escape(name)):
        verify(package, nodes, decrypt=False)


def test_swapped_chunks_are_refused(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    a, b = package / "chunks" / "00000003", package / "chunks" / "00000004"
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    for decrypt in (False, True):
        with pytest.raises(DigestMismatchError, match="00000003"):
            verify(package, nodes, decrypt=decrypt)


def test_a_chunk_from_another_package_is_refused(
    tmp_path: Path, package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    other = tmp_path / "other"
    seal(files(tmp_path / "o", one=2500, two=2048), other, nodes)
    (package / "chunks" / "00000000").write_bytes((other / "chunks" / "00000000").read_bytes())
    for decrypt in (False, True):
        with pytest.raises(DigestMismatchError, match="00000000 does not match its digest"):
            verify(package, nodes, decrypt=decrypt)


def test_links_and_other_files_in_the_package_are_refused(
    tmp_path: Path, package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    chunk = package / CHUNKS_DIR / "00000001"
    copy = tmp_path / "copy"
    copy.write_bytes(chunk.read_bytes())
    chunk.unlink()
    chunk.symlink_to(copy)
    with pytest.raises(PackageUnsafeError, match="00000001 is not a regular file"):
        verify(package, nodes, decrypt=False)
    chunk.unlink()
    os.mkfifo(chunk)
    with pytest.raises(PackageUnsafeError, match="00000001 is not a regular file"):
        verify(package, nodes, decrypt=False)
    chunk.unlink()
    chunk.mkdir()
    with pytest.raises(PackageUnsafeError, match="00000001 is not a regular file"):
        verify(package, nodes, decrypt=False)


def test_a_linked_chunks_directory_is_refused(
    tmp_path: Path, package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    moved = tmp_path / "elsewhere"
    (package / CHUNKS_DIR).rename(moved)
    (package / CHUNKS_DIR).symlink_to(moved)
    with pytest.raises(PackageUnsafeError, match="'chunks' is not a directory"):
        verify(package, nodes, decrypt=False)


def test_a_linked_manifest_is_refused(
    tmp_path: Path, package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    moved = tmp_path / "manifest.jws"
    (package / MANIFEST_FILE).rename(moved)
    (package / MANIFEST_FILE).symlink_to(moved)
    with pytest.raises(PackageUnsafeError, match=r"no manifest\.jws"):
        verify(package, nodes, decrypt=False)


def test_a_missing_key_file(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    (package / KEY_FILE).unlink()
    verify(package, nodes, decrypt=False)
    with pytest.raises(PackageUnsafeError, match=r"no key\.jwe"):
        verify(package, nodes)


def test_a_tampered_manifest(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    header, payload, signature = (package / "manifest.jws").read_text().split(".")
    signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    (package / "manifest.jws").write_text(".".join([header, payload, signature]))
    with pytest.raises(SignatureInvalidError):
        verify(package, nodes, decrypt=False)


def test_an_unknown_signer(package: Path) -> None:
    with pytest.raises(SignerUntrustedError):
        verify_package(package, resolve_signer={}.__getitem__)


def test_another_nodes_key_cannot_open(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    with pytest.raises(DecryptFailedError):
        verify_package(
            package,
            resolve_signer=resolver(nodes),
            decryption_key=nodes[0].encryption,  # type: ignore[arg-type]
        )


def test_a_signed_manifest_with_traversal(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    _, manifest = read_manifest(package, resolver(nodes))  # type: ignore[arg-type]
    document = manifest.to_document()
    document["files"][0]["path"] = "../../etc/cron.d/evil"
    xa = nodes[0]
    (package / "manifest.jws").write_text(
        sign_compact(document, xa.signing, xa.signing_kid, typ=MANIFEST_TYP)
    )
    with pytest.raises(PackageUnsafeError, match="unsafe component"):
        verify(package, nodes, decrypt=False)


def test_a_signed_manifest_with_a_wrong_merkle_root(
    package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    _, manifest = read_manifest(package, resolver(nodes))  # type: ignore[arg-type]
    document = manifest.to_document() | {"merkle_root": "00" * 32}
    xa = nodes[0]
    (package / "manifest.jws").write_text(
        sign_compact(document, xa.signing, xa.signing_kid, typ=MANIFEST_TYP)
    )
    with pytest.raises(DigestMismatchError, match="Merkle root"):
        verify(package, nodes, decrypt=False)


def test_open_file_streams_only_verified_chunks(
    package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    xb = nodes[1]
    _, manifest = read_manifest(package, resolver(nodes))  # type: ignore[arg-type]
    chunk = package / CHUNKS_DIR / "00000001"
    data = bytearray(chunk.read_bytes())
    data[5] ^= 0x10
    chunk.write_bytes(bytes(data))
    stream = open_file(package, manifest, "one", xb.encryption, xb.encryption_kid)
    assert len(next(stream)) == CHUNK  # Chunk 0 is sound.
    with pytest.raises(DigestMismatchError, match="00000001 does not match its digest"):
        next(stream)
    # Another file of the package is not affected.
    assert len(b"".join(open_file(package, manifest, "two", xb.encryption, None))) == 2048
    with pytest.raises(KeyError):
        next(open_file(package, manifest, "three", xb.encryption, None))


def test_open_file_can_stop_early(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    xb = nodes[1]
    _, manifest = read_manifest(package, resolver(nodes))  # type: ignore[arg-type]
    stream = open_file(package, manifest, "one", xb.encryption, xb.encryption_kid)
    first = next(stream)
    stream.close()  # type: ignore[attr-defined]
    assert len(first) == CHUNK


def traced_peak(action: Callable[[], object]) -> int:
    """The most memory Python held at once during ``action``, beyond what it held before."""
    tracemalloc.start()
    try:
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def test_memory_stays_bounded(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    # Four 4 MiB chunks in flight, plaintext and sealed (32 MiB), and the chunks open_file hands
    # out: the same whatever the file's size, so a 64 MiB file (sixteen chunks) stays below.
    big = tmp_path / "big.img"
    with big.open("wb") as handle:
        for _ in range(64):
            handle.write(os.urandom(1024 * 1024))
    bound = 48 * 1024 * 1024
    pkg = tmp_path / "pkg"
    peak = traced_peak(lambda: seal([big], pkg, nodes, chunk_size=4 * 1024 * 1024))
    assert peak < bound, peak
    _, manifest = read_manifest(pkg, resolver(nodes))  # type: ignore[arg-type]
    assert len(manifest.chunks) == 16
    peak = traced_peak(lambda: verify(pkg, nodes))
    assert peak < bound, peak
    peak = traced_peak(lambda: verify(pkg, nodes, decrypt=False))
    assert peak < bound // 2, peak
    xb = nodes[1]
    stream = open_file(pkg, manifest, "big.img", xb.encryption, xb.encryption_kid)
    peak = traced_peak(lambda: sum(len(chunk) for chunk in stream))
    assert peak < bound, peak
    assert verify(pkg, nodes).bytes == 64 * 1024 * 1024  # type: ignore[attr-defined]


def test_a_chunk_swapped_after_the_first_look_is_refused(tmp_path: Path) -> None:
    # Verification looks at every chunk file before reading any; a file replaced in between
    # is caught again when it is opened, without following a link or blocking on a FIFO.
    buffer = bytearray(64)
    (tmp_path / "00000000").write_bytes(b"s" * 20)
    assert bytes(_load_chunk(tmp_path, 0, 20, buffer)) == b"s" * 20
    with pytest.raises(DigestMismatchError, match="00000000 has the wrong size"):
        _load_chunk(tmp_path, 0, 21, buffer)
    with pytest.raises(DigestMismatchError, match="00000001 is missing"):
        _load_chunk(tmp_path, 1, 20, buffer)
    (tmp_path / "00000002").symlink_to(tmp_path / "00000000")
    os.mkfifo(tmp_path / "00000003")
    for index in (2, 3):
        with pytest.raises(PackageUnsafeError, match=f"0000000{index} is not a regular file"):
            _load_chunk(tmp_path, index, 20, buffer)
