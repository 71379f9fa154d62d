"""The load run's figures: exact percentiles per operation from the samples the locust file
recorded, grouped as the tier C targets are (officers' pages, API, inter-node acknowledgement),
printed as one table with the load level beside them.

Locust's own CSV rounds response times into buckets; the samples file keeps every response
time and status code, so the percentiles here are exact (nearest rank) and 5xx are counted
by status, not guessed from failure messages.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Operation names start with their group's prefix; the locust file names them so.
UI, API, ACK = "UI", "API", "ack"
GROUPS = (UI, API, ACK)


@dataclass(frozen=True)
class Target:
    """A tier C target: the group's p95 must stay under ``p95_ms``."""

    group: str
    label: str
    p95_ms: float


TARGETS = (
    Target(UI, "officers' pages p95 < 500 ms", 500.0),
    Target(API, "API p95 < 300 ms", 300.0),
    Target(ACK, "inter-node ack p95 < 1 s", 1000.0),
)


@dataclass(frozen=True)
class Sample:
    """One operation the load run did: its name, time taken, HTTP status (0 if none) and
    whether it failed."""

    name: str
    ms: float
    status: int
    failed: bool

    @property
    def group(self) -> str:
        """The target group, read from the name's first word (``UI dashboard`` → ``UI``)."""
        return self.name.split(" ", 1)[0]

    @property
    def server_error(self) -> bool:
        return 500 <= self.status <= 599


@dataclass(frozen=True)
class Load:
    """The load level the figures were measured at, printed next to them."""

    users: int
    spawn_rate: float
    seconds: float
    cores: int
    detail: str = ""


@dataclass(frozen=True)
class Row:
    """One line of the table: an operation or a whole group."""

    name: str
    count: int
    errors: int
    server_errors: int
    p50: float
    p95: float
    p99: float
    per_second: float


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (``fraction`` in (0, 1]); NaN if empty.

    Nearest rank never invents a value between two samples: p95 of 20 samples is the 19th
    smallest, which is what "95 % of operations took at most this" means.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = math.ceil(fraction * len(ordered))
    return ordered[rank - 1]


def read_samples(path: Path) -> list[Sample]:
    """The samples the locust file wrote, one JSON object a line."""
    samples = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            samples.append(
                Sample(item["name"], float(item["ms"]), int(item["status"]), bool(item["failed"]))
            )
    return samples


def summarise(name: str, samples: Sequence[Sample], seconds: float) -> Row:
    """The row of ``samples`` (all of one operation or group) over a run of ``seconds``."""
    times = [sample.ms for sample in samples]
    return Row(
        name=name,
        count=len(samples),
        errors=sum(sample.failed for sample in samples),
        server_errors=sum(sample.server_error for sample in samples),
        p50=percentile(times, 0.50),
        p95=percentile(times, 0.95),
        p99=percentile(times, 0.99),
        per_second=len(samples) / seconds if seconds > 0 else math.nan,
    )


def rows(samples: Iterable[Sample], seconds: float) -> tuple[list[Row], list[Row], Row]:
    """Per operation, per group and overall rows."""
    listed = list(samples)
    names = sorted({sample.name for sample in listed})
    operations = [summarise(name, [s for s in listed if s.name == name], seconds) for name in names]
    groups = [
        summarise(f"all {group}", [s for s in listed if s.group == group], seconds)
        for group in GROUPS
    ]
    return operations, groups, summarise("total", listed, seconds)


@dataclass(frozen=True)
class Verdict:
    """What the run showed against the targets."""

    met: list[str]
    missed: list[str]
    server_errors: int

    @property
    def exit_code(self) -> int:
        """Non-zero on any 5xx (a missed latency target is reported, not failed: the level
        the shared 2-core machine holds is below the plan's, see the load line)."""
        return 1 if self.server_errors else 0


def verdict(samples: Sequence[Sample]) -> Verdict:
    """Each target met or missed (a group with no sample misses its target), and the 5xx."""
    met: list[str] = []
    missed: list[str] = []
    for target in TARGETS:
        times = [s.ms for s in samples if s.group == target.group and not s.failed]
        p95 = percentile(times, 0.95)
        line = f"{target.label}: p95 {_ms(p95)}"
        (met if times and p95 < target.p95_ms else missed).append(line)
    server_errors = sum(sample.server_error for sample in samples)
    (met if server_errors == 0 else missed).append(f"0 5xx: {server_errors}")
    return Verdict(met, missed, server_errors)


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0f} ms"


def table(samples: Sequence[Sample], load: Load) -> str:
    """The printed report: the load level, one row per operation and group, the targets."""
    operations, groups, total = rows(samples, load.seconds)
    width = max([len(row.name) for row in operations + groups] + [10])
    header = (
        f"{'operation':<{width}}  {'count':>6} {'errors':>6} {'5xx':>4} "
        f"{'p50':>8} {'p95':>8} {'p99':>8} {'req/s':>7}"
    )

    def line(row: Row) -> str:
        return (
            f"{row.name:<{width}}  {row.count:>6} {row.errors:>6} {row.server_errors:>4} "
            f"{_ms(row.p50):>8} {_ms(row.p95):>8} {_ms(row.p99):>8} {row.per_second:>7.2f}"
        )

    rule = "-" * len(header)
    level = (
        f"Load: {load.users} users (spawn {load.spawn_rate:g}/s) for {load.seconds:.0f} s "
        f"on {load.cores} cores"
    ) + (f"; {load.detail}" if load.detail else "")
    result = verdict(samples)
    out = [level, rule, header, rule, *map(line, operations), rule, *map(line, groups)]
    out += [line(total), rule, "Tier C targets at this load:"]
    out += [f"  met     {item}" for item in result.met]
    out += [f"  MISSED  {item}" for item in result.missed]
    return "\n".join(out)
