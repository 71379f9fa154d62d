"""A demo network as a process for a load run: ``comity demo up`` on free loopback ports in
a fresh folder, waited for until every node is up, and stopped with SIGINT as ``make run``'s
user would stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]

STATES = ("XA", "XB", "XC")
START_TIMEOUT = 180.0
# A port found free can be taken by another process before the node binds it: the start is
# tried again on other ports when that is why it failed.
START_ATTEMPTS = 3


@dataclass
class DemoNetwork:
    """The running ``comity demo up`` process and its folder."""

    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path
    base: int

    def url(self, state: str) -> str:
        """The officers' address of ``state``'s node."""
        return f"http://127.0.0.1:{self.base + STATES.index(state)}"

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def node_processes(self) -> list[psutil.Process]:
        """The node processes ``comity demo up`` started (its children)."""
        try:
            children: list[psutil.Process] = psutil.Process(self.process.pid).children(
                recursive=True
            )
            return children
        except psutil.NoSuchProcess:
            return []


def free_base_port() -> int:
    """A base port with base..base+2 and base+100..base+102 free on loopback."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base: int = probe.getsockname()[1]
        if base + 103 > 65_535:
            continue
        with ExitStack() as stack:
            try:
                for port in [base + offset + i for offset in (0, 100) for i in range(3)]:
                    stack.enter_context(socket.socket()).bind(("127.0.0.1", port))
            except OSError:
                continue
        return base
    raise RuntimeError("no free range of ports found on loopback")


def node_environment() -> dict[str, str]:
    """The nodes' environment: SQLite in the demo folder, and the small password-hashing cost
    of the tests, so that the shared machine's cores go to the load and not to sign-ins."""
    env = {**os.environ, "COMITY_ARGON2_TIME_COST": "1", "COMITY_ARGON2_MEMORY_COST": "1024"}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("COMITY_DATABASE_URL", None)
    return env


@contextmanager
def demo_network(folder: Path) -> Iterator[DemoNetwork]:
    """A running demo network in ``folder`` for the ``with`` block."""
    for attempt in range(1, START_ATTEMPTS + 1):
        running = _start(folder / f"attempt-{attempt}")
        if running is not None:
            break
    else:
        raise RuntimeError(f"the demo network did not start in {START_ATTEMPTS} attempts")
    try:
        yield running
    finally:
        stop(running.process)


def _start(folder: Path) -> DemoNetwork | None:
    folder.mkdir(parents=True)
    base = free_base_port()
    data_dir = folder / "demo"
    log_path = folder / "up.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "comity", "demo", "up", "--dir", str(data_dir),
             "--base-port", str(base)],
            stdout=log, stderr=subprocess.STDOUT, env=node_environment(),
        )  # fmt: skip
    running = DemoNetwork(process, data_dir, log_path, base)
    deadline = time.monotonic() + START_TIMEOUT
    while "Network up" not in running.output():
        if process.poll() is not None:
            if "address already in use" in running.output():
                return None
            raise RuntimeError(running.output())
        if time.monotonic() >= deadline:
            stop(process)
            raise RuntimeError(f"the demo network did not start within {START_TIMEOUT:.0f} s")
        time.sleep(0.2)
    return running


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop ``comity demo up`` (and with it its nodes) as Ctrl-C would."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
