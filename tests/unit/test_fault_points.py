"""The registry of crash points and the ``ctx.faults.hit`` lines in the source agree."""

from __future__ import annotations

import re
from pathlib import Path

from comity.services.fault_points import CRASH_POINTS

SOURCE = Path(__file__).resolve().parents[2] / "src" / "comity"
HIT = re.compile(r"""faults\.hit\(\s*["']([^"']+)["']\s*\)""")


def points_in_source() -> list[str]:
    return [
        name
        for path in sorted(SOURCE.rglob("*.py"))
        for name in HIT.findall(path.read_text(encoding="utf-8"))
    ]


def test_every_hit_in_the_source_is_registered_and_every_registered_point_is_hit() -> None:
    found = points_in_source()
    assert sorted(set(found)) == sorted(CRASH_POINTS)


def test_each_point_is_placed_once_and_listed_once() -> None:
    found = points_in_source()
    assert len(found) == len(set(found)), "a point in two places cannot be aimed at"
    assert len(CRASH_POINTS) == len(set(CRASH_POINTS))


def test_there_are_at_least_twenty_five_points() -> None:
    assert len(CRASH_POINTS) >= 25
