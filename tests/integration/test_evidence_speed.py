"""How sealing and verifying spread a package over two threads (``_Flow``) without losing
order, bounds or the first fault: steps in order where order matters, the first failure in
chunk order raised whatever thread met it first, early stops, and inputs changing or failing
while they are sealed."""

from __future__ import annotations

import errno
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comity.crypto import evidence
from comity.crypto.evidence import _Flow, _Slot, open_file
from comity.crypto.keys import NodeKeys, generate_node_keys
from comity.domain.errors import PackageUnsafeError
from tests.integration.test_evidence_package import NOW, seal, verify


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> tuple[NodeKeys, NodeKeys]:
    root = tmp_path_factory.mktemp("keys")
    xa = generate_node_keys(root / "XA", "XA", now=NOW, with_root=False)
    xb = generate_node_keys(root / "XB", "XB", now=NOW, with_root=False)
    return xa, xb


def slots(count: int) -> list[_Slot]:
    return [_Slot(bytearray(8), bytearray(8)) for _ in range(count)]


def test_steps_in_order_where_it_matters() -> None:
    lock = threading.Lock()
    ordered: list[int] = []
    in_flight: set[int] = set()
    most = 0

    def load(position: int, slot: _Slot) -> None:
        nonlocal most
        with lock:
            in_flight.add(position)
            most = max(most, len(in_flight))
        slot.length = position

    def step_ordered(position: int, slot: _Slot) -> None:
        assert slot.length == position
        ordered.append(position)

    def work(position: int, slot: _Slot) -> None:
        time.sleep(0.001 * (position % 3))
        assert slot.length == position

    def consume() -> list[int]:
        seen = []
        with (
            ThreadPoolExecutor(2) as pool,
            _Flow(pool, slots(3), 40, load=load, ordered=step_ordered, work=work) as flow,
        ):
            for position, slot in flow:
                assert slot.length == position
                seen.append(position)
                with lock:
                    in_flight.discard(position)
        return seen

    assert consume() == list(range(40))
    assert ordered == list(range(40))
    assert most <= 3  # Never more chunks in flight than slots.


def test_a_flow_without_chunks() -> None:
    def never(position: int, slot: _Slot) -> None:
        raise AssertionError(position)

    with (
        ThreadPoolExecutor(2) as pool,
        _Flow(pool, slots(2), 0, load=never, ordered=never, work=never) as flow,
    ):
        assert list(flow) == []


@pytest.mark.parametrize("step", ["load", "ordered", "work"])
def test_the_first_failure_in_chunk_order_is_raised(step: str) -> None:
    # Chunk 9 fails at once; chunk 5 fails later, in the given step: 5 is raised, after 0-4.
    def fail_late(position: int, slot: _Slot) -> None:
        if position == 5:
            time.sleep(0.02)
            raise ValueError("five")

    def load(position: int, slot: _Slot) -> None:
        if position == 9:
            raise ValueError("nine")
        if step == "load":
            fail_late(position, slot)

    def nothing(position: int, slot: _Slot) -> None:
        pass

    seen: list[int] = []
    steps = {"ordered": nothing, "work": nothing} | ({step: fail_late} if step != "load" else {})
    with pytest.raises(ValueError, match="five"):
        with ThreadPoolExecutor(2) as pool, _Flow(pool, slots(8), 20, load=load, **steps) as flow:
            for position, _ in flow:
                seen.append(position)
    assert seen == [0, 1, 2, 3, 4]


def test_stopping_early_begins_no_more_chunks() -> None:
    loaded: list[int] = []

    def load(position: int, slot: _Slot) -> None:
        loaded.append(position)

    with ThreadPoolExecutor(2) as pool, _Flow(pool, slots(3), 100, load=load) as flow:
        for position, _ in flow:
            if position == 2:
                break
    # Leaving waited for the steps still running: those consumed and one slot-full beyond.
    assert len(loaded) <= 3 + 3


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=5),
    chunk_size=st.integers(min_value=1, max_value=17),
)
def test_any_sizes_round_trip(
    nodes: tuple[NodeKeys, NodeKeys], sizes: list[int], chunk_size: int
) -> None:
    xb = nodes[1]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, size in enumerate(sizes):
            paths.append(Path(tmp) / f"f{i}.bin")
            paths[-1].write_bytes(os.urandom(size))
        lengths: list[int] = []
        manifest = seal(paths, Path(tmp) / "pkg", nodes, chunk_size, progress=lengths.append)
        assert lengths == [n for _, n in manifest.chunk_lengths()]
        assert verify(Path(tmp) / "pkg", nodes).bytes == sum(sizes)  # type: ignore[attr-defined]
        assert verify(Path(tmp) / "pkg", nodes, decrypt=False).chunks == len(manifest.chunks)  # type: ignore[attr-defined]
        for path in paths:
            opened = open_file(Path(tmp) / "pkg", manifest, path.name, xb.encryption, None)
            assert b"".join(opened) == path.read_bytes()


def big_input(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "disk.img"
    path.parent.mkdir()
    path.write_bytes(os.urandom(10 * 1024))
    return path


def test_an_input_that_grows_while_sealed(tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]) -> None:
    path = big_input(tmp_path)

    def grow(length: int) -> None:
        with path.open("ab") as handle:
            handle.write(b"more")

    with pytest.raises(PackageUnsafeError, match=r"'disk\.img' changed size while it was sealed"):
        seal([path], tmp_path / "pkg", nodes, progress=grow)


def test_an_input_that_shrinks_while_sealed(
    tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys]
) -> None:
    path = big_input(tmp_path)

    def shrink(length: int) -> None:
        os.truncate(path, 2000)

    with pytest.raises(PackageUnsafeError, match=r"'disk\.img' changed size while it was sealed"):
        seal([path], tmp_path / "pkg", nodes, progress=shrink)


def test_an_input_that_cannot_be_read(
    tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_input(tmp_path)
    read_full = evidence._read_full

    def failing(fd: int, buffer: memoryview, offset: int) -> int:
        if offset >= 3 * 1024:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return read_full(fd, buffer, offset)

    monkeypatch.setattr(evidence, "_read_full", failing)
    with pytest.raises(PackageUnsafeError, match=r"'disk\.img' cannot be read: Input/output error"):
        seal([path], tmp_path / "pkg", nodes)


def test_a_full_disk_is_an_os_error(
    tmp_path: Path, nodes: tuple[NodeKeys, NodeKeys], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_input(tmp_path)
    write_private = evidence._write_private

    def full(target: Path, data: bytes | memoryview) -> None:
        if target.name == "00000004":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        write_private(target, data)

    monkeypatch.setattr(evidence, "_write_private", full)
    with pytest.raises(OSError) as caught:
        seal([path], tmp_path / "pkg", nodes)
    assert caught.value.errno == errno.ENOSPC
    assert not isinstance(caught.value, PackageUnsafeError)
