"""A receiving node whose evidence volume fills up during a transfer: ``STORAGE_FULL``, nothing
released, and the transfer resumes and completes once space returns (issue 5, faults).

The volume is a real size-limited tmpfs mounted for the test (this needs root, which CI and
the development machines of this project have), grown afterwards with ``remount``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from comity.crypto.evidence_files import FileEvidenceStore
from comity.domain.errors import StorageFullError
from comity.domain.evidence_packages import PackageStatus
from comity.federation_setup import _keys
from comity.services.evidence_transfer import TransferRelay
from tests.federation_harness import FedNode
from tests.integration.test_evidence_transfer import (
    CHUNK,
    CountingPeers,
    a_file,
    actions,
    chunk_of,
    exchanged,
    in_process,
    read_all,
    sealed,
    small_chunks,
    status,
    with_peers,
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


@pytest.fixture
def small_volume(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: room for the manifest, the key and a few chunks."""
    mount_point = tmp_path / "volume"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(mount_point)],
        check=True,
    )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def on_volume(node: FedNode, volume: Path) -> None:
    kit = node.ctx.evidence
    assert kit is not None
    store = FileEvidenceStore(volume, _keys(node.settings), node.state, CHUNK)
    node.container.services = replace(node.ctx, evidence=replace(kit, files=store))


def test_a_full_disk_on_the_receiver_holds_the_transfer_until_space_returns(
    nodes: dict[str, FedNode], tmp_path: Path, small_volume: Path
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    on_volume(xa, small_volume)
    _, copy_id = exchanged(nodes)
    image = a_file(tmp_path, "disk.img", 40 * CHUNK)
    package_id = sealed(xb, copy_id, image)
    counting = CountingPeers(in_process(xb))
    with_peers(xb, counting)

    assert TransferRelay().run_once(xb.ctx) == 0

    assert status(xa, package_id) is PackageStatus.RECEIVING
    assert status(xb, package_id) is PackageStatus.SENDING
    kit = xa.ctx.evidence
    assert kit is not None
    held = kit.files.held(package_id)
    assert 0 < len(held) < 40
    # The chunk that did not fit was refused as STORAGE_FULL and left nothing behind.
    answer = counting.inner.put_chunk(
        xa.ctx.federation.trust.current().state("XA"),  # type: ignore[union-attr]
        package_id,
        max(held) + 1,
        chunk_of(xb, package_id, max(held) + 1),
    )
    assert answer.code == StorageFullError.code
    assert not list((small_volume / "incoming" / package_id / "chunks").glob(".*"))

    subprocess.run(["mount", "-o", "remount,size=1m", str(small_volume)], check=True)
    assert TransferRelay().run_once(xb.ctx) == 1

    assert status(xa, package_id) is PackageStatus.RELEASED
    assert actions(xb, package_id)[-3:] == ["received", "verified", "stored"]
    got = read_all(xa, package_id, "disk.img")
    assert hashlib.sha256(got).digest() == hashlib.sha256(image.read_bytes()).digest()
