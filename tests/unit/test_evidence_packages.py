"""Evidence packages on a node: the status each direction goes through, progress, events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comity.domain.errors import IllegalTransitionError
from comity.domain.evidence_packages import (
    Direction,
    EvidenceChunkRefused,
    EvidenceDelivered,
    EvidencePackage,
    EvidenceReceived,
    EvidenceSealed,
    EvidenceWithheld,
    PackageStatus,
    missing_chunks,
)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def a_package(direction: Direction, status: PackageStatus) -> EvidencePackage:
    return EvidencePackage(
        package_id="p-1",
        request_id="r-1",
        direction=direction,
        peer_state="XB",
        status=status,
        merkle_root="ab" * 32,
        chunk_count=4,
        total_bytes=4000,
        sealed_bytes=4064,
        created_at=T0,
        updated_at=T0,
    )


def test_an_outgoing_package_is_sealed_then_delivered() -> None:
    package = a_package(Direction.OUTGOING, PackageStatus.SENDING)
    package.seal(actor_id="u", now=T0)
    assert package.readable
    package.deliver(actor_id="node:XA", now=T0 + timedelta(minutes=1))
    assert package.status is PackageStatus.DELIVERED and package.complete
    assert (package.chunks_done, package.bytes_done) == (4, 4064)
    assert [type(e) for e in package.events] == [EvidenceSealed, EvidenceDelivered]
    assert package.events[0].tag == "evidence:package:sealed"


def test_an_incoming_package_is_readable_only_once_released() -> None:
    package = a_package(Direction.INCOMING, PackageStatus.RECEIVING)
    assert not package.readable and not package.complete
    package.chunk_refused(index=2, code="DIGEST_MISMATCH", detail="chunk 2", now=T0)
    assert package.failure_code == "DIGEST_MISMATCH" and package.status is PackageStatus.RECEIVING
    assert isinstance(package.events[-1], EvidenceChunkRefused)
    assert package.events[-1].actor_id == "peer:XB"
    package.release(actor_id="node:XA", now=T0)
    assert package.failure_code is None
    assert package.readable and package.released_at == T0
    assert isinstance(package.events[-1], EvidenceReceived)
    with pytest.raises(IllegalTransitionError):
        package.seal(actor_id="u", now=T0)


@pytest.mark.parametrize(
    ("direction", "start", "end"),
    [
        (Direction.INCOMING, PackageStatus.RECEIVING, PackageStatus.WITHHELD),
        (Direction.INCOMING, PackageStatus.RELEASED, PackageStatus.WITHHELD),
        (Direction.OUTGOING, PackageStatus.SENDING, PackageStatus.FAILED),
    ],
)
def test_a_refusal_withholds_incoming_and_fails_outgoing(
    direction: Direction, start: PackageStatus, end: PackageStatus
) -> None:
    package = a_package(direction, start)
    package.refuse(code="DIGEST_MISMATCH", detail="chunk 3", actor_id="node:XA", now=T0)
    assert package.status is end and not package.readable
    assert (package.failure_code, package.failure_detail) == ("DIGEST_MISMATCH", "chunk 3")
    assert isinstance(package.events[-1], EvidenceWithheld)


def test_deleted_is_final_and_steps_out_of_order_are_refused() -> None:
    package = a_package(Direction.INCOMING, PackageStatus.RELEASED)
    package.delete(actor_id="system", now=T0)
    assert package.status is PackageStatus.DELETED
    for step in (package.release, package.deliver, package.delete):
        with pytest.raises(IllegalTransitionError):
            step(actor_id="x", now=T0)
    sending = a_package(Direction.OUTGOING, PackageStatus.SENDING)
    with pytest.raises(IllegalTransitionError):
        sending.release(actor_id="x", now=T0)


def test_progress_moves_forward_only_and_stays_inside_the_package() -> None:
    package = a_package(Direction.OUTGOING, PackageStatus.SENDING)
    package.progress(chunks=2, sealed_bytes=2032, now=T0 + timedelta(seconds=1))
    package.progress(chunks=1, sealed_bytes=1016, now=T0 + timedelta(seconds=2))
    assert (package.chunks_done, package.bytes_done) == (2, 2032)
    assert package.updated_at == T0 + timedelta(seconds=1)
    for chunks, size in ((5, 0), (-1, 0), (1, -1)):
        with pytest.raises(ValueError, match="outside"):
            package.progress(chunks=chunks, sealed_bytes=size, now=T0)


def test_missing_chunks_are_what_is_not_held_in_order() -> None:
    assert missing_chunks(5, {0, 3, 9}) == [1, 2, 4]
    assert missing_chunks(0, []) == []
