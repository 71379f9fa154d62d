"""``comity directory``: the operator's key, building, signing, verifying and showing a list.

The commands run in-process with real files and keys; the State entries are signed with fresh
roots as each State would sign its own (``comity node entry``).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from comity.cli.main import app
from tests.integration.test_directory_signing import StateKeys, a_state

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "400", "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def states() -> dict[str, StateKeys]:
    return {code: a_state(code) for code in ("XA", "XB", "XC")}


@pytest.fixture
def operator(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    """The operator's key file, made by ``keygen``, and the anchor it printed."""
    key = tmp_path / "operator.key"
    result = run("directory", "keygen", "--out", str(key))
    assert result.exit_code == 0, result.output
    return key, json.loads(result.stdout)


def entry_files(states: dict[str, StateKeys], folder: Path) -> list[str]:
    paths = []
    for code, state in states.items():
        path = folder / f"{code}.entry.jws"
        path.write_text(state.signed() + "\n")
        paths.append(str(path))
    return paths


def anchors_file(
    states: dict[str, StateKeys], operator_anchor: dict[str, object], path: Path
) -> Path:
    roots = {code: {"kid": s.root_kid, "jwk": dict(s.anchor.jwk)} for code, s in states.items()}
    path.write_text(json.dumps({"operator": operator_anchor, "roots": roots}))
    return path


def signed_directory(
    states: dict[str, StateKeys], key: Path, folder: Path, *build_options: str
) -> Path:
    """Build and sign a directory of every State; ``build_options`` add to the defaults."""
    payload, directory = folder / "payload.json", folder / "directory.jws"
    result = run(
        "directory", "build", *entry_files(states, folder), "--sequence", "1",
        "--valid-days", "30", "--operator", "Secretariat", "--out", str(payload), *build_options,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = run("directory", "sign", str(payload), "--key", str(key), "--out", str(directory))
    assert result.exit_code == 0, result.output
    return directory


def test_keygen_build_sign_verify_show(
    states: dict[str, StateKeys], operator: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    key, anchor = operator
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert str(anchor["kid"]).startswith("operator.")
    assert json.dumps(anchor).count('"d"') == 0
    anchors = anchors_file(states, anchor, tmp_path / "anchors.json")

    directory = signed_directory(states, key, tmp_path)
    token = directory.read_text()
    assert token.endswith("\n") and token.count(".") == 2

    result = run("directory", "verify", str(directory), "--anchors", str(anchors))
    assert result.exit_code == 0, result.output
    assert "Directory #1 from Secretariat: signatures verified" in result.output
    assert "XA, XB, XC" in result.output
    assert "fresh        yes" in result.output

    result = run("directory", "show", str(directory), "--anchors", str(anchors), "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert list(shown["states"]) == ["XA", "XB", "XC"]
    assert shown["sequence"] == 1 and shown["operator"] == "Secretariat"
    assert shown["states"]["XB"]["endpoint"] == "https://xb.example:8401"
    assert shown["left_out"] == []

    result = run("directory", "show", str(directory), "--anchors", str(anchors))
    assert result.exit_code == 0, result.output
    for text in ("XA — Republic of XA", "Europe/Vienna, 24/7", "illegal_access: 24 months",
                 "no transfer to XD: no agreement", "extradites_nationals: no"):  # fmt: skip
        assert text in result.output
    assert "PRIVATE KEY" not in result.output


def test_states_whose_roots_are_not_pinned_are_shown_as_left_out(
    states: dict[str, StateKeys], operator: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    key, anchor = operator
    pinned = {code: states[code] for code in ("XA", "XB")}
    anchors = anchors_file(pinned, anchor, tmp_path / "anchors.json")
    directory = signed_directory(states, key, tmp_path)
    result = run("directory", "verify", str(directory), "--anchors", str(anchors))
    assert result.exit_code == 0, result.output
    assert "States       XA, XB" in result.output
    assert "left out     XC (their roots are not pinned here)" in result.output
    result = run("directory", "show", str(directory), "--anchors", str(anchors))
    assert result.exit_code == 0, result.output
    assert "Left out (roots not pinned here): XC" in result.output
    assert "Republic of XC" not in result.output
    result = run("directory", "show", str(directory), "--anchors", str(anchors), "--json")
    assert json.loads(result.stdout)["left_out"] == ["XC"]


def test_keygen_never_replaces_a_key(operator: tuple[Path, dict[str, object]]) -> None:
    key, _ = operator
    before = key.read_bytes()
    result = run("directory", "keygen", "--out", str(key))
    assert result.exit_code == 2 and "refusing to replace a key" in result.output
    assert key.read_bytes() == before


def test_a_stale_directory_verifies_with_exit_code_3(
    states: dict[str, StateKeys], operator: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    key, anchor = operator
    anchors = anchors_file(states, anchor, tmp_path / "anchors.json")
    directory = signed_directory(states, key, tmp_path, "--issued-at", "2020-01-01T00:00:00Z")
    result = run("directory", "verify", str(directory), "--anchors", str(anchors))
    assert result.exit_code == 3, result.output
    assert "STALE" in result.output and "2020-01-31T00:00:00+00:00" in result.output


def test_verify_with_anchors_of_another_operator_is_refused(
    states: dict[str, StateKeys], operator: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    key, _ = operator
    other = run("directory", "keygen", "--out", str(tmp_path / "other.key"))
    anchors = anchors_file(states, json.loads(other.stdout), tmp_path / "anchors.json")
    directory = signed_directory(states, key, tmp_path)
    result = run("directory", "verify", str(directory), "--anchors", str(anchors))
    assert result.exit_code == 2
    assert "error SIGNER_UNTRUSTED" in result.output


def test_a_tampered_directory_is_refused_with_its_code(
    states: dict[str, StateKeys], operator: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    key, anchor = operator
    anchors = anchors_file(states, anchor, tmp_path / "anchors.json")
    directory = signed_directory(states, key, tmp_path)
    header, payload, signature = directory.read_text().strip().split(".")
    flipped = "A" if signature[3] != "A" else "B"
    directory.write_text(f"{header}.{payload}.{signature[:3]}{flipped}{signature[4:]}\n")
    for command in ("verify", "show"):
        result = run("directory", command, str(directory), "--anchors", str(anchors))
        assert result.exit_code == 2
        assert "error SIG_INVALID" in result.output


def test_build_refuses_a_state_twice_and_a_time_without_zone(
    states: dict[str, StateKeys], tmp_path: Path
) -> None:
    files = entry_files(states, tmp_path)
    out = tmp_path / "payload.json"
    common = ("--sequence", "2", "--valid-days", "7", "--operator", "S", "--out", str(out))
    result = run("directory", "build", *files, files[0], *common)
    assert result.exit_code == 2
    assert "error DIRECTORY_INVALID" in result.output and "XA twice" in result.output
    result = run("directory", "build", *files, *common, "--issued-at", "2026-03-01T09:00")
    assert result.exit_code == 2 and "no time zone" in result.output
    result = run("directory", "build", *files, *common, "--issued-at", "yesterday")
    assert result.exit_code == 2 and "not an ISO 8601 date-time" in result.output
    assert not out.exists()


def test_sign_refuses_a_key_others_can_read_and_a_payload_that_is_not_json(
    states: dict[str, StateKeys], operator: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    key, _ = operator
    payload = tmp_path / "payload.json"
    result = run(
        "directory", "build", *entry_files(states, tmp_path), "--sequence", "1",
        "--valid-days", "30", "--operator", "Secretariat", "--out", str(payload),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = tmp_path / "directory.jws"
    key.chmod(0o644)
    result = run("directory", "sign", str(payload), "--key", str(key), "--out", str(out))
    # Rich may wrap the long path on a narrow console: compare with whitespace folded.
    folded = " ".join(result.output.split())
    assert result.exit_code == 2 and "must be mode 600" in folded
    assert "PRIVATE KEY" not in folded
    key.chmod(0o600)
    for content in ("{oops", "[1, 2]"):
        payload.write_text(content)
        result = run("directory", "sign", str(payload), "--key", str(key), "--out", str(out))
        assert result.exit_code == 2
    assert not out.exists()
