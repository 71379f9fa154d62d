"""The tests' own port allocator (tests/ports.py): ports outside the kernel's ephemeral range,
disjoint between xdist workers, never one that is taken."""

from __future__ import annotations

import socket

import pytest

from tests import ports


def test_each_worker_has_its_own_band_below_the_ephemeral_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    bands = []
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        bands.append(set(ports.worker_band()))
    assert len(bands[0]) > 1000 and len(bands[1]) > 1000
    assert not bands[0] & bands[1]
    assert max(bands[0] | bands[1]) < ports._ephemeral_start()


def test_a_port_in_use_is_skipped_and_the_next_free_one_handed_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        band = ports.worker_band()
        free = next(port for port in band if ports._bindable(port))
        monkeypatch.setattr(ports, "_cycle", iter([busy, free]))
        assert ports.free_port() == free


def test_ports_come_in_turn_from_the_band() -> None:
    handed = [ports.free_port() for _ in range(5)]
    assert len(set(handed)) == 5
    assert all(port in ports.worker_band() for port in handed)
