"""Nodes as real processes for the end-to-end and fault tiers.

Each node runs as `comity node serve` with its own SQLite database, keys and directory, and
talks to the others over loopback mutual TLS. A test starts, kills (at a named crash point,
or from outside) and restarts them, drives the officers' API and reads their databases.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2
import pytest
import sqlalchemy

from comity.config import Settings
from comity.services.demo import example_mla_fields
from tests.faults.faultproxy import FaultProxy
from tests.federation_harness import PASSWORD, create_network, node_settings
from tests.ports import free_port

if TYPE_CHECKING:
    from tests.invariants import NodeStore


@dataclass
class Process:
    """One node process and how to reach it."""

    state: str
    data_dir: Path
    port: int
    popen: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)
    # A node on PostgreSQL (the fault tier's restarts); None: SQLite in its folder.
    database_url: str | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **env: str) -> None:
        log_path = self.data_dir / f"node-{len(self.logs)}.log"
        self.logs.append(log_path)
        environment = {
            **os.environ,
            "COMITY_RETRY_FIRST_DELAY": "0.2",
            "COMITY_RETRY_MAX_DELAY": "0.5",
            "COMITY_RELAY_INTERVAL": "0.1",
            **env,
        }
        environment.pop("COMITY_DATABASE_URL", None)
        if self.database_url:
            environment["COMITY_DATABASE_URL"] = self.database_url
        with log_path.open("w") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "comity", "node", "serve", "--dir", str(self.data_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
            )
        wait_until(self._healthy, f"{self.state} did not start", self._log_tail)

    def _healthy(self) -> bool:
        assert self.popen is not None and self.popen.poll() is None, self._log_tail()
        try:
            return httpx2.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except httpx2.TransportError:
            return False

    def _log_tail(self) -> str:
        return self.logs[-1].read_text()[-3000:] if self.logs else ""

    def killed(self) -> bool:
        return self.popen is not None and self.popen.poll() == -signal.SIGKILL

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def count(self, sql: str) -> int:
        return int(self.rows(sql)[0][0])

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows ``sql`` selects in this node's database (SQLite or PostgreSQL)."""
        if self.database_url:
            engine = sqlalchemy.create_engine(self.database_url, poolclass=sqlalchemy.NullPool)
            try:
                with engine.connect() as connection:
                    return [tuple(row) for row in connection.execute(sqlalchemy.text(sql))]
            finally:
                engine.dispose()
        with sqlite3.connect(self.data_dir / "comity.db") as connection:
            return [tuple(row) for row in connection.execute(sql).fetchall()]

    def store(self) -> NodeStore:
        """What the invariant checker reads of this node: its folder, database and logs."""
        from tests.invariants import NodeStore

        overrides = {"database_url": self.database_url} if self.database_url else {}
        settings = Settings.for_node(self.data_dir, **overrides)
        return NodeStore.of(settings, logs=self.logs)


def wait_until(
    condition: Callable[[], bool], message: str, detail: Callable[[], str] = str, timeout=60.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{message}\n{detail()}"
        time.sleep(0.1)


@pytest.fixture
def network(tmp_path: Path) -> Iterator[dict[str, Process]]:
    ports = {state: (free_port(), free_port()) for state in ("XA", "XB")}
    states = {
        state: node_settings(tmp_path, state, api, federation_port=federation)
        for state, (api, federation) in ports.items()
    }
    create_network(tmp_path, states)
    processes = {state: Process(state, tmp_path / state, ports[state][0]) for state in states}
    try:
        yield processes
    finally:
        for process in processes.values():
            process.stop()


@dataclass
class ProxiedNetwork:
    """XA and XB whose federation traffic to each other goes through fault proxies.

    ``into["XB"]`` carries XA → XB (XB's directory entry publishes the proxy's port while XB
    listens on its own federation port): cutting it is A→B down, dropping its responses loses
    XB's receipts. ``into["XA"]`` carries B → A. Each can fail on its own (asymmetric).
    """

    nodes: dict[str, Process]
    into: dict[str, FaultProxy]

    def __getitem__(self, state: str) -> Process:
        return self.nodes[state]

    def heal(self) -> None:
        """End every partition and fault on both links."""
        for proxy in self.into.values():
            proxy.heal()


def build_proxied_network(
    root: Path, database_urls: dict[str, str] | None = None
) -> ProxiedNetwork:
    """Create XA and XB under ``root`` (not started), each reached through its own proxy."""
    database_urls = database_urls or {}
    ports = {state: (free_port(), free_port(), free_port()) for state in ("XA", "XB")}
    states = {}
    for state, (api, federation, proxied) in ports.items():
        settings = node_settings(
            root, state, api, database_urls.get(state), federation_port=federation
        )
        states[state] = settings.model_copy(
            update={"public_endpoint": f"https://127.0.0.1:{proxied}"}
        )
    create_network(root, states)
    into = {
        state: FaultProxy(federation, port=proxied, seed=sum(map(ord, state))).start()
        for state, (_api, federation, proxied) in ports.items()
    }
    nodes = {
        state: Process(state, root / state, ports[state][0], database_url=database_urls.get(state))
        for state in states
    }
    return ProxiedNetwork(nodes, into)


def stop_network(network: ProxiedNetwork) -> None:
    """Stop the proxies (their open connections would hold a node's graceful shutdown),
    then the nodes."""
    for proxy in network.into.values():
        proxy.stop()
    for process in network.nodes.values():
        process.stop()


@pytest.fixture
def proxied_network(tmp_path: Path) -> Iterator[ProxiedNetwork]:
    """XA and XB on SQLite, each one's federation traffic to the other through a proxy."""
    built = build_proxied_network(tmp_path)
    try:
        yield built
    finally:
        stop_network(built)


def send_mla(xa: Process, *, may_crash: bool = False) -> str:
    """Draft, submit, approve and send an MLA request XA → XB over the officers' API.

    With ``may_crash`` the sending node may die before it answers the send: its relay can
    pick the committed message up and reach the crash point first.
    """
    with httpx2.Client(base_url=f"{xa.base}/api/v1", timeout=10) as http:

        def login(name: str) -> dict[str, str]:
            response = http.post("/auth/token", json={"username": name, "password": PASSWORD})
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        drafter, approver = login("drafter"), login("approver")
        created = http.post(
            "/requests",
            headers=drafter,
            json={"type": "mla", "requested_state": "XB", "fields": example_mla_fields("XA")},
        )
        assert created.status_code == 201, created.text
        request_id = str(created.json()["id"])
        assert http.post(f"/requests/{request_id}/submit", headers=drafter).status_code == 200
        approved = http.post(f"/requests/{request_id}/approve", headers=approver, json={})
        assert approved.status_code == 200, approved.text
        try:
            sent = http.post(f"/requests/{request_id}/send", headers=approver)
        except httpx2.TransportError:
            assert may_crash
        else:
            assert sent.status_code == 200, sent.text
        return request_id


def delivered_once(xa: Process, xb: Process) -> None:
    """INV-1 and INV-2: one request at the receiver, one delivered evidence at the sender."""
    wait_until(
        lambda: xa.count("select count(*) from delivery_evidence where stage='delivered'") >= 1,
        "XA never got a delivered evidence",
        xa._log_tail,
    )
    time.sleep(1.0)  # Let any retry still in flight land, so a duplicate would show.
    assert xb.count("select count(*) from cooperation_request") == 1
    assert xb.count("select count(*) from inbox_message") == 1
    assert xa.count("select count(*) from delivery_evidence where stage='delivered'") == 1
    assert xa.count("select count(*) from outbox_message where status='acknowledged'") == 1
    no_secrets_in_logs(xa, xb)


def no_secrets_in_logs(*processes: Process) -> None:
    """INV-12: no private key material and no request content in any node's log."""
    canaries = ["PRIVATE KEY", "phishing"]  # "phishing" is in the example MLA's facts
    for process in processes:
        for pem in (process.data_dir / "keys").glob("*.key"):
            body = pem.read_text().splitlines()[1]
            canaries.append(body[:32])
        for log in process.logs:
            text = log.read_text()
            for canary in canaries:
                assert canary not in text, f"{canary[:12]}… found in {log.name}"
