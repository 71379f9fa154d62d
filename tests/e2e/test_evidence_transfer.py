"""A large evidence package between two real node processes over mutual TLS, with the
receiving node killed in the middle of the transfer (issue 5: "the receiving node killed in
the middle of a 2 GiB transfer → resumes and the final SHA-256 matches").

The executor of XB uploads the file through the officers' API (streamed to disk), XB seals it
and its relay transfers it to XA; XA is SIGKILLed once part of it has arrived and started
again; the transfer resumes from what XA holds, XA verifies and releases the package, and the
drafter of XA downloads it through the API with the same SHA-256 as the original. The size is
``COMITY_E2E_EVIDENCE_MIB`` (default 2048).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2

from comity.services.demo import example_mla_fields
from tests.federation_harness import PASSWORD
from tests.node_processes import Process, network, wait_until

__all__ = ["network"]

MIB = 1024 * 1024
SIZE_MIB = int(os.environ.get("COMITY_E2E_EVIDENCE_MIB", "2048"))


def login(http: httpx2.Client, name: str) -> dict[str, str]:
    response = http.post("/auth/token", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def random_file(path: Path, size_mib: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size_mib):
            block = os.urandom(MIB)
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def exchanged_mla(xa: Process, xb: Process) -> str:
    """An MLA XA → XB, delivered; the id of XB's copy."""
    with httpx2.Client(base_url=f"{xa.base}/api/v1", timeout=30) as http:
        drafter, approver = login(http, "drafter"), login(http, "approver")
        created = http.post(
            "/requests",
            headers=drafter,
            json={"type": "mla", "requested_state": "XB", "fields": example_mla_fields("XA")},
        )
        assert created.status_code == 201, created.text
        request_id = created.json()["id"]
        for path, who in (("submit", drafter), ("approve", approver), ("send", approver)):
            answer = http.post(f"/requests/{request_id}/{path}", headers=who)
            assert answer.status_code == 200, answer.text
    with httpx2.Client(base_url=f"{xb.base}/api/v1", timeout=30) as http:
        executor = login(http, "executor")

        def arrived() -> bool:
            inbox = http.get("/requests", headers=executor).json()["items"]
            return bool(inbox)

        wait_until(arrived, "the request did not reach XB")
        copy_id: str = http.get("/requests", headers=executor).json()["items"][0]["id"]
    return copy_id


def chunks_of(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while block := source.read(4 * MIB):
            yield block


def package(http: httpx2.Client, headers: dict[str, str], package_id: str) -> dict[str, Any]:
    answer = http.get(f"/evidence/{package_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_large_package_survives_a_receiver_killed_midway(
    network: dict[str, Process], tmp_path: Path
) -> None:
    xa, xb = network["XA"], network["XB"]
    xa.start()
    xb.start()
    copy_id = exchanged_mla(xa, xb)
    source = tmp_path / "disk.img"
    expected = random_file(source, SIZE_MIB)

    with httpx2.Client(base_url=f"{xb.base}/api/v1", timeout=600) as http:
        executor = login(http, "executor")
        uploaded = http.post(
            f"/requests/{copy_id}/evidence",
            params={
                "file_name": "disk.img",
                "acquired_by": "officer-17",
                "method": "physical image",
                "tool": "dc3dd 7.3",
                "source": "laptop SN 4711",
            },
            headers={**executor, "Content-Type": "application/octet-stream"},
            content=chunks_of(source),
        )
        assert uploaded.status_code == 201, uploaded.text
        package_id = uploaded.json()["package_id"]
        assert uploaded.json()["files"][0]["sha256"] == expected
    source.unlink()  # Only the nodes hold it now.

    with httpx2.Client(base_url=f"{xa.base}/api/v1", timeout=60) as http:
        drafter = login(http, "drafter")

        def partly_arrived() -> bool:
            answer = http.get(f"/evidence/{package_id}", headers=drafter)
            return answer.status_code == 200 and answer.json()["progress"]["percent"] >= 20

        wait_until(partly_arrived, "no chunk reached XA", timeout=600)
    assert xa.popen is not None
    xa.popen.kill()
    xa.popen.wait()
    time.sleep(1.0)  # XB's relay meets a closed port and backs off.
    xa.start()

    with httpx2.Client(base_url=f"{xb.base}/api/v1", timeout=60) as http:
        executor = login(http, "executor")

        def delivered() -> bool:
            return package(http, executor, package_id)["status"] in ("delivered", "failed")

        wait_until(delivered, "the package was not delivered", timeout=900)
        sent = package(http, executor, package_id)
    assert sent["status"] == "delivered", sent
    assert [c["action"] for c in sent["custody"]] == [
        "sealed",
        "sent",
        "received",
        "verified",
        "stored",
    ]

    with httpx2.Client(base_url=f"{xa.base}/api/v1", timeout=600) as http:
        drafter = login(http, "drafter")
        received = package(http, drafter, package_id)
        assert received["status"] == "released"
        assert received["progress"]["percent"] == 100.0
        digest = hashlib.sha256()
        with http.stream("GET", f"/evidence/{package_id}/files/disk.img", headers=drafter) as r:
            assert r.status_code == 200
            for block in r.iter_bytes():
                digest.update(block)
        assert digest.hexdigest() == expected
        timeline = http.get(f"/requests/{received['request_id']}", headers=drafter).json()
        custody = [item["stage"] for item in timeline["timeline"] if item["kind"] == "custody"]
        assert custody == ["sealed", "sent", "received", "verified", "stored", "opened"]


def test_a_sender_killed_after_a_chunk_resumes_without_sending_it_twice(
    network: dict[str, Process], tmp_path: Path
) -> None:
    xa, xb = network["XA"], network["XB"]
    xa.start()
    # XB dies (SIGKILL) right after the 5th chunk XA accepted.
    xb.start(COMITY_TEST_FAULTS="1", COMITY_FAULT_AT="evidence.send.after_chunk:5")
    copy_id = exchanged_mla(xa, xb)
    source = tmp_path / "small.img"
    expected = random_file(source, 48)
    with httpx2.Client(base_url=f"{xb.base}/api/v1", timeout=120) as http:
        uploaded = http.post(
            f"/requests/{copy_id}/evidence",
            params={
                "file_name": "small.img",
                "acquired_by": "o",
                "method": "m",
                "tool": "t",
                "source": "s",
            },
            headers={**login(http, "executor"), "Content-Type": "application/octet-stream"},
            content=source.read_bytes(),
        )
        assert uploaded.status_code == 201, uploaded.text
        package_id = uploaded.json()["package_id"]
    assert xb.popen is not None
    wait_until(xb.killed, "XB did not reach its crash point", timeout=120)
    xb.start()

    with httpx2.Client(base_url=f"{xb.base}/api/v1", timeout=60) as http:
        executor = login(http, "executor")
        wait_until(
            lambda: package(http, executor, package_id)["status"] == "delivered",
            "the package was not delivered after the restart",
            timeout=300,
        )
        assert [c["action"] for c in package(http, executor, package_id)["custody"]].count(
            "sent"
        ) == 1
    with httpx2.Client(base_url=f"{xa.base}/api/v1", timeout=120) as http:
        body = http.get(
            f"/evidence/{package_id}/files/small.img", headers=login(http, "drafter")
        ).content
    assert hashlib.sha256(body).hexdigest() == expected
