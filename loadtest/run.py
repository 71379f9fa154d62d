"""``make load``: start a demo network, run the mixed load of ``loadtest/locustfile.py`` on it
headless for a bounded time, print the figures beside the tier C targets, stop everything.

Environment: ``COMITY_LOAD_SECONDS`` (default 60), ``COMITY_LOAD_USERS`` (default 10: what
the shared 2-core machine holds beside the nodes), ``COMITY_LOAD_SPAWN_RATE`` (default 2).
Exits non-zero on any 5xx.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from loadtest.network import DemoNetwork, demo_network
from loadtest.report import Load, read_samples, table, verdict

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
DEFAULT_SECONDS = 60
DEFAULT_USERS = 10
DEFAULT_SPAWN_RATE = 2.0
# Users the locust file always starts (``Sender.fixed_count``); the rest are officers and API
# clients, 3 to 2.
SENDERS = 2


def load_level(seconds: float) -> Load:
    """The load asked for through the environment."""
    users = int(os.environ.get("COMITY_LOAD_USERS", DEFAULT_USERS))
    spawn = float(os.environ.get("COMITY_LOAD_SPAWN_RATE", DEFAULT_SPAWN_RATE))
    others = max(users - SENDERS, 0)
    detail = (
        f"~{others * 3 // 5} officers in browsers (1-3 s think time), "
        f"~{others - others * 3 // 5} API clients (0.3-0.8 s), {SENDERS} senders XA->XB; "
        "SQLite nodes, locust in the same machine"
    )
    return Load(users, spawn, seconds, os.cpu_count() or 1, detail)


def run_locust(network: DemoNetwork, folder: Path, load: Load) -> Path:
    """Run locust headless against XA; the samples file it wrote."""
    samples = folder / "samples.jsonl"
    env = {
        **os.environ,
        "COMITY_LOAD_NETWORK": str(network.data_dir),
        "COMITY_LOAD_SAMPLES": str(samples),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", network.url("XA"), "-u", str(load.users), "-r", f"{load.spawn_rate:g}",
        "-t", f"{load.seconds:.0f}s", "--csv", str(folder / "locust"), "--only-summary",
        "--stop-timeout", "10", "--loglevel", "WARNING",
    ]  # fmt: skip
    # Locust's own exit code says "some request failed"; the verdict is made from the samples.
    subprocess.run(command, env=env, check=False, timeout=load.seconds + 120)
    samples.touch()
    return samples


def main(
    seconds_variable: str = "COMITY_LOAD_SECONDS",
    default_seconds: float = DEFAULT_SECONDS,
    during: Callable[[DemoNetwork, Load], Callable[[], None]] | None = None,
) -> int:
    """Start the network, load it, print the table; the exit code (non-zero on any 5xx).

    ``during`` (for the soak) is called once the network is up and returns what to call
    once the load ended.
    """
    seconds = float(os.environ.get(seconds_variable, default_seconds))
    load = load_level(seconds)
    with tempfile.TemporaryDirectory(prefix="comity-load-") as temporary:
        folder = Path(temporary)
        with demo_network(folder) as network:
            print(f"Demo network up in {network.data_dir}; loading XA at {network.url('XA')}")
            finish = during(network, load) if during is not None else None
            samples = read_samples(run_locust(network, folder, load))
            if finish is not None:
                finish()
        print(table(samples, load))
    if not samples:
        print("No sample recorded: locust did not run.")
        return 2
    return verdict(samples).exit_code


if __name__ == "__main__":
    raise SystemExit(main())
