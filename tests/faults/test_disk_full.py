"""A full disk in three places (security-test-plan T-09, X-10, X-11 and L-10): the evidence
blob store during an officer's upload, the SQLite database during officers' writes and
inbound messages, and the audit log's append.

Each volume is a real size-limited filesystem mounted for the test: a tmpfs, or a loop-mounted
ext4 image where tmpfs is refused (we are root in CI and on the development machines; the
test is skipped, loudly, only when neither can be mounted). Pass: the node answers 507
``STORAGE_FULL`` or 503 (``AUDIT_UNAVAILABLE``), never a 500; nothing is half-written
(``PRAGMA integrity_check``, the audit log recomputes and verifies); and once space is freed
the same work goes through without anyone repairing anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from comity.config import Settings
from comity.services import delivery, ledger
from comity.services.demo import example_mla_fields
from comity.services.evidence_transfer import TransferRelay
from comity.web.app import create_app
from tests.federation_harness import PASSWORD, FedNode, create_network, node_settings, open_nodes
from tests.figures import record

MIB = 1024 * 1024


@contextlib.contextmanager
def small_volume(where: Path, size_mib: int) -> Iterator[Path]:
    """A filesystem of ``size_mib`` MiB mounted at ``where``: tmpfs, else loop-mounted ext4."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mib}m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        image = where.with_suffix(".img")
        with image.open("wb") as out:
            out.truncate(size_mib * MIB)
        formatted = subprocess.run(
            ["mkfs.ext4", "-q", "-F", str(image)], capture_output=True, text=True
        )
        looped = subprocess.run(
            ["mount", "-o", "loop", str(image), str(where)], capture_output=True, text=True
        )
        if formatted.returncode != 0 or looped.returncode != 0:
            pytest.skip(
                "DISK-FULL TESTS NOT RUN: neither a tmpfs nor a loop-mounted ext4 could be "
                f"mounted ({mounted.stderr.strip()}; {looped.stderr.strip()})"
            )
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(volume: Path, leave: int = 0) -> Path:
    """Fill ``volume`` up to ``leave`` bytes with one filler file; its path (delete to free)."""
    filler = volume / "filler"
    stats = os.statvfs(volume)
    with filler.open("wb") as out:
        remaining = max(stats.f_bavail * stats.f_frsize - leave, 0)
        block = b"\0" * MIB
        try:
            while remaining > 0:
                remaining -= out.write(block[: min(MIB, remaining)])
            out.flush()
            os.fsync(out.fileno())
        except OSError:
            pass  # Full already: that is what was asked for.
    return filler


def on_disk(tmp_path: Path) -> dict[str, Settings]:
    """XA and XB created on disk (keys, accounts, directory), not opened yet."""
    ports = {"XA": 18000, "XB": 18001}
    states = {state: node_settings(tmp_path, state, port) for state, port in ports.items()}
    create_network(tmp_path, states)
    return states


def login(http: TestClient, name: str) -> dict[str, str]:
    response = http.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def sent_mla(xa: FedNode) -> str:
    with TestClient(create_app(xa.container)) as http:
        drafter, approver = login(http, "drafter"), login(http, "approver")
        created = http.post(
            "/api/v1/requests",
            headers=drafter,
            json={"type": "mla", "requested_state": "XB", "fields": example_mla_fields("XA")},
        )
        assert created.status_code == 201, created.text
        request_id = str(created.json()["id"])
        for path, who in (("submit", drafter), ("approve", approver), ("send", approver)):
            answer = http.post(f"/api/v1/requests/{request_id}/{path}", headers=who, json={})
            assert answer.status_code == 200, answer.text
    return request_id


def refused_as_full(answer: Any) -> str:
    """The answer of a command the full disk stopped: 507 or 503 with a stable code."""
    assert answer.status_code != 500, answer.text
    assert (answer.status_code, answer.json()["code"]) in (
        (507, "STORAGE_FULL"),
        (503, "AUDIT_UNAVAILABLE"),
    ), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return str(answer.json()["code"])


def intact(node: FedNode) -> None:
    """No corruption: the database checks out and the audit log recomputes and verifies."""
    url = node.settings.resolved_database_url
    assert url.startswith("sqlite:///")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert ledger.verify_node_log(node.ctx).size > 0


def close(nodes: dict[str, FedNode]) -> None:
    for node in nodes.values():
        node.container.close()


def upload(http: TestClient, headers: dict[str, str], request_id: str, body: bytes) -> Any:
    return http.post(
        f"/api/v1/requests/{request_id}/evidence",
        params={
            "file_name": "disk.img",
            "acquired_by": "officer-17",
            "method": "physical image",
            "tool": "dc3dd 7.3",
            "source": "laptop SN 4711",
        },
        headers={**headers, "Content-Type": "application/octet-stream"},
        content=body,
    )


def test_a_full_evidence_volume_refuses_the_upload_and_takes_it_once_space_returns(
    tmp_path: Path,
) -> None:
    states = on_disk(tmp_path)
    with small_volume(tmp_path / "XB" / "evidence", 4) as volume:
        nodes = open_nodes(states)
        try:
            xa, xb = nodes["XA"], nodes["XB"]
            sent_mla(xa)
            delivery.deliver_due(xa.ctx)
            image = os.urandom(6 * MIB)  # More than the volume holds.
            with TestClient(create_app(xb.container)) as http:
                executor = login(http, "executor")
                copy_id = http.get("/api/v1/requests", headers=executor).json()["items"][0]["id"]
                refused_as_full(upload(http, executor, copy_id, image))
                # Nothing of the refused upload stays: no staging, no package.
                assert not [p for p in volume.rglob("*") if p.is_file()]
                assert (
                    http.get(f"/api/v1/requests/{copy_id}/evidence", headers=executor).json() == []
                )
                intact(xb)

                subprocess.run(["mount", "-o", "remount,size=64m", str(volume)], check=False)
                if os.statvfs(volume).f_blocks * os.statvfs(volume).f_frsize < 32 * MIB:
                    image = image[: 1 * MIB]  # A loop-mounted ext4 cannot grow: a smaller file.
                accepted = upload(http, executor, copy_id, image)
                assert accepted.status_code == 201, accepted.text
                package_id = accepted.json()["package_id"]
            assert TransferRelay().run_once(xb.ctx) == 1
            with TestClient(create_app(xa.container)) as http:
                drafter = login(http, "drafter")
                got = http.get(f"/api/v1/evidence/{package_id}/files/disk.img", headers=drafter)
                assert got.status_code == 200, got.text
                assert hashlib.sha256(got.content).digest() == hashlib.sha256(image).digest()
            intact(xb)
            intact(xa)
        finally:
            close(nodes)
    record("disk_full_placements")


def test_a_full_database_volume_refuses_writes_and_messages_then_recovers(
    tmp_path: Path,
) -> None:
    states = on_disk(tmp_path)
    # The node's database moves onto the small volume, with its WAL and shared memory.
    database = tmp_path / "XB" / "comity.db"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    moved = tmp_path / "comity.db.moved"
    database.rename(moved)
    with small_volume(tmp_path / "XB" / "db", 24) as volume:
        (volume / "comity.db").write_bytes(moved.read_bytes())
        database.symlink_to(volume / "comity.db")
        nodes = open_nodes(states)
        try:
            xa, xb = nodes["XA"], nodes["XB"]
            filler = fill(volume)
            with TestClient(create_app(xb.container)) as http:
                # Signing in writes a token (and its audit leaf): refused, not a 500.
                token = http.post(
                    "/api/v1/auth/token", json={"username": "drafter", "password": PASSWORD}
                )
                refused_as_full(token)
            # An inbound message XB cannot store: not acknowledged, so XA keeps it.
            sent_mla(xa)
            delivery.deliver_due(xa.ctx)
            assert xb_requests(xb) == 0
            with xa.ctx.uow() as uow:
                assert [m.message_id for m in uow.outbox.due(now=far_future(), limit=5)]
            intact_after_full(xb)

            filler.unlink()
            with TestClient(create_app(xb.container)) as http:
                drafter = login(http, "drafter")
                created = http.post(
                    "/api/v1/requests",
                    headers=drafter,
                    json={
                        "type": "mla",
                        "requested_state": "XA",
                        "fields": example_mla_fields("XB"),
                    },
                )
                assert created.status_code == 201, created.text
            # XA retries once its backoff has passed (a second or so), without any help.
            deadline = time.monotonic() + 30
            while xb_requests(xb) < 2 and time.monotonic() < deadline:
                delivery.deliver_due(xa.ctx)
                time.sleep(0.2)
            assert xb_requests(xb) == 2  # XB's own draft and XA's request, once.
            intact(xb)
        finally:
            close(nodes)
    record("disk_full_placements")


def test_an_audit_append_that_fails_refuses_the_command_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodes = open_nodes(on_disk(tmp_path))
    try:
        xb = nodes["XB"]
        with TestClient(create_app(xb.container)) as http:
            drafter = login(http, "drafter")
            before = xb_requests(xb)
            leaves = ledger.verify_node_log(xb.ctx).size
            from comity.store.audit_log import SQLAuditLog

            def disk_full(self: Any, events: Any) -> None:
                raise OperationalError(
                    "INSERT INTO audit_leaf",
                    {},
                    sqlite3.OperationalError("database or disk is full"),
                )

            with monkeypatch.context() as full:
                full.setattr(SQLAuditLog, "append_all", disk_full)
                refused = http.post(
                    "/api/v1/requests",
                    headers=drafter,
                    json={
                        "type": "mla",
                        "requested_state": "XA",
                        "fields": example_mla_fields("XB"),
                    },
                )
                refused_as_full(refused)
            assert xb_requests(xb) == before
            assert ledger.verify_node_log(xb.ctx).size == leaves
            created = http.post(
                "/api/v1/requests",
                headers=drafter,
                json={"type": "mla", "requested_state": "XA", "fields": example_mla_fields("XB")},
            )
            assert created.status_code == 201, created.text
            assert xb_requests(xb) == before + 1
        intact(xb)
    finally:
        close(nodes)
    record("disk_full_placements")


def xb_requests(node: FedNode) -> int:
    """How many requests the node's database holds."""
    url = node.settings.resolved_database_url.removeprefix("sqlite:///")
    with sqlite3.connect(url) as connection:
        return int(connection.execute("select count(*) from cooperation_request").fetchone()[0])


def far_future() -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(days=3650)


def intact_after_full(node: FedNode) -> None:
    """While the disk is still full: the database file checks out (read-only checks)."""
    url = node.settings.resolved_database_url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{url}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
