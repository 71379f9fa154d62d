"""How fast an evidence package goes from one node to another (issue 5 item 7), with the
receiver's peak memory, against ``openssl dgst -sha256`` over the same file in the same run.

Two real node processes (``comity node serve``, SQLite, mutual TLS on loopback) exchange an
MLA request; the executor of XB uploads a file of random data through the officers' API; XB
seals it and its relay transfers it to XA. The transfer is timed from the moment the package
is sealed (the upload's answer) to the moment XB records it ``delivered``, which is after XA
has received every chunk, verified the whole package with its key and released it. Peak
resident memory of each node process is read from ``/proc/<pid>/status`` (VmHWM) while it still
runs. Size: ``COMITY_BENCH_EVIDENCE_MIB`` (default 1024; the issue's large run is 4096).

``COMITY_BENCH_RESTART=1`` kills the receiving node once a quarter of the package has arrived
and starts it again: the figure then includes the resumption (the issue's "Done when").

A benchmark reports; it does not fail when a target is missed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2

from comity.config import Settings
from comity.domain.values import Role
from comity.local_network import create_local_network
from comity.services.demo import example_mla_fields

MIB = 1024 * 1024
PASSWORD = "benchmark password 1"
TRANSFER_TARGET, RSS_TARGET_MIB = 0.4, 200.0
ACCOUNTS = {
    "drafter": (frozenset({Role.DRAFTER}), "central"),
    "approver": (frozenset({Role.APPROVER}), "central"),
    "executor": (frozenset({Role.EXECUTOR}), "central"),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Node:
    """One ``comity node serve`` process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.popen: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{settings.port}"
        self.peak_kib = 0

    def start(self) -> None:
        env = {**os.environ, "COMITY_RETRY_FIRST_DELAY": "0.2", "COMITY_RETRY_MAX_DELAY": "1"}
        log = (self.settings.data_dir / "node.log").open("a")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "comity", "node", "serve", "--dir", str(self.settings.data_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        _wait(self._healthy, 60)

    def _healthy(self) -> bool:
        try:
            return httpx2.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except httpx2.TransportError:
            return False

    def sample_memory(self) -> None:
        """Remember the process's peak resident memory so far (survives a restart)."""
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            status = Path(f"/proc/{self.popen.pid}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_kib = max(self.peak_kib, int(line.split()[1]))

    def kill(self) -> None:
        if self.popen is not None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def _wait(
    condition: Callable[[], bool], timeout: float, tick: Callable[[], None] = lambda: None
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        tick()
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.1)


def _login(http: httpx2.Client, name: str) -> dict[str, str]:
    answer = http.post("/auth/token", json={"username": name, "password": PASSWORD})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _random_file(path: Path, size_mib: int) -> None:
    with path.open("wb") as out:
        for _ in range(size_mib):
            out.write(os.urandom(MIB))


def _openssl_rate(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["openssl", "dgst", "-sha256", str(path)], check=True, capture_output=True)
    return path.stat().st_size / MIB / (time.perf_counter() - started)


def _exchange(xa: Node, xb: Node) -> str:
    with httpx2.Client(base_url=f"{xa.base}/api/v1", timeout=30) as http:
        drafter, approver = _login(http, "drafter"), _login(http, "approver")
        created = http.post(
            "/requests",
            headers=drafter,
            json={"type": "mla", "requested_state": "XB", "fields": example_mla_fields("XA")},
        )
        created.raise_for_status()
        request_id = created.json()["id"]
        for step, who in (("submit", drafter), ("approve", approver), ("send", approver)):
            http.post(f"/requests/{request_id}/{step}", headers=who).raise_for_status()
    with httpx2.Client(base_url=f"{xb.base}/api/v1", timeout=30) as http:
        executor = _login(http, "executor")
        _wait(lambda: bool(http.get("/requests", headers=executor).json()["items"]), 60)
        copy_id: str = http.get("/requests", headers=executor).json()["items"][0]["id"]
    return copy_id


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while block := source.read(4 * MIB):
            yield block


def main() -> None:
    size_mib = int(os.environ.get("COMITY_BENCH_EVIDENCE_MIB", "1024"))
    restart = os.environ.get("COMITY_BENCH_RESTART") == "1"
    root = Path(tempfile.mkdtemp(prefix="comity-bench-transfer-"))
    try:
        settings = {
            state: Settings(
                state=state,
                data_dir=root / state,
                port=_free_port(),
                federation_port=(federation := _free_port()),
                public_endpoint=f"https://127.0.0.1:{federation}",
            )
            for state in ("XA", "XB")
        }
        create_local_network(
            root,
            list(settings.values()),
            accounts=ACCOUNTS,
            password=PASSWORD,
            now=datetime.now(UTC),
            valid_for=timedelta(days=1),
        )
        xa, xb = Node(settings["XA"]), Node(settings["XB"])
        xa.start()
        xb.start()
        try:
            copy_id = _exchange(xa, xb)
            source = root / "disk.img"
            _random_file(source, size_mib)
            baseline = _openssl_rate(source)
            with httpx2.Client(base_url=f"{xb.base}/api/v1", timeout=3600) as http:
                executor = _login(http, "executor")
                started = time.perf_counter()
                uploaded = http.post(
                    f"/requests/{copy_id}/evidence",
                    params={
                        "file_name": "disk.img",
                        "acquired_by": "bench",
                        "method": "copy",
                        "tool": "benchmark",
                        "source": "random data",
                    },
                    headers={**executor, "Content-Type": "application/octet-stream"},
                    content=_blocks(source),
                )
                uploaded.raise_for_status()
                sealed_at = time.perf_counter()
                package_id = uploaded.json()["package_id"]
                restarted = False

                def tick() -> None:
                    nonlocal restarted
                    xa.sample_memory()
                    xb.sample_memory()
                    if restart and not restarted:
                        progress = http.get(f"/evidence/{package_id}", headers=executor).json()
                        if progress["progress"]["percent"] >= 25:
                            xa.sample_memory()
                            xa.kill()
                            xa.start()
                            restarted = True

                def delivered() -> bool:
                    answer = http.get(f"/evidence/{package_id}", headers=executor).json()
                    if answer["status"] == "failed":
                        raise SystemExit(f"transfer failed: {answer}")
                    return bool(answer["status"] == "delivered")

                _wait(delivered, 3600, tick)
                done = time.perf_counter()
        finally:
            xa.sample_memory()
            xb.sample_memory()
            xa.stop()
            xb.stop()
        upload_rate = size_mib / (sealed_at - started)
        rate = size_mib / (done - sealed_at)
        met = "met" if rate / baseline >= TRANSFER_TARGET else "NOT met"
        report: dict[str, Any] = {
            "size": f"{size_mib} MiB",
            "openssl dgst -sha256": f"{baseline:.0f} MiB/s",
            "upload + seal (API)": f"{upload_rate:.0f} MiB/s = {upload_rate / baseline:.2f}x",
            "transfer XB -> XA (mTLS, verified)": f"{rate:.0f} MiB/s = {rate / baseline:.2f}x"
            f" (target {TRANSFER_TARGET}x: {met})",
            "receiver restarted midway": "yes" if restart else "no",
            "peak RSS sender XB": f"{xb.peak_kib / 1024:.0f} MiB",
            "peak RSS receiver XA": f"{xa.peak_kib / 1024:.0f} MiB (target < {RSS_TARGET_MIB:.0f})",
        }
        width = max(len(key) for key in report)
        for key, value in report.items():
            print(f"{key:<{width}}  {value}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
