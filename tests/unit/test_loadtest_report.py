"""The load run's report: exact nearest-rank percentiles, the groups the tier C targets name,
5xx counted by status, and a non-zero exit only on a 5xx."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from loadtest.report import Load, Sample, percentile, read_samples, rows, table, verdict


def test_percentiles_are_nearest_rank_and_never_between_two_samples() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20, shuffled below
    shuffled = values[10:] + values[:10]
    assert percentile(shuffled, 0.50) == 10.0
    assert percentile(shuffled, 0.95) == 19.0
    assert percentile(shuffled, 0.99) == 20.0
    assert percentile(shuffled, 1.0) == 20.0
    assert percentile([7.0], 0.5) == 7.0
    assert percentile([1.0, 100.0], 0.5) == 1.0
    assert math.isnan(percentile([], 0.95))
    with pytest.raises(ValueError):
        percentile(values, 0)


def _samples() -> list[Sample]:
    pages = [Sample("UI dashboard", float(ms), 200, False) for ms in range(10, 110, 10)]
    api = [Sample("API list", 5.0, 200, False) for _ in range(9)]
    api.append(Sample("API get", 900.0, 503, True))
    acks = [Sample("ack inter-node", 150.0, 0, False), Sample("ack inter-node", 250.0, 0, False)]
    return pages + api + acks


def test_rows_per_operation_and_per_group_count_errors_and_5xx() -> None:
    operations, groups, total = rows(_samples(), seconds=10)
    by_name = {row.name: row for row in operations + groups + [total]}
    assert sorted(row.name for row in operations) == [
        "API get", "API list", "UI dashboard", "ack inter-node"
    ]  # fmt: skip
    assert by_name["all API"].count == 10
    assert (by_name["all API"].errors, by_name["all API"].server_errors) == (1, 1)
    assert by_name["all API"].p95 == 900.0
    assert by_name["UI dashboard"].p50 == 50.0
    assert by_name["all ack"].p99 == 250.0
    assert by_name["total"].count == 22
    assert by_name["total"].per_second == pytest.approx(2.2)


def test_a_5xx_fails_the_run_and_a_missed_latency_is_reported() -> None:
    result = verdict(_samples())
    assert result.server_errors == 1
    assert result.exit_code == 1
    # The API's p95 is taken over its successful calls (5 ms); the UI's is 100 ms.
    assert any(line.startswith("0 5xx") for line in result.missed)
    assert any(line.startswith("API p95") for line in result.met)
    clean = [s for s in _samples() if not s.server_error]
    assert verdict(clean).exit_code == 0
    slow = clean + [Sample("ack inter-node", 5000.0, 0, False)] * 5
    assert any(line.startswith("inter-node ack") for line in verdict(slow).missed)
    # A group with no samples cannot be said to meet its target.
    no_ack = [s for s in clean if s.group != "ack"]
    assert any(line.startswith("inter-node ack") for line in verdict(no_ack).missed)


def test_the_table_states_the_load_level_beside_the_figures(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"name": s.name, "ms": s.ms, "status": s.status, "failed": s.failed})
            for s in _samples()
        )
        + "\n"
    )
    samples = read_samples(path)
    assert samples == _samples()
    printed = table(samples, Load(users=7, spawn_rate=2, seconds=10, cores=2, detail="SQLite"))
    assert printed.splitlines()[0] == "Load: 7 users (spawn 2/s) for 10 s on 2 cores; SQLite"
    assert "MISSED  0 5xx: 1" in printed
    assert "met     officers' pages p95 < 500 ms: p95 100 ms" in printed


def test_soak_growth_is_measured_from_the_end_of_the_warm_up() -> None:
    from loadtest.soak import Resources, growth

    samples = [
        Resources(0, 50 * 2**20, 20),  # before the warm-up ends: not the baseline
        Resources(120, 100 * 2**20, 30),
        Resources(150, 104 * 2**20, 30),
        Resources(180, 112 * 2**20, 33),
    ]
    rss, fds = growth(samples) or (math.nan, 0)
    assert rss == pytest.approx(0.12)
    assert fds == 3
    assert growth(samples[:2]) is None
