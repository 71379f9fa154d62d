"""A real node process on loopback: `comity demo run`, used over HTTP as `make run` serves it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from comity.services.demo import DEMO_PASSWORD, example_mla_fields
from tests.ports import free_port


@pytest.fixture
def demo_node(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "COMITY_ARGON2_TIME_COST": "1", "COMITY_ARGON2_MEMORY_COST": "1024"}
    env.pop("COMITY_DATABASE_URL", None)
    log = (tmp_path / "node.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "comity", "demo", "run", "--dir", str(tmp_path / "demo"),
         "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "node.log").read_text()
            assert time.monotonic() < deadline, "the node did not start within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    output = (tmp_path / "node.log").read_text()
    assert f"http://127.0.0.1:{port}/api/v1/" in output and DEMO_PASSWORD in output


def test_the_demo_node_serves_the_catalogue_and_enforces_the_workflow(demo_node: str) -> None:
    with httpx2.Client(base_url=demo_node, timeout=10) as http:
        catalogue = http.get("/api/v1/catalogue").json()
        assert len({item["code"] for item in catalogue["types"]}) == 28

        def login(name: str) -> dict[str, str]:
            response = http.post(
                "/api/v1/auth/token", json={"username": name, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        drafter, approver = login("drafter"), login("approver")
        existing = http.get("/api/v1/requests", headers=drafter).json()["items"]
        assert {item["status"] for item in existing} >= {"draft", "awaiting_approval", "approved"}

        incomplete = http.post(
            "/api/v1/requests",
            json={"type": "mla", "requested_state": "XB", "fields": {"language": "en"}},
            headers=drafter,
        ).json()
        refused = http.post(f"/api/v1/requests/{incomplete['id']}/submit", headers=drafter)
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "INCOMPLETE_REQUEST"
        assert (
            "fields.purpose" in refused.json()["missing"] and len(refused.json()["missing"]) == 10
        )

        complete = http.post(
            "/api/v1/requests",
            json={"type": "mla", "requested_state": "XB", "fields": example_mla_fields()},
            headers=drafter,
        ).json()
        submitted = http.post(f"/api/v1/requests/{complete['id']}/submit", headers=drafter)
        assert submitted.json()["status"] == "awaiting_approval"
        own = http.post(f"/api/v1/requests/{complete['id']}/approve", headers=drafter)
        assert own.status_code == 403
        approved = http.post(f"/api/v1/requests/{complete['id']}/approve", headers=approver)
        assert approved.json()["status"] == "approved"
