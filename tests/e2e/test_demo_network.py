"""The three-State demo network as `make run` starts it: `comity demo up` as a real process
(three node processes over loopback mutual TLS), then `comity demo scenario` against it."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from rich.console import Console

from comity.cli import demo_network, scenario
from comity.federation_setup import verified_directory
from comity.services.demo import DEMO_PASSWORD, example_mla_fields, example_preservation_fields
from comity.store.engine import make_engine
from tests.ledger_invariants import audit_gaps, canaries_found

pytestmark = pytest.mark.e2e

STATES = ("XA", "XB", "XC")


def _free_base_port() -> int:
    """A base port with base..base+2 and base+100..base+102 free on loopback (bound, then
    released)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base: int = probe.getsockname()[1]
        if base + 103 > 65_535:
            continue
        wanted = [base + offset + i for offset in (0, 100) for i in (0, 1, 2)]
        with ExitStack() as stack:
            try:
                for port in wanted:
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return base
    raise AssertionError("no free range of ports found")


@dataclass
class Network:
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path
    base: int
    env: dict[str, str]

    def url(self, state: str) -> str:
        return f"http://127.0.0.1:{self.base + STATES.index(state)}"

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def _node_pids(data_dir: Path) -> list[int]:
    """The node processes serving ``data_dir``'s nodes, found through /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and any(str(data_dir).encode() in part for part in command):
            pids.append(int(entry.name))
    return pids


# A free port found by binding and releasing it can be taken by another process (the other
# test worker starting its own network) before the node binds it: the start is tried again
# on other ports when that is why it failed.
START_ATTEMPTS = 3


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    env = {**os.environ, "COMITY_ARGON2_TIME_COST": "1", "COMITY_ARGON2_MEMORY_COST": "1024"}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("COMITY_DATABASE_URL", None)
    for attempt in range(1, START_ATTEMPTS + 1):
        running = _start(tmp_path / f"demo-{attempt}", env)
        if running is not None:
            break
    else:
        raise AssertionError(f"the network did not start in {START_ATTEMPTS} attempts")
    process = running.process
    try:
        yield running
    finally:
        _stop(process)


def _start(folder: Path, env: dict[str, str]) -> Network | None:
    """Start `comity demo up` in ``folder``; None if a port it chose was taken meanwhile."""
    folder.mkdir(parents=True)
    base = _free_base_port()
    data_dir = folder / "demo"
    log_path = folder / "up.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "comity", "demo", "up", "--dir", str(data_dir),
             "--base-port", str(base)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    running = Network(process, data_dir, log_path, base, env)
    deadline = time.monotonic() + 120
    while "Network up" not in running.output():
        if process.poll() is not None:
            if "address already in use" in running.output():
                return None
            raise AssertionError(running.output())
        if time.monotonic() >= deadline:
            _stop(process)
            raise AssertionError("the network did not start within 120 s")
        time.sleep(0.2)
    return running


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _login(http: httpx2.Client, username: str) -> dict[str, str]:
    response = http.post(
        "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _mlas(http: httpx2.Client, headers: dict[str, str], side: str) -> dict[str, dict[str, Any]]:
    """Every MLA request on one side of a node, by exchange id."""
    listed = http.get("/api/v1/requests", params={"type": "mla"}, headers=headers).json()
    views = [
        http.get(f"/api/v1/requests/{item['id']}", headers=headers).json()
        for item in listed["items"]
        if item["side"] == side
    ]
    return {view["exchange_id"]: view for view in views}


def test_demo_up_then_the_scenario_runs_an_mla_and_an_emergency_preservation(
    network: Network,
) -> None:
    credentials = json.loads((network.data_dir / "credentials.json").read_text())
    assert (network.data_dir / "credentials.json").stat().st_mode & 0o077 == 0
    assert set(credentials) == set(STATES)
    assert credentials["XB"]["base_url"] == network.url("XB")
    assert credentials["XB"]["federation_url"] == f"https://127.0.0.1:{network.base + 101}"
    roles = {user["role"] for user in credentials["XA"]["users"]}
    assert roles >= {"drafter", "approver", "executor", "duty_officer", "dpo", "admin"}
    for state in STATES:
        assert (network.data_dir / state / "blobs").is_dir()
        assert (network.data_dir / state / "comity.db").exists()
    assert DEMO_PASSWORD in network.output()

    driven = subprocess.run(
        [sys.executable, "-m", "comity", "demo", "scenario", "--dir", str(network.data_dir)],
        capture_output=True, text=True, env=network.env, timeout=240,
    )  # fmt: skip
    output = driven.stdout + driven.stderr
    assert driven.returncode == 0, output
    for line in (
        "sends it to XB's central authority",
        "asks for supplementary information",
        "supplies the information",
        "returns the result",
        "XA closed (sees closed) | XB closed (sees closed)",
        "waiting for acknowledgement",
        "s after arrival",
        "sees it acknowledged at",
        "confirms it: kept until",
        "grants it: kept until",
        "sees it extended until",
        "Scenario complete",
    ):
        assert line in output, output

    # The scenario runs again against the same network (here in this process): each run makes
    # its own requests and finds its own in XB's inbox.
    printed = io.StringIO()
    assert scenario.run(network.data_dir, Console(file=printed, width=160)) == 0, printed.getvalue()

    # Every change both runs committed on every node has its audit leaf, each log verifies,
    # and none of the case's personal or descriptive data reached a leaf (L-09, L-12).
    canaries = [
        text
        for fields in (example_mla_fields("XA"), example_preservation_fields("XA"))
        for text in _texts(fields)
        if " " in text and len(text) >= 8
    ]
    assert len(canaries) > 10
    for state in STATES:
        engine = make_engine(f"sqlite:///{network.data_dir / state / 'comity.db'}")
        try:
            assert audit_gaps(engine) == [], state
            assert canaries_found(engine, canaries) == [], state
        finally:
            engine.dispose()

    with (
        httpx2.Client(base_url=network.url("XA"), timeout=10) as xa,
        httpx2.Client(base_url=network.url("XB"), timeout=10) as xb,
    ):
        xa_copies = _mlas(xa, _login(xa, "drafter"), "requesting")
        xb_copies = _mlas(xb, _login(xb, "executor"), "requested")
    assert len(xa_copies) == 2 and set(xa_copies) == set(xb_copies)
    for exchange_id, xa_copy in xa_copies.items():
        xb_copy = xb_copies[exchange_id]
        assert (xa_copy["status"], xa_copy["remote_status"]) == ("closed", "closed")
        assert (xb_copy["status"], xb_copy["remote_status"]) == ("closed", "closed")
        # Every message XA sent was delivered exactly once, whatever the relay retried.
        evidences = [item for item in xa_copy["timeline"] if item["kind"] == "evidence"]
        sent = {item["message_id"] for item in evidences if item["stage"] == "submission_accepted"}
        delivered = Counter(
            item["message_id"] for item in evidences if item["stage"] == "delivered"
        )
        assert len(sent) >= 3
        assert {message_id: delivered[message_id] for message_id in sent} == dict.fromkeys(sent, 1)

    nodes = _node_pids(network.data_dir)
    assert len(nodes) == 3
    network.process.send_signal(signal.SIGINT)
    assert network.process.wait(timeout=30) == 0
    assert _node_pids(network.data_dir) == []
    assert all(f"{state} stopped." in network.output() for state in STATES), network.output()


def test_a_demo_folder_is_reused_and_its_directory_signed_again_only_when_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMITY_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("COMITY_ARGON2_MEMORY_COST", "1024")
    monkeypatch.delenv("COMITY_DATABASE_URL", raising=False)
    data_dir = tmp_path / "demo"

    def sequences(nodes: list[demo_network.DemoNode]) -> set[int]:
        return {verified_directory(node.settings()).directory.sequence for node in nodes}

    nodes = demo_network.prepare_network(data_dir, base_port=20401, host="127.0.0.1")
    assert sequences(nodes) == {1}
    directory = verified_directory(nodes[1].settings()).directory
    assert set(directory.states) == set(STATES)
    assert directory.state("XB").endpoint == "https://127.0.0.1:20502"
    assert directory.state("XB").declarations.extradites_nationals is False
    assert directory.state("XB").declarations.traffic_data_requires_judicial_authorisation
    assert [
        r.to for r in directory.state("XC").declarations.cross_border_transfer_restrictions
    ] == ["XA"]
    assert "grooming" not in directory.state("XC").penalties
    stored = json.loads((data_dir / "XA" / "node.json").read_text())
    # XA takes the base port itself: `make run` serves XA on 8401 and 8501.
    assert (stored["port"], stored["federation_port"]) == (20401, 20501)
    assert stored["public_endpoint"] == "https://127.0.0.1:20501"
    keys_before = (data_dir / "XA" / "keys" / "signing.key").read_bytes()

    # The same folder again: everything reused, nothing signed.
    demo_network.prepare_network(data_dir, base_port=20401, host="127.0.0.1")
    assert sequences(nodes) == {1}
    assert (data_dir / "XA" / "keys" / "signing.key").read_bytes() == keys_before

    # Other ports: the nodes move and the directory follows, with the same keys.
    moved = demo_network.prepare_network(data_dir, base_port=20601, host="127.0.0.1")
    assert sequences(moved) == {2}
    assert verified_directory(moved[0].settings()).directory.state("XA").endpoint == (
        "https://127.0.0.1:20701"
    )
    assert (data_dir / "XA" / "keys" / "signing.key").read_bytes() == keys_before

    # Close to its next update, the directory is signed again.
    monkeypatch.setattr(
        demo_network, "DIRECTORY_RENEWAL", demo_network.DIRECTORY_VALIDITY + timedelta(days=1)
    )
    demo_network.prepare_network(data_dir, base_port=20601, host="127.0.0.1")
    assert sequences(moved) == {3}

    path = demo_network.write_credentials(data_dir, moved)
    assert path.stat().st_mode & 0o777 == 0o600
    written = json.loads(path.read_text())
    assert written["XC"]["base_url"] == "http://127.0.0.1:20603"
    duty = next(user for user in written["XB"]["users"] if user["username"] == "duty")
    assert (duty["role"], duty["authority"]) == ("duty_officer", "poc247")


def _texts(value: Any) -> Iterator[str]:
    """Every string inside a request's fields."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str):
        yield value
