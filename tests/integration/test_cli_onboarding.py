"""Onboarding two States with the command line alone, as operators would do it by hand:
node init (keys) → node entry (signed by the root) → directory keygen/build/sign → node pin →
node install-directory."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from comity.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMITY_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("COMITY_ARGON2_MEMORY_COST", "1024")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "400", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_two_states_join_a_directory_with_the_command_line(tmp_path: Path) -> None:
    roots: dict[str, object] = {}
    entries: list[str] = []
    for index, state in enumerate(("XA", "XB"), start=1):
        node = tmp_path / state
        code, out, _ = run(
            "node", "init", "--state", state, "--dir", str(node), "--port", str(8400 + index),
            "--federation-port", str(8500 + index),
            "--public-endpoint", f"https://127.0.0.1:{8500 + index}", "--name", f"State {state}",
        )  # fmt: skip
        assert code == 0, out
        assert "Keys created" in out
        keys = node / "keys"
        assert stat.S_IMODE(keys.stat().st_mode) == 0o700
        for private in ("root.key", "signing.key", "encryption.key", "tls-ca.key"):
            assert stat.S_IMODE((keys / private).stat().st_mode) == 0o600
        entry_file = tmp_path / f"{state}.entry.jws"
        code, out, err = run("node", "entry", "--dir", str(node), "--out", str(entry_file))
        assert code == 0, out + err
        assert "PRIVATE" not in out + err
        roots[state] = json.loads(err.split("(for other nodes to pin): ", 1)[1])
        entries.append(str(entry_file))

    operator_key = tmp_path / "operator.key"
    code, out, _ = run("directory", "keygen", "--out", str(operator_key))
    assert code == 0
    anchors = tmp_path / "anchors.json"
    anchors.write_text(json.dumps({"operator": json.loads(out), "roots": roots}), "utf-8")
    payload, directory = tmp_path / "payload.json", tmp_path / "directory.jws"
    code, out, _ = run(
        "directory", "build", *entries, "--sequence", "1", "--valid-days", "30",
        "--operator", "Secretariat", "--out", str(payload),
    )  # fmt: skip
    assert code == 0, out
    code, out, _ = run("directory", "sign", str(payload), "--key", str(operator_key),
                       "--out", str(directory))  # fmt: skip
    assert code == 0, out

    for state in ("XA", "XB"):
        node = str(tmp_path / state)
        code, out, _ = run("node", "install-directory", "--dir", node, str(directory))
        assert code == 2 and "DIRECTORY_INVALID" in out + _, "installed before pinning"
        code, out, _ = run("node", "pin", "--dir", node, str(anchors))
        assert code == 0, out
        code, out, _ = run("node", "install-directory", "--dir", node, str(directory))
        assert code == 0, out
        assert "Directory #1 installed: XA, XB" in out
        # The same directory again is not newer: a replayed directory cannot roll keys back.
        code, out, err = run("node", "install-directory", "--dir", node, str(directory))
        assert code == 2 and "not newer" in out + err
