"""Sealing real files into an evidence package with real node keys, and verifying it offline."""

from __future__ import annotations

import os
import stat
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from comity.crypto.evidence import (
    MANIFEST_TYP,
    open_file,
    read_manifest,
    seal_package,
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
from comity.domain.evidence import AcquisitionRecord, Manifest

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
    paths: list[Path], out: Path, nodes: tuple[NodeKeys, NodeKeys], chunk_size: int = CHUNK
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
    manifest = seal(paths, pkg, nodes)
    assert [f.chunk_count for f in manifest.files] == [3, 0, 4]
    assert len(manifest.chunks) == 7
    assert stat.S_IMODE(pkg.stat().st_mode) == 0o700
    for item in [pkg / "manifest.jws", pkg / "key.jwe", *(pkg / "chunks").iterdir()]:
        assert stat.S_IMODE(item.stat().st_mode) == 0o600
    assert (pkg / "chunks" / "00000002").stat().st_size == 3000 - 2 * CHUNK + 16
    report = verify(pkg, nodes)
    assert (report.files, report.bytes, report.chunks) == (3, 3000 + 4 * CHUNK, 7)  # type: ignore[attr-defined]
    assert verify(pkg, nodes, decrypt=False).contents_checked is False  # type: ignore[attr-defined]
    for path in paths:
        streamed = b"".join(
            open_file(pkg, manifest, path.name, nodes[1].encryption, nodes[1].encryption_kid)
        )
        assert streamed == path.read_bytes()


def test_zero_file_package(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    manifest = seal([], tmp_path / "pkg", nodes)
    assert manifest.files == () and manifest.chunks == ()
    assert verify(tmp_path / "pkg", nodes).bytes == 0  # type: ignore[attr-defined]


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


def test_a_flipped_bit_is_found(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    chunk = package / "chunks" / "00000003"
    data = bytearray(chunk.read_bytes())
    data[100] ^= 0x01
    chunk.write_bytes(bytes(data))
    verify(package, nodes, decrypt=False)  # Sizes still hold; only the key can tell.
    with pytest.raises(DigestMismatchError, match="00000003"):
        verify(package, nodes)


def test_a_missing_chunk(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    (package / "chunks" / "00000001").unlink()
    with pytest.raises(DigestMismatchError, match="00000001 is missing"):
        verify(package, nodes, decrypt=False)


def test_a_truncated_last_chunk(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    chunk = package / "chunks" / "00000004"
    chunk.write_bytes(chunk.read_bytes()[:-1])
    with pytest.raises(DigestMismatchError, match="00000004 has the wrong size"):
        verify(package, nodes, decrypt=False)


def test_an_extra_chunk_file(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    (package / "chunks" / "00000099").write_bytes(b"x")
    with pytest.raises(PackageUnsafeError, match="00000099"):
        verify(package, nodes, decrypt=False)


def test_swapped_chunks_are_refused(package: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    a, b = package / "chunks" / "00000003", package / "chunks" / "00000004"
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    with pytest.raises(DigestMismatchError, match="00000003"):
        verify(package, nodes)


def test_a_chunk_from_another_package_is_refused(
    tmp_path: Path, package: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    other = tmp_path / "other"
    seal(files(tmp_path / "o", one=2500, two=2048), other, nodes)
    (package / "chunks" / "00000000").write_bytes((other / "chunks" / "00000000").read_bytes())
    with pytest.raises(DigestMismatchError, match="00000000"):
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


def test_memory_stays_bounded(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    big = tmp_path / "big.img"
    with big.open("wb") as handle:
        for _ in range(64):
            handle.write(os.urandom(1024 * 1024))
    tracemalloc.start()
    try:
        manifest = seal([big], tmp_path / "pkg", nodes, chunk_size=4 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(manifest.chunks) == 16
    assert peak < 32 * 1024 * 1024, peak
    assert verify(tmp_path / "pkg", nodes).bytes == 64 * 1024 * 1024  # type: ignore[attr-defined]
