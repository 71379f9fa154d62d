"""The figures the fault tier reaches, against the targets of security-test-plan §7 tier C.

Every fault, fuzz and access test adds what it actually did (kills survived, messages
duplicated, examples tried, bytes flipped, cells walked) with ``record``; each test process
appends to its own file, so parallel workers never share one. ``python -m tests.figures``
sums them and prints the table `make test-faults` ends with, each figure beside its target,
and exits non-zero when a figure misses its target or an invariant was violated.

The report also names the tests that failed, read from the JUnit file pytest writes beside
the figures: CI keeps only the tail of a long run's output, and a failure printed twenty
minutes earlier, above thousands of lines, is a failure nobody can act on.
"""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

FIGURES_DIR = Path(os.environ.get("COMITY_FIGURES_DIR", "build/figures"))
JUNIT_FILE = "junit.xml"


@dataclass(frozen=True)
class Target:
    """What tier C asks of one figure: at least ``minimum`` (or at most ``maximum``)."""

    label: str
    minimum: int | None = None
    maximum: int | None = None

    def met(self, value: int) -> bool:
        if self.minimum is not None and value < self.minimum:
            return False
        return self.maximum is None or value <= self.maximum

    @property
    def wanted(self) -> str:
        if self.maximum is not None:
            return f"<= {self.maximum}"
        return f">= {self.minimum}" if self.minimum is not None else ""


# The figures §7 tier C names, in the order the report prints them. A figure recorded under
# another name is printed too, after these, without a target.
TARGETS: dict[str, Target] = {
    "invariant_checks": Target("invariant checks run over every node", minimum=1),
    "invariant_violations": Target("invariant violations", maximum=0),
    "crash_points": Target("distinct crash points killed", minimum=25),
    "kills_survived": Target("kills at crash points survived", minimum=50),
    "sqlite_kills": Target("SQLite kills in a write loop survived", minimum=50),
    "messages_delivered": Target("messages delivered once under duplication", minimum=1000),
    "messages_duplicated": Target("duplicate deliveries answered", minimum=1000),
    "messages_reordered": Target("messages delivered out of order", minimum=1),
    "partitions_healed": Target("partitions healed", minimum=1),
    "asymmetric_partitions_healed": Target("asymmetric partitions healed", minimum=1),
    "postgresql_restarts": Target("PostgreSQL restarts under traffic", minimum=2),
    "acknowledged_writes_lost": Target("acknowledged writes lost", maximum=0),
    "disk_full_placements": Target("disk-full placements (blob, database, audit)", minimum=3),
    "clock_cases": Target("clock skews and jumps tried", minimum=4),
    "hypothesis_examples": Target("hypothesis examples tried", minimum=200),
    "stateful_steps": Target("stateful steps run", minimum=200),
    "schemathesis_cases": Target("schemathesis cases run", minimum=100),
    "fuzz_targets": Target("fuzz targets run", minimum=8),
    "fuzz_executions": Target("fuzz executions", minimum=1),
    "bytes_flipped": Target("bytes of a 4 KiB signed message flipped", minimum=4096),
    "flips_accepted": Target("flipped messages accepted", maximum=0),
    "xss_cases": Target("XSS and injection payloads x fields tried", minimum=200),
    "access_cells": Target("access-matrix cells walked", minimum=1),
    "access_cells_wrong": Target("access-matrix cells answered wrongly", maximum=0),
}


def record(name: str, count: int = 1) -> None:
    """Add ``count`` to the figure ``name`` (one JSON line in this process's own file)."""
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    with (FIGURES_DIR / f"figures-{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"name": name, "count": count}) + "\n")


def totals(directory: Path | None = None) -> dict[str, int]:
    """Every figure recorded under ``directory`` (``FIGURES_DIR`` by default), summed."""
    summed: dict[str, int] = defaultdict(int)
    for path in sorted((directory or FIGURES_DIR).glob("figures-*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            entry = json.loads(line)
            summed[entry["name"]] += int(entry["count"])
    return dict(summed)


def report(figures: dict[str, int]) -> tuple[list[str], bool]:
    """The report's lines, and whether every target is met."""
    lines = [f"{'figure':<52} {'reached':>10}  {'tier C':>8}  ok"]
    all_met = True
    for name, target in TARGETS.items():
        value = figures.get(name, 0)
        met = target.met(value)
        all_met = all_met and met
        lines.append(
            f"{target.label:<52} {value:>10}  {target.wanted:>8}  {'yes' if met else 'NO'}"
        )
    for name in sorted(set(figures) - set(TARGETS)):
        lines.append(f"{name.replace('_', ' '):<52} {figures[name]:>10}")
    return lines, all_met


def failed_tests(directory: Path | None = None) -> list[str]:
    """One line per test that failed or errored in the JUnit file pytest wrote under
    ``directory`` (the test's id and the first line of its message); none when no file."""
    path = (directory or FIGURES_DIR) / JUNIT_FILE
    if not path.is_file():
        return []
    # The file is the one this run's own pytest wrote, not foreign input.
    lines = []
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        for outcome in ("failure", "error"):
            found = case.find(outcome)
            if found is None:
                continue
            message = (found.get("message") or "").strip().splitlines()
            where = f"{case.get('classname', '')}::{case.get('name', '')}"
            lines.append(f"{outcome.upper()} {where}: {message[0] if message else ''}"[:400])
    return lines


def main() -> int:
    """Print the report of ``COMITY_FIGURES_DIR``, then the tests that failed; 1 when a
    target is missed (a failed test fails the make target through pytest's own status)."""
    lines, all_met = report(totals())
    print("\n".join(lines))  # noqa: T201 (this is the report)
    if not all_met:
        print("Some tier C targets were not reached (NO above).")  # noqa: T201
    failures = failed_tests()
    if failures:
        print(f"== {len(failures)} test(s) of the tier failed:")  # noqa: T201
        print("\n".join(failures))  # noqa: T201
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
