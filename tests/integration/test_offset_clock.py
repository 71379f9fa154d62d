"""The demo network's shared clock offset: how a walk shows a 60-day expiry in a minute."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from comity.bootstrap import OffsetClock, read_clock_offset
from comity.cli.demo_network import CLOCK_OFFSET_FILE, advance_clock, clock_offset

SLACK = timedelta(seconds=5)


def _ahead(clock: OffsetClock) -> timedelta:
    return clock.now() - datetime.now(UTC)


def test_the_clock_runs_ahead_by_what_the_file_says_and_never_goes_back(tmp_path: Path) -> None:
    path = tmp_path / CLOCK_OFFSET_FILE
    clock = OffsetClock(path)
    # No file: real time.
    assert abs(_ahead(clock)) < SLACK
    assert advance_clock(tmp_path, timedelta(days=19)) == timedelta(days=19)
    assert abs(_ahead(clock) - timedelta(days=19)) < SLACK
    assert advance_clock(tmp_path, timedelta(days=22)) == timedelta(days=41)
    assert clock_offset(tmp_path) == timedelta(days=41)
    assert abs(_ahead(clock) - timedelta(days=41)) < SLACK
    # A smaller offset written by hand is ignored: steps already dated must stay in the past.
    path.write_text("60\n", "ascii")
    os.utime(path, ns=(1, 1))
    assert abs(_ahead(clock) - timedelta(days=41)) < SLACK


def test_an_unreadable_or_negative_offset_means_real_time(tmp_path: Path) -> None:
    path = tmp_path / CLOCK_OFFSET_FILE
    path.write_text("soon\n", "ascii")
    assert read_clock_offset(path) == timedelta()
    path.write_text("-3600\n", "ascii")
    assert read_clock_offset(path) == timedelta()
    assert read_clock_offset(tmp_path / "missing") == timedelta()
    assert abs(_ahead(OffsetClock(path))) < SLACK
