"""``make soak`` (plan §6 Q-03; not in CI): the load of ``make load`` for
``COMITY_SOAK_MINUTES`` (default 30), sampling every node process's resident memory and open
file descriptors every 30 s, then printing their growth after the warm-up.

The pass line of Q-03 is RSS growth < 10 % after warm-up and a stable fd count; both are
printed per node, with the percentile table of the whole run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil  # type: ignore[import-untyped]

from loadtest import run
from loadtest.network import DemoNetwork
from loadtest.report import Load

SAMPLE_SECONDS = 30.0
# The first minutes fill caches and connection pools: growth is measured from their end.
WARM_UP_SECONDS = 120.0
RSS_GROWTH_LIMIT = 0.10


@dataclass
class Resources:
    """What one node process held at one instant."""

    at: float
    rss: int
    fds: int


@dataclass
class Sampler:
    """Samples the node processes every ``interval`` seconds on a thread until stopped."""

    network: DemoNetwork
    interval: float = SAMPLE_SECONDS
    seen: dict[int, list[Resources]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self, at: float) -> None:
        for process in self.network.node_processes():
            try:
                with process.oneshot():
                    taken = Resources(at, process.memory_info().rss, process.num_fds())
                    self.names.setdefault(process.pid, _node_name(process))
            except psutil.Error:
                continue
            self.seen.setdefault(process.pid, []).append(taken)

    def run(self) -> None:
        elapsed = 0.0
        while not self._stop.is_set():
            self.sample(elapsed)
            self._stop.wait(self.interval)
            elapsed += self.interval

    def stop(self) -> None:
        self._stop.set()


def _node_name(process: psutil.Process) -> str:
    """The State a node process serves, read from its command line (its data folder)."""
    command = " ".join(process.cmdline())
    for state in ("XA", "XB", "XC"):
        if f"/{state}" in command:
            return state
    return f"pid {process.pid}"


def growth(samples: list[Resources], warm_up: float = WARM_UP_SECONDS) -> tuple[float, int] | None:
    """RSS growth (a fraction) and fd change from the first sample after ``warm_up`` to the
    last; None with fewer than two such samples (a run shorter than the warm-up)."""
    after = [sample for sample in samples if sample.at >= warm_up]
    if len(after) < 2:
        return None
    first, last = after[0], after[-1]
    return (last.rss - first.rss) / first.rss, last.fds - first.fds


def print_growth(sampler: Sampler) -> None:
    """One line per node process: RSS and fds after warm-up and at the end, and the verdict."""
    print(
        f"Node processes (sampled every {sampler.interval:.0f} s, warm-up {WARM_UP_SECONDS:.0f} s):"
    )
    for pid, samples in sorted(sampler.seen.items()):
        last = samples[-1]
        held = f"RSS {last.rss / 2**20:7.1f} MiB  fds {last.fds:>4}"
        measured = growth(samples)
        if measured is None:
            change = "growth not measured: the run was shorter than the warm-up"
        else:
            rss, fds = measured
            verdict = "ok" if rss < RSS_GROWTH_LIMIT else "RSS GROWTH OVER 10 %"
            change = f"after warm-up RSS {rss:+.1%}, fds {fds:+d}: {verdict}"
        print(f"  {sampler.names.get(pid, pid)!s:<8} {len(samples):>4} samples  {held}  {change}")


def main() -> int:
    """The soak: the load run for ``COMITY_SOAK_MINUTES`` with the sampler beside it."""
    minutes = float(os.environ.get("COMITY_SOAK_MINUTES", "30"))
    os.environ["COMITY_SOAK_SECONDS"] = str(minutes * 60)

    def during(network: DemoNetwork, _load: Load) -> Callable[[], None]:
        sampler = Sampler(network)
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()

        def finish() -> None:
            sampler.stop()
            thread.join()
            print_growth(sampler)

        return finish

    return run.main("COMITY_SOAK_SECONDS", minutes * 60, during)


if __name__ == "__main__":
    raise SystemExit(main())
