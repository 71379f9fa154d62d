"""The issue's "done when", on the demo network as `make run` starts it (three node processes
over loopback mutual TLS): each node's checkpoints are cosigned by the other two; one row
changed in a node's database is reported by `comity audit verify` and, at that node's next
checkpoint, by its peers; the statistics export runs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from tests.e2e.test_demo_network import STATES, Network, _login, network

pytestmark = pytest.mark.e2e
__all__ = ["network"]

# Demo nodes sign a checkpoint every 10 s; give a loaded 2-core machine room.
WAIT = 90.0


def _until(check: Callable[[], Any], what: str, network: Network) -> Any:
    deadline = time.monotonic() + WAIT
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} within {WAIT} s\n{network.output()[-3000:]}"
        time.sleep(1.0)


def _comity(network: Network, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "comity", *args],
        env={**network.env, "COLUMNS": "400", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_checkpoints_are_witnessed_and_a_tampered_row_is_reported_by_the_peers(
    network: Network,
) -> None:
    with ExitStack() as stack:
        clients = {
            state: stack.enter_context(httpx2.Client(base_url=network.url(state), timeout=30))
            for state in STATES
        }
        _witnessed_then_tampered(network, clients)


def _witnessed_then_tampered(network: Network, clients: dict[str, httpx2.Client]) -> None:
    auditors = {state: _login(clients[state], "auditor") for state in STATES}

    def cosigned(state: str) -> list[str] | None:
        status = clients[state].get("/api/v1/audit", headers=auditors[state]).json()
        checkpoint = status.get("checkpoint")
        cosigners = sorted(checkpoint["cosigned_by"]) if checkpoint else []
        others = sorted(set(STATES) - {state})
        return cosigners if cosigners == others else None

    for state in STATES:
        _until(lambda state=state: cosigned(state), f"{state}'s checkpoint cosigned", network)

    # One row of XA's database changed behind the node's back.
    database = network.data_dir / "XA" / "comity.db"
    with sqlite3.connect(database, timeout=30) as connection:
        connection.execute("UPDATE audit_leaf SET tag = 'user:token:forged' WHERE leaf_index = 3")
    verified = _comity(network, "audit", "verify", "--dir", str(network.data_dir / "XA"))
    assert verified.returncode == 2, verified.stdout + verified.stderr
    assert "AUDIT_INTEGRITY" in verified.stderr and "leaf 3" in verified.stderr

    # New activity on XA makes a checkpoint due: XA refuses to sign and tells its witnesses.
    _login(clients["XA"], "drafter")

    def reported(state: str) -> bool:
        alerts = clients[state].get("/api/v1/audit/alerts", headers=auditors[state]).json()
        return any(
            a["kind"] == "integrity_reported" and a["state"] == "XA" for a in alerts["items"]
        )

    for state in ("XB", "XC"):
        _until(lambda state=state: reported(state), f"{state} told of XA's fault", network)
    health = clients["XA"].get("/healthz").json()
    assert health["audit"] == "failed"
    # The other nodes' logs are untouched.
    for state in ("XB", "XC"):
        ok = _comity(network, "audit", "verify", "--dir", str(network.data_dir / state))
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "cosignature(s)" in ok.stdout

    today = datetime.now(UTC).date()
    exported = _comity(
        network,
        "stats",
        "export",
        "--dir",
        str(network.data_dir / "XB"),
        "--from",
        (today - timedelta(days=30)).isoformat(),
        "--to",
        today.isoformat(),
    )
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert json.loads(exported.stdout)
