"""Evidence through the officers' API and the federation endpoint's edges: upload streamed to
disk, progress and custody on both nodes, download of the checked plaintext, the request's
timeline, and problem+json for every bad input (never a 500)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from comity.crypto.http_signatures import EVIDENCE_PATH
from comity.domain.evidence_packages import Direction
from comity.services import data_protection
from comity.services import evidence as evidence_service
from comity.services.evidence_transfer import TransferRelay
from comity.web.app import create_app
from comity.web.federation import create_federation_app
from tests.federation_harness import PASSWORD, FedNode
from tests.integration.test_case_export import case_validate
from tests.integration.test_data_protection import RETENTION, LaterClock
from tests.integration.test_evidence_transfer import exchanged, small_chunks

UPLOAD = {
    "file_name": "mailbox.mbox",
    "acquired_by": "officer-17",
    "method": "export",
    "tool": "imapsync 2.2",
    "source": "account 4711",
}


def client(node: FedNode) -> TestClient:
    return TestClient(create_app(node.container), raise_server_exceptions=False)


def login(http: TestClient, name: str) -> dict[str, str]:
    answer = http.post("/api/v1/auth/token", json={"username": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def upload(http: TestClient, who: dict[str, str], copy_id: str, data: bytes, **params: Any) -> Any:
    return http.post(
        f"/api/v1/requests/{copy_id}/evidence",
        params={**UPLOAD, **params},
        headers={**who, "Content-Type": "application/octet-stream"},
        content=data,
    )


def test_upload_transfer_progress_custody_and_download_through_the_api(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    request_id, copy_id = exchanged(nodes)
    data = os.urandom(3 * 1024 * 1024 + 5)  # Over the 1 MiB JSON body limit: streamed.
    with client(xb) as http:
        executor = login(http, "executor")
        created = upload(http, executor, copy_id, data)
        assert created.status_code == 201, created.text
        body = created.json()
        package_id = body["package_id"]
        assert body["status"] == "sending" and body["direction"] == "outgoing"
        assert body["files"] == [
            {
                "path": "mailbox.mbox",
                "size": len(data),
                "media_type": "application/mbox",
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        ]
        assert body["acquisition"]["tool"] == "imapsync 2.2"
        assert [c["action"] for c in body["custody"]] == ["sealed"]
        assert body["progress"]["percent"] == 0.0
        # Nothing of the upload is left in the staging area.
        staging = xb.settings.data_dir / "evidence" / "staging"
        assert not any(staging.iterdir())

    TransferRelay().run_once(xb.ctx)

    with client(xb) as http:
        executor = login(http, "executor")
        listed = http.get(f"/api/v1/requests/{copy_id}/evidence", headers=executor).json()
        assert [p["status"] for p in listed] == ["delivered"]
        assert listed[0]["progress"]["percent"] == 100.0
    with client(xa) as http:
        drafter = login(http, "drafter")
        got = http.get(f"/api/v1/evidence/{package_id}", headers=drafter).json()
        assert got["status"] == "released" and got["direction"] == "incoming"
        assert [c["place"] for c in got["custody"]] == ["XB", "XB", "XA", "XA", "XA"]
        download = http.get(f"/api/v1/evidence/{package_id}/files/mailbox.mbox", headers=drafter)
        assert download.status_code == 200
        assert download.content == data
        assert download.headers["digest-sha256"] == hashlib.sha256(data).hexdigest()
        assert "attachment" in download.headers["content-disposition"]
        verified = http.post(f"/api/v1/evidence/{package_id}/verify", headers=drafter)
        assert verified.status_code == 200, verified.text
        assert verified.json()["custody"][-1]["action"] == "verified"
        timeline = http.get(f"/api/v1/requests/{request_id}", headers=drafter).json()["timeline"]
        custody = [(i["stage"], i["counterpart_state"]) for i in timeline if i["kind"] == "custody"]
        assert custody == [
            ("sealed", "XB"),
            ("sent", "XB"),
            ("received", "XA"),
            ("verified", "XA"),
            ("stored", "XA"),
            ("opened", "XA"),
            ("verified", "XA"),
        ]
        assert all(i["package_id"] == package_id for i in timeline if i["kind"] == "custody")


def test_bad_uploads_and_unknown_packages_get_problems_not_500s(
    nodes: dict[str, FedNode],
) -> None:
    xb = nodes["XB"]
    _, copy_id = exchanged(nodes)
    with client(xb) as http:
        executor, duty = login(http, "executor"), login(http, "duty")
        for name in ("../etc/passwd", "/abs", "a/b", "dir\\x"):
            bad = upload(http, executor, copy_id, b"x", file_name=name)
            assert bad.status_code == 422, (name, bad.text)
            assert bad.headers["content-type"] == "application/problem+json"
        missing = http.post(
            f"/api/v1/requests/{copy_id}/evidence",
            params={"file_name": "x"},
            headers={**executor, "Content-Type": "application/octet-stream"},
            content=b"x",
        )
        assert missing.status_code == 422
        # Another authority's request does not exist for the 24/7 point.
        assert upload(http, duty, copy_id, b"x").status_code == 404
        assert http.get("/api/v1/evidence/nope", headers=executor).status_code == 404
        assert http.get("/api/v1/evidence/nope/files/x", headers=executor).status_code == 404
        assert upload(http, {}, copy_id, b"x").status_code == 401
        staging = xb.settings.data_dir / "evidence" / "staging"
        assert not staging.exists() or not any(staging.iterdir())


def test_the_federation_endpoint_refuses_unsigned_oversized_and_unknown_evidence_calls(
    nodes: dict[str, FedNode],
) -> None:
    xa = nodes["XA"]
    kit = nodes["XB"].ctx.evidence
    assert kit is not None
    peers: Any = kit.peers
    endpoint = xa.settings.public_endpoint or ""
    with TestClient(
        create_federation_app(xa.container), base_url=endpoint, raise_server_exceptions=False
    ) as http:
        unsigned = http.post(f"{EVIDENCE_PATH}/p-1/chunks/0", content=b"abc")
        assert unsigned.status_code == 422
        assert unsigned.json()["code"] == "POLICY_VIOLATION"
        too_big = http.post(f"{EVIDENCE_PATH}/p-1", content=b"x" * (16 * 1024 * 1024 + 1))
        assert too_big.status_code == 413
    # Signed, but for a package never offered: not found. A malformed offer: SCHEMA_INVALID.
    assert peers.evidence("XA", "/p-1/chunks/0", b"abc", "application/octet-stream").code == (
        "NOT_FOUND"
    )
    for body in (b"not json", b"[]", b'{"manifest": 1, "key": "k", "custody": []}'):
        answer = peers.evidence("XA", "/p-1", body, "application/json")
        assert answer.code == "SCHEMA_INVALID", body


def test_the_case_export_is_a_custody_step_and_passes_the_case_validator(
    nodes: dict[str, FedNode], tmp_path: Path
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    _, copy_id = exchanged(nodes)
    with client(xb) as http:
        assert upload(http, login(http, "executor"), copy_id, b"mail" * 5000).status_code == 201
        package_id = http.get(
            f"/api/v1/requests/{copy_id}/evidence", headers=login(http, "executor")
        ).json()[0]["package_id"]
    TransferRelay().run_once(xb.ctx)
    with client(xa) as http:
        drafter = login(http, "drafter")
        exported = http.get(f"/api/v1/evidence/{package_id}/case", headers=drafter)
        assert exported.status_code == 200, exported.text
        assert exported.headers["content-type"] == "application/ld+json"
        chain = http.get(f"/api/v1/evidence/{package_id}", headers=drafter).json()["custody"]
        assert chain[-1]["action"] == "exported"
        refused = http.get(
            f"/api/v1/evidence/{package_id}/case",
            params={"purpose": "admin_proc"},
            headers=drafter,
        )
        assert refused.status_code == 403 and refused.json()["code"] == "PURPOSE_DENIED"
    document = tmp_path / "export.jsonld"
    document.write_text(exported.text, "utf-8")
    result = case_validate(document)
    assert result.returncode == 0, result.stdout + result.stderr


def test_at_the_end_of_retention_the_chunks_go_and_the_custody_chain_stays(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    _, copy_id = exchanged(nodes)
    with client(xb) as http:
        created = upload(http, login(http, "executor"), copy_id, b"x" * 10000)
        package_id = created.json()["package_id"]
    TransferRelay().run_once(xb.ctx)
    xa.container.services = replace(xa.ctx, clock=LaterClock(RETENTION + timedelta(days=1)))

    assert data_protection.sweep(xa.ctx) == 1

    kit = xa.ctx.evidence
    assert kit is not None
    location = kit.files.location(Direction.INCOMING, package_id)
    assert not (location / "chunks").exists() and not (location / "key.jwe").exists()
    with client(xa) as http:
        drafter = login(http, "drafter")
        gone = http.get(
            f"/api/v1/evidence/{package_id}/files/{UPLOAD['file_name']}", headers=drafter
        )
        assert gone.status_code == 410 and gone.json()["code"] == "RETENTION_EXPIRED"
    with xa.ctx.uow() as uow:
        chain = [str(entry.record.action) for entry in uow.packages.custody(package_id)]
    assert chain[-1] == "deleted"
    assert len((location / "custody.jsonl").read_text().splitlines()) == len(chain)


def test_files_left_by_a_crash_after_the_erasure_are_removed_at_the_next_sweep(
    nodes: dict[str, FedNode], monkeypatch: pytest.MonkeyPatch
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    small_chunks(xb)
    _, copy_id = exchanged(nodes)
    with client(xb) as http:
        created = upload(http, login(http, "executor"), copy_id, b"x" * 10000)
        package_id = created.json()["package_id"]
    TransferRelay().run_once(xb.ctx)
    xa.container.services = replace(xa.ctx, clock=LaterClock(RETENTION + timedelta(days=1)))
    kit = xa.ctx.evidence
    assert kit is not None
    location = kit.files.location(Direction.INCOMING, package_id)
    with monkeypatch.context() as crash:
        # The node dies between the erasure's commit and the removal of the files.
        crash.setattr(evidence_service, "remove_files", lambda ctx, packages: None)
        crash.setattr(evidence_service, "remove_leftover_files", lambda ctx: None)
        assert data_protection.sweep(xa.ctx) == 1
    assert (location / "key.jwe").exists()

    assert data_protection.sweep(xa.ctx) == 0

    assert not (location / "chunks").exists() and not (location / "key.jwe").exists()


def test_a_folder_sealed_without_its_row_is_removed_once_settled_and_recorded_ones_stay(
    nodes: dict[str, FedNode],
) -> None:
    """INV-11: a node killed between sealing a package on disk and committing its row leaves
    a folder no step would reach; the sweep removes it once nothing has written to it for the
    grace period, and never touches a package that was recorded."""
    xb = nodes["XB"]
    small_chunks(xb)
    _, copy_id = exchanged(nodes)
    with client(xb) as http:
        created = upload(http, login(http, "executor"), copy_id, b"x" * 10000)
        recorded = created.json()["package_id"]
    kit = xb.ctx.evidence
    assert kit is not None
    kept = kit.files.location(Direction.OUTGOING, recorded)
    orphan = kit.files.location(Direction.OUTGOING, "pkg-sealed-then-killed")
    (orphan / "chunks").mkdir(parents=True)
    (orphan / "chunks" / "00000000").write_bytes(b"sealed bytes")
    # Written just now: it may be a seal in progress, so it stays.
    assert evidence_service.remove_orphan_folders(xb.ctx, older_than=timedelta(hours=1)) == 0
    assert orphan.exists()
    settled = os.stat(orphan).st_mtime - 2 * 3600
    for path in (orphan, orphan / "chunks", kept, kept / "chunks"):
        os.utime(path, (settled, settled))
    assert evidence_service.remove_orphan_folders(xb.ctx, older_than=timedelta(hours=1)) == 1
    assert not orphan.exists() and (kept / "chunks").is_dir()
