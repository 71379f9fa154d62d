"""`comity node serve` on a node that has keys but no directory yet: officers can work, the
federation listener waits, and the console says why."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from tests.ports import free_port


def test_a_node_without_a_directory_serves_officers_and_says_why_it_does_not_federate(
    tmp_path: Path,
) -> None:
    port, federation_port = free_port(), free_port()
    node = tmp_path / "xq"
    env = {**os.environ, "COMITY_ARGON2_TIME_COST": "1", "COMITY_ARGON2_MEMORY_COST": "1024"}
    env.pop("COMITY_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "comity", "node", "init", "--state", "XQ", "--dir", str(node),
         "--port", str(port), "--federation-port", str(federation_port),
         "--public-endpoint", f"https://127.0.0.1:{federation_port}"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "comity", "node", "serve", "--dir", str(node)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        with socket.socket() as probe:
            # Nothing listens for other nodes until a directory is installed.
            assert probe.connect_ex(("127.0.0.1", federation_port)) != 0
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    output = " ".join(log_path.read_text().split())
    assert "Federation listener not started (DIRECTORY_INVALID)" in output
