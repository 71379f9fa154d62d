"""Running the demo network's node processes: start, wait until healthy, stop them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

import httpx2

from comity.cli.context import console, errors
from comity.cli.demo_network import DemoNode

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
LOG_FILE = "node.log"
# Settings a node must take from its own node.json, never from the shell that runs the demo:
# three nodes sharing one database URL or one port would trample each other.
_NODE_OWN_SETTINGS = (
    "COMITY_DATABASE_URL",
    "COMITY_STATE",
    "COMITY_DATA_DIR",
    "COMITY_PORT",
    "COMITY_FEDERATION_PORT",
    "COMITY_PUBLIC_ENDPOINT",
)


@dataclass
class _Running:
    """A node process and the log its output goes to."""

    node: DemoNode
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    @property
    def log_path(self) -> Path:
        return self.node.data_dir / LOG_FILE


def supervise(nodes: Sequence[DemoNode], *, host: str) -> int:
    """Start every node, wait until all answer, then until Ctrl-C or SIGTERM; the exit code."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    running: list[_Running] = []
    try:
        for node in nodes:
            running.append(_start(node, host=host))
        failed = _wait_healthy(running, stop)
        if failed is not None:
            _report_death(failed)
            return 2
        if stop.is_set():
            return 0
        console.print(
            "Network up: "
            + ", ".join(f"{item.node.state} {item.node.base_url}" for item in running)
            + ". Ctrl-C stops every node."
        )
        console.print(f"In another terminal: comity demo scenario --dir {nodes[0].data_dir.parent}")
        while not stop.wait(0.5):
            for item in running:
                if item.process.poll() is not None:
                    _report_death(item)
                    return 2
        return 0
    finally:
        _stop_all(running)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start(node: DemoNode, *, host: str) -> _Running:
    """Start ``comity node serve`` for ``node``, its output appended to its log."""
    env = {key: value for key, value in os.environ.items() if key not in _NODE_OWN_SETTINGS}
    env["PYTHONUNBUFFERED"] = "1"
    log_path = node.data_dir / LOG_FILE
    log = log_path.open("ab")
    log.write(f"\n--- comity demo up: starting {node.state} at {time.ctime()} ---\n".encode())
    log.flush()
    # `python -m comity` is the `comity` script without relying on it being on PATH.
    command = [sys.executable, "-m", "comity", "node", "serve", "--dir", str(node.data_dir)]
    command += ["--host", host]
    # Each node gets its own session, so a Ctrl-C in the terminal reaches only this
    # supervisor, which then stops the nodes one signal each (a second signal would make
    # uvicorn skip its graceful shutdown).
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    return _Running(node, process, log)


def _wait_healthy(running: Sequence[_Running], stop: threading.Event) -> _Running | None:
    """Wait until every node answers ``/healthz``; the first node that died, if one did."""
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(running)
    with httpx2.Client(timeout=1.0) as http:
        while waiting and not stop.is_set():
            for item in list(waiting):
                if item.process.poll() is not None:
                    return item
                try:
                    if http.get(f"{item.node.base_url}/healthz").status_code == 200:
                        waiting.remove(item)
                        console.print(f"{item.node.state} answers on {item.node.base_url}")
                except httpx2.TransportError:
                    pass
            if waiting and time.monotonic() > deadline:
                return waiting[0]
            if waiting:
                stop.wait(0.2)
    return None


def _report_death(item: _Running) -> None:
    state = item.node.state
    code = item.process.poll()
    what = f"exited with code {code}" if code is not None else "did not answer in time"
    errors.print(f"[red]Node {state} {what}.[/red] Last lines of {item.log_path}:")
    item.log.flush()
    lines = item.log_path.read_text("utf-8", errors="replace").splitlines()
    for line in lines[-30:]:
        errors.print(f"  {line}", markup=False, highlight=False)


def _stop_all(running: Sequence[_Running]) -> None:
    """Stop every node: SIGTERM to all, then SIGKILL for any still up after 10 s."""
    for item in running:
        if item.process.poll() is None:
            item.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for item in running:
        try:
            item.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            item.process.kill()
            item.process.wait()
        item.log.close()
        code = item.process.returncode
        # uvicorn ends by re-raising the signal it shut down on: that is a clean stop.
        clean = code in (0, -signal.SIGTERM, -signal.SIGINT)
        console.print(f"{item.node.state} stopped" + ("." if clean else f" (exit code {code})."))
