"""The fault tier's closing report: figures against tier C, and the tests that failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import figures

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" tests="3">
<testcase classname="tests.faults.test_clock" name="test_skew" time="1.0"/>
<testcase classname="tests.faults.test_partitions" name="test_heal" time="2.0">
<failure message="AssertionError: not delivered&#10;assert 0 == 1">trace</failure>
</testcase>
<testcase classname="tests.faults.test_sessions" name="test_timing" time="3.0">
<error message="failed on setup with &quot;OSError&quot;">trace</error>
</testcase>
</testsuite></testsuites>
"""


def test_the_failed_and_errored_tests_are_named_with_the_first_line_of_their_message(
    tmp_path: Path,
) -> None:
    (tmp_path / figures.JUNIT_FILE).write_text(JUNIT, encoding="utf-8")
    assert figures.failed_tests(tmp_path) == [
        "FAILURE tests.faults.test_partitions::test_heal: AssertionError: not delivered",
        'ERROR tests.faults.test_sessions::test_timing: failed on setup with "OSError"',
    ]


def test_no_junit_file_means_no_failures_listed(tmp_path: Path) -> None:
    assert figures.failed_tests(tmp_path) == []


def test_the_report_ends_with_the_failures_and_a_missed_target_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(figures, "FIGURES_DIR", tmp_path)
    (tmp_path / figures.JUNIT_FILE).write_text(JUNIT, encoding="utf-8")
    figures.record("invariant_violations", 1)
    assert figures.main() == 1
    printed = capsys.readouterr().out.splitlines()
    assert any(line.startswith("invariant violations") and line.endswith("NO") for line in printed)
    assert printed[-3] == "== 2 test(s) of the tier failed:"
    assert printed[-1].startswith("ERROR tests.faults.test_sessions::test_timing")
