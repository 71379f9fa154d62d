"""F-01: every parser of foreign input under atheris (libFuzzer), one process per target.

Each target (``tests/faults/fuzz/<target>.py``) starts from a seed corpus of real objects
(a sealed envelope, the installed directory, a signed manifest...) built here with the same
keys the target loads, and runs for ``COMITY_FUZZ_SECONDS`` (tier C: 30 s). A target passes
when libFuzzer ends with its ``DONE`` line: no input raised anything outside the project's
error tree, took more than a second, or grew the process past 512 MiB.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.fuzz import material
from tests.figures import record

TARGETS = (
    "envelope",
    "wire",
    "jose",
    "manifest",
    "custody",
    "directory",
    "notes",
    "http_signature",
    "file_names",
)
SECONDS = int(os.environ.get("COMITY_FUZZ_SECONDS", "30"))
ROOT = Path(__file__).resolve().parents[2]
_DONE = re.compile(r"^#(\d+)\s+DONE\b", re.MULTILINE)


@pytest.fixture(scope="module")
def material_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-State network every target process loads its keys from."""
    root = tmp_path_factory.mktemp("fuzz-material")
    material.create(root)
    return root


def _corpus(target: str, root: Path, into: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Write the target's seeds (real objects) into ``into``; how many."""
    monkeypatch.setenv(material.MATERIAL_ENV, str(root))
    material.load.cache_clear()
    module = importlib.import_module(f"tests.faults.fuzz.{target}")
    seeds = module.seeds(material.load())
    into.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(seeds):
        (into / f"seed-{index}").write_bytes(seed)
    return len(seeds)


@pytest.mark.parametrize("target", TARGETS)
def test_a_parser_raises_only_errors_of_the_tree(
    target: str, material_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    assert _corpus(target, material_root, corpus, monkeypatch) >= 1
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    command = [
        sys.executable,
        "-m",
        f"tests.faults.fuzz.{target}",
        str(corpus),
        f"-max_total_time={SECONDS}",
        "-timeout=1",
        "-rss_limit_mb=512",
        "-max_len=65536",
        f"-artifact_prefix={artifacts}/",
        "-print_final_stats=1",
    ]
    env = {**os.environ, material.MATERIAL_ENV: str(material_root), "PYTHONPATH": str(ROOT)}
    finished = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SECONDS + 120,
        check=False,
    )
    output = finished.stdout + finished.stderr
    crashes = sorted(path.name for path in artifacts.iterdir())
    assert finished.returncode == 0 and not crashes, f"{target} found {crashes}:\n{output[-4000:]}"
    done = _DONE.findall(output)
    assert done, f"{target} ended without libFuzzer's DONE line:\n{output[-2000:]}"
    record("fuzz_targets", 1)
    record("fuzz_executions", int(done[-1]))
