"""Evidence packages between two real nodes: seal under a request, transfer chunk by chunk
through the receiver's real federation app (real RFC 9421 signatures), resume after a break,
verify on arrival, release, open under the usage policy, and keep the custody chain on both."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from comity.cli.main import app as cli
from comity.crypto.evidence import CHUNKS_DIR, chunk_file_name
from comity.crypto.evidence_files import FileEvidenceStore
from comity.domain.custody import CustodyAction
from comity.domain.errors import (
    ConflictError,
    CustodyBrokenError,
    DigestMismatchError,
    NotFoundError,
    PermissionDeniedError,
    PurposeDeniedError,
)
from comity.domain.evidence import AcquisitionRecord
from comity.domain.evidence_packages import Direction, PackageStatus
from comity.domain.workflow import Status
from comity.federation_setup import _keys
from comity.services import evidence, evidence_arrival, exchange, requests
from comity.services.evidence_ports import TransferAnswer
from comity.services.evidence_transfer import TransferRelay
from comity.store.tables import data_access
from tests.federation_harness import FedNode, InProcessPeers
from tests.integration.test_federation import approved, relay, rows, the_copy

CHUNK = 4096


def small_chunks(node: FedNode) -> None:
    """Seal with 4 KiB chunks so that small files make many chunks."""
    kit = node.ctx.evidence
    assert kit is not None
    store = FileEvidenceStore(
        node.settings.data_dir / "evidence", _keys(node.settings), node.state, CHUNK
    )
    node.container.services = replace(node.ctx, evidence=replace(kit, files=store))


def exchanged(nodes: dict[str, FedNode]) -> tuple[str, str]:
    """An MLA XA → XB, delivered: (XA's request id, XB's copy id)."""
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    copy = the_copy(xb, request_id)
    assert copy is not None
    return request_id, copy.id


def a_file(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(os.urandom(size))
    return path


def acquisition() -> AcquisitionRecord:
    return AcquisitionRecord(
        "officer-17", datetime(2026, 11, 1, tzinfo=UTC), "logical copy", "ftk 8.1", "mailbox", "r"
    )


def sealed(node: FedNode, request_id: str, *paths: Path, user: str = "executor") -> str:
    view = evidence.seal_and_send(
        node.ctx,
        actor=node.people[user],
        request_id=request_id,
        paths=list(paths),
        acquisition=acquisition(),
    )
    return view.package.package_id


def actions(node: FedNode, package_id: str) -> list[str]:
    with node.ctx.uow() as uow:
        return [str(e.record.action) for e in uow.packages.custody(package_id)]


def status(node: FedNode, package_id: str) -> PackageStatus:
    with node.ctx.uow() as uow:
        package = uow.packages.get(package_id)
    assert package is not None
    return package.status


def read_all(node: FedNode, package_id: str, path: str, user: str = "drafter") -> bytes:
    _, stream = evidence.open_file(
        node.ctx, actor=node.people[user], package_id=package_id, path=path
    )
    return b"".join(stream)


class CountingPeers:
    """The real in-process peers, counting chunk calls and failing after ``fail_after``."""

    def __init__(self, inner: InProcessPeers, fail_after: int | None = None) -> None:
        self.inner = inner
        self.fail_after = fail_after
        self.chunks: list[int] = []

    def offer(self, recipient: Any, package_id: str, body: bytes) -> TransferAnswer:
        return self.inner.offer(recipient, package_id, body)

    def put_chunk(self, recipient: Any, package_id: str, index: int, data: bytes) -> TransferAnswer:
        if self.fail_after is not None and len(self.chunks) >= self.fail_after:
            return TransferAnswer("retry", code="UNREACHABLE", detail="cut")
        self.chunks.append(index)
        return self.inner.put_chunk(recipient, package_id, index, data)

    def complete(self, recipient: Any, package_id: str) -> TransferAnswer:
        return self.inner.complete(recipient, package_id)


def with_peers(node: FedNode, peers: Any) -> None:
    kit = node.ctx.evidence
    assert kit is not None
    node.container.services = replace(node.ctx, evidence=replace(kit, peers=peers))


def in_process(node: FedNode) -> InProcessPeers:
    kit = node.ctx.evidence
    assert kit is not None
    peers = kit.peers.inner if isinstance(kit.peers, CountingPeers) else kit.peers
    assert isinstance(peers, InProcessPeers)
    return peers


def test_a_package_travels_is_verified_released_and_opened_with_its_custody_chain(
    nodes: dict[str, FedNode], tmp_path: Path
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    request_id, copy_id = exchanged(nodes)
    image = a_file(tmp_path, "disk.img", 10 * CHUNK + 123)
    empty = a_file(tmp_path, "empty.log", 0)
    package_id = sealed(xb, copy_id, image, empty)
    assert status(xb, package_id) is PackageStatus.SENDING
    assert actions(xb, package_id) == ["sealed"]

    assert TransferRelay().run_once(xb.ctx) == 1

    assert status(xb, package_id) is PackageStatus.DELIVERED
    assert status(xa, package_id) is PackageStatus.RELEASED
    chain = ["sealed", "sent", "received", "verified", "stored"]
    assert actions(xb, package_id) == chain
    assert actions(xa, package_id) == chain
    view = evidence.get(xa.ctx, actor=xa.people["drafter"], package_id=package_id)
    assert view.package.request_id == request_id
    assert view.package.chunks_done == view.package.chunk_count == 11
    assert [e.record.place for e in view.custody] == ["XB", "XB", "XA", "XA", "XA"]

    assert read_all(xa, package_id, "disk.img") == image.read_bytes()
    assert read_all(xa, package_id, "empty.log") == b""
    assert actions(xa, package_id)[-2:] == ["opened", "opened"]
    assert rows(xa, data_access, data_access.c.action == "open") == 2
    # The chain travels with the package: written beside it on both nodes.
    for node, direction in ((xa, Direction.INCOMING), (xb, Direction.OUTGOING)):
        kit = node.ctx.evidence
        assert kit is not None
        custody_file = kit.files.location(direction, package_id) / "custody.jsonl"
        assert len(custody_file.read_text().splitlines()) == len(actions(node, package_id))


def test_a_broken_transfer_resumes_and_sends_only_what_is_missing(
    nodes: dict[str, FedNode], tmp_path: Path
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    _, copy_id = exchanged(nodes)
    image = a_file(tmp_path, "disk.img", 20 * CHUNK)
    package_id = sealed(xb, copy_id, image)
    cut = CountingPeers(in_process(xb), fail_after=7)
    with_peers(xb, cut)

    assert TransferRelay().run_once(xb.ctx) == 0
    assert status(xb, package_id) is PackageStatus.SENDING
    assert status(xa, package_id) is PackageStatus.RECEIVING
    # Both nodes show how far it got.
    sent = evidence.get(xb.ctx, actor=xb.people["executor"], package_id=package_id).package
    received = evidence.get(xa.ctx, actor=xa.people["drafter"], package_id=package_id).package
    assert sent.chunks_done == received.chunks_done == 7
    assert received.bytes_done == 7 * (CHUNK + 16)
    with pytest.raises(PermissionDeniedError):
        read_all(xa, package_id, "disk.img")

    # XA died while writing a chunk: its temporary file is left behind, and is not held.
    kit = xa.ctx.evidence
    assert kit is not None
    chunks_dir = kit.files.location(Direction.INCOMING, package_id) / CHUNKS_DIR
    (chunks_dir / ".00000007.999999.part").write_bytes(b"half a chunk")
    assert len(kit.files.held(package_id)) == 7

    resumed = CountingPeers(in_process(xb))
    with_peers(xb, resumed)
    assert TransferRelay().run_once(xb.ctx) == 1
    assert sorted(resumed.chunks) == list(range(7, 20))
    assert status(xa, package_id) is PackageStatus.RELEASED
    assert (
        hashlib.sha256(read_all(xa, package_id, "disk.img")).digest()
        == hashlib.sha256(image.read_bytes()).digest()
    )
    # Resumption adds no second "sent", and nothing half-written stays.
    assert actions(xb, package_id).count("sent") == 1
    assert not list(chunks_dir.glob(".*"))


def _offered(nodes: dict[str, FedNode], tmp_path: Path, chunks: int = 4) -> tuple[str, Any]:
    """A package sealed at XB and offered to XA, nothing sent yet: (id, XB's peers)."""
    xb = nodes["XB"]
    small_chunks(xb)
    _, copy_id = exchanged(nodes)
    package_id = sealed(xb, copy_id, a_file(tmp_path, "disk.img", chunks * CHUNK))
    with_peers(xb, CountingPeers(in_process(xb), fail_after=0))
    TransferRelay().run_once(xb.ctx)
    return package_id, in_process(xb)


def chunk_of(node: FedNode, package_id: str, index: int) -> bytes:
    kit = node.ctx.evidence
    assert kit is not None
    return kit.files.read_chunk(package_id, index)


def test_chunks_are_checked_on_arrival_and_accepted_once(
    nodes: dict[str, FedNode], tmp_path: Path
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    package_id, peers = _offered(nodes, tmp_path)
    entry = xa.ctx.federation.trust.current().state("XA")  # type: ignore[union-attr]

    # Out of order, and the same chunk twice: held once.
    assert peers.put_chunk(entry, package_id, 2, chunk_of(xb, package_id, 2)).held == {2}
    again = peers.put_chunk(entry, package_id, 2, chunk_of(xb, package_id, 2))
    assert again.outcome == "ok" and again.held == {2}
    # A chunk under another index, a truncated chunk, garbage: DIGEST_MISMATCH, not stored.
    for index, data in ((1, chunk_of(xb, package_id, 0)), (0, chunk_of(xb, package_id, 0)[:-1])):
        refused = peers.put_chunk(entry, package_id, index, data)
        assert refused.outcome == "retry" and refused.code == DigestMismatchError.code
    # An index the manifest does not have.
    beyond = peers.put_chunk(entry, package_id, 9, chunk_of(xb, package_id, 0))
    assert beyond.code == DigestMismatchError.code
    # A body damaged on the way (after it was signed): sent again, never stored.
    damaged = peers.evidence(
        "XA",
        f"/{package_id}/chunks/0",
        chunk_of(xb, package_id, 0),
        "application/octet-stream",
        tamper=lambda body: bytes([body[0] ^ 1]) + body[1:],
    )
    assert damaged.code == "UPLOAD_CHECKSUM_MISMATCH"
    kit = xa.ctx.evidence
    assert kit is not None
    assert kit.files.held(package_id) == {2}
    # The refusals show on the receiving package, hence on its request's timeline.
    with xa.ctx.uow() as uow:
        package = uow.packages.get(package_id)
    assert package is not None and package.failure_code == DigestMismatchError.code
    # Completing with chunks missing releases nothing and says what is held.
    answer = peers.complete(entry, package_id)
    assert answer.outcome == "ok" and answer.held == {2} and answer.custody == ()
    assert status(xa, package_id) is PackageStatus.RECEIVING


def test_a_chunk_altered_on_the_receivers_disk_withholds_the_package_on_both_sides(
    nodes: dict[str, FedNode], tmp_path: Path
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    package_id, peers = _offered(nodes, tmp_path)
    entry = xa.ctx.federation.trust.current().state("XA")  # type: ignore[union-attr]
    for index in range(4):
        peers.put_chunk(entry, package_id, index, chunk_of(xb, package_id, index))
    kit = xa.ctx.evidence
    assert kit is not None
    stored = kit.files.location(Direction.INCOMING, package_id) / CHUNKS_DIR / chunk_file_name(3)
    data = bytearray(stored.read_bytes())
    data[100] ^= 0x01
    stored.write_bytes(bytes(data))

    with_peers(xb, peers)
    assert TransferRelay().run_once(xb.ctx) == 1

    assert status(xa, package_id) is PackageStatus.WITHHELD
    assert status(xb, package_id) is PackageStatus.FAILED
    assert actions(xa, package_id)[-1] == "rejected"
    assert actions(xb, package_id)[-1] == "rejected"
    with pytest.raises(CustodyBrokenError):
        read_all(xa, package_id, "disk.img")


def test_a_flipped_bit_in_a_released_package_is_found_on_access_and_withholds_it(
    nodes: dict[str, FedNode], tmp_path: Path
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    _, copy_id = exchanged(nodes)
    package_id = sealed(xb, copy_id, a_file(tmp_path, "disk.img", 5 * CHUNK))
    TransferRelay().run_once(xb.ctx)
    kit = xa.ctx.evidence
    assert kit is not None
    stored = kit.files.location(Direction.INCOMING, package_id) / CHUNKS_DIR / chunk_file_name(4)
    data = bytearray(stored.read_bytes())
    data[-1] ^= 0x80
    stored.write_bytes(bytes(data))

    with pytest.raises(CustodyBrokenError):
        read_all(xa, package_id, "disk.img")
    assert status(xa, package_id) is PackageStatus.WITHHELD
    assert actions(xa, package_id)[-1] == str(CustodyAction.CUSTODY_BROKEN)
    with pytest.raises(CustodyBrokenError):
        read_all(xa, package_id, "disk.img")
    with pytest.raises(CustodyBrokenError):
        evidence.reverify(xa.ctx, actor=xa.people["drafter"], package_id=package_id)


def test_opening_follows_the_usage_policy_and_who_may_see_the_request(
    nodes: dict[str, FedNode], tmp_path: Path
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    _, copy_id = exchanged(nodes)
    package_id = sealed(xb, copy_id, a_file(tmp_path, "disk.img", CHUNK))
    TransferRelay().run_once(xb.ctx)

    with pytest.raises(PurposeDeniedError):
        evidence.open_file(
            xa.ctx,
            actor=xa.people["drafter"],
            package_id=package_id,
            path="disk.img",
            purpose_code="admin_proc",
        )
    assert rows(xa, data_access, data_access.c.outcome == "denied") == 1
    # The 24/7 point is another authority: the package does not exist for it.
    with pytest.raises(NotFoundError):
        evidence.get(xa.ctx, actor=xa.people["duty"], package_id=package_id)
    with pytest.raises(NotFoundError):
        read_all(xa, package_id, "no-such-file")
    # The sender can re-verify its own copy.
    again = evidence.reverify(xb.ctx, actor=xb.people["executor"], package_id=package_id)
    assert again.custody[-1].record.action is CustodyAction.VERIFIED


def test_evidence_needs_an_exchanged_request_and_the_right_sender(
    nodes: dict[str, FedNode], tmp_path: Path
) -> None:
    xa, xb, xc = nodes["XA"], nodes["XB"], nodes["XC"]
    draft_id = approved(xa)
    with pytest.raises(PermissionDeniedError):
        sealed(xa, draft_id, a_file(tmp_path, "x.bin", 10), user="drafter")
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=draft_id)
    relay(xa)
    copy = the_copy(xb, draft_id)
    assert copy is not None and copy.status is Status.RECEIVED
    package_id = sealed(xb, copy.id, a_file(tmp_path, "y.bin", 10))
    # XC cannot send chunks or completion for a package XB offered.
    xc_peers = InProcessPeers(xc.settings, nodes)
    entry = xa.ctx.federation.trust.current().state("XA")  # type: ignore[union-attr]
    TransferRelay().run_once(xb.ctx)
    answer = xc_peers.complete(entry, package_id)
    assert answer.outcome == "retry" and answer.code == NotFoundError.code
    with pytest.raises(NotFoundError):
        evidence_arrival.complete(xa.ctx, sender_state="XC", package_id=package_id)
    # Once withdrawn, nothing more travels under the request, from either side.
    requests.withdraw(xa.ctx, actor=xa.people["drafter"], request_id=draft_id, reason="Settled")
    relay(xa)
    with pytest.raises(ConflictError):
        sealed(xb, copy.id, a_file(tmp_path, "z.bin", 10))


def test_the_command_line_sends_and_follows_a_package(
    nodes: dict[str, FedNode], tmp_path: Path
) -> None:
    xb = nodes["XB"]
    _, copy_id = exchanged(nodes)
    image = a_file(tmp_path, "disk.img", 3000)
    runner = CliRunner()
    base = ["--dir", str(xb.settings.data_dir), "--as", "executor"]
    sent = runner.invoke(cli, ["evidence", "send", str(image), *base, "--request", copy_id])
    assert sent.exit_code == 0, sent.output
    package_id = sent.output.split()[1]
    assert status(xb, package_id) is PackageStatus.SENDING
    shown = runner.invoke(cli, ["evidence", "status", package_id, *base])
    assert shown.exit_code == 0, shown.output
    assert "sending, 0/1 chunk(s)" in shown.output and "sealed" in shown.output
    unknown = runner.invoke(cli, ["evidence", "status", "nope", *base])
    assert unknown.exit_code != 0 and "NOT_FOUND" in unknown.output
