"""Every practice life cycle walked to its end between the demo nodes (issue 8): `comity demo
scenario --all` as a real process against `comity demo up`, the demo network's clock moved
forward to show the timers (expiries, the 18-day alarm, the 45-day speciality lapse…), every
step printed once both States' copies show it; then every node's audit log still verifies
with a leaf for every step (L-09)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from comity.cli.demo_network import clock_offset
from comity.cli.walks import all_walks
from comity.store.engine import make_engine
from tests.e2e.test_demo_network import STATES, Network, network  # noqa: F401 (the fixture)
from tests.ledger_invariants import audit_gaps

pytestmark = pytest.mark.e2e


def test_the_scenario_walks_every_life_cycle_to_its_end(network: Network) -> None:  # noqa: F811
    driven = subprocess.run(
        [sys.executable, "-m", "comity", "demo", "scenario", "--all",
         "--dir", str(network.data_dir)],
        capture_output=True, text=True, env=network.env, timeout=900,
    )  # fmt: skip
    output = driven.stdout + driven.stderr
    assert driven.returncode == 0, output
    walks = all_walks()
    for walk in walks:
        assert walk.title in output, walk.title
        # The last line of each walk is printed only once both copies show its final state.
        assert walk.moves[-1].what in output, walk.moves[-1].what
    assert f"{len(walks)} life cycles walked to their end." in output
    assert "ALARM (warning): No extradition request 18 days after the arrest" in output
    assert "| NO " not in output
    # The walks moved the demo network's clock forward by their advances, no more.
    advanced = sum(
        (move.advance for walk in walks for move in walk.moves if move.advance is not None),
        start=timedelta(),
    )
    assert clock_offset(network.data_dir) == advanced
    for state in STATES:
        engine = make_engine(f"sqlite:///{network.data_dir / state / 'comity.db'}")
        try:
            assert audit_gaps(engine) == [], state
        finally:
            engine.dispose()
