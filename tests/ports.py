"""Loopback ports for the servers the tests start (node processes, proxies, PostgreSQL, SMTP).

Asking the kernel for a free port (binding to port 0) returns one from the ephemeral range,
the range every outgoing connection also takes its source port from. Between that probe and
the server's own bind, which for a node process is seconds of imports later, a connection
made by the other test worker, or by a node, can take the port, and the server dies with
"address already in use". The fault tier makes thousands of such connections.

So these ports come from below the ephemeral range, where the kernel never picks a source
port, in a band of their own for each xdist worker (the two never hand out the same port),
in turn (a port a stopped server just left is not handed out again soon), and each is probed
before it is handed out (a service of the machine may listen in the band).
"""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterator
from pathlib import Path

# The band's floor: above the well-known services of the machine. Its ceiling is the start
# of the ephemeral range (Linux's default: 32768).
_FLOOR = 20_000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_cycle: Iterator[int] | None = None


def _ephemeral_start() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def worker_band() -> range:
    """This worker's share of the ports between the floor and the ephemeral range (empty
    when the machine's ephemeral range starts too low to leave room)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    index = int(worker) if worker.isdigit() else 0
    width = max(0, _ephemeral_start() - _FLOOR) // workers
    start = _FLOOR + index * width
    return range(start, start + width)


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _kernel_choice() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_port() -> int:
    """A loopback port free now that neither the other worker nor an outgoing connection
    will take before the caller's server binds it."""
    global _cycle
    band = worker_band()
    if len(band) < 100:
        return _kernel_choice()
    if _cycle is None:
        # Separate pytest runs on one machine (CI beside a developer's run) start apart.
        offset = os.getpid() % len(band)
        _cycle = itertools.cycle([*band[offset:], *band[:offset]])
    for _ in range(len(band)):
        port = next(_cycle)
        if _bindable(port):
            return port
    return _kernel_choice()
