"""The command line, run in-process against real databases."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from comity.cli.main import app
from comity.services.demo import example_mla_fields

runner = CliRunner()


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMITY_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("COMITY_ARGON2_MEMORY_COST", "1024")


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "400", "NO_COLOR": "1"})
    return result.exit_code, result.output


def add_user(node_dir: Path, name: str, *extra: str) -> tuple[int, str]:
    """Add a drafter called ``name`` (more options in ``extra``)."""
    return run("user", "add", "--dir", str(node_dir), "--username", name,
               "--password", "a long enough secret", "--role", "drafter", *extra)  # fmt: skip


@pytest.fixture
def node_dir(tmp_path: Path, database_url: str) -> Path:
    directory = tmp_path / "node"
    code, out = run(
        "node", "init", "--state", "XA", "--dir", str(directory), "--database-url", database_url
    )
    assert code == 0, out
    assert "central" in out and "poc247" in out
    return directory


def test_init_creates_a_private_node_directory(node_dir: Path) -> None:
    assert stat.S_IMODE(node_dir.stat().st_mode) == 0o700
    node_file = node_dir / "node.json"
    assert stat.S_IMODE(node_file.stat().st_mode) == 0o600
    assert json.loads(node_file.read_text())["state"] == "XA"
    code, out = run("db", "current", "--dir", str(node_dir))
    assert code == 0 and "0013" in out


def test_init_refuses_a_malformed_state_code(tmp_path: Path) -> None:
    code, out = run("node", "init", "--state", "xa", "--dir", str(tmp_path / "n"))
    assert code == 2 and "two capital letters" in out


def test_users_are_added_and_listed_and_bad_accounts_refused(node_dir: Path) -> None:
    code, out = add_user(node_dir, "ana", "--role", "approver")
    assert code == 0, out
    assert "approver, drafter" in out
    code, out = add_user(node_dir, "ana")
    assert code == 2 and "CONFLICT" in out
    short = ("--password", "short")
    code, out = run(
        "user", "add", "--dir", str(node_dir), "--username", "bo", *short, "--role", "dpo"
    )
    assert code == 2 and "INVALID_FIELDS" in out and "password" in out
    code, out = add_user(node_dir, "cy", "--authority", "nowhere")
    assert code == 2 and "UNKNOWN_AUTHORITY" in out
    code, out = add_user(node_dir, "di", "--authority", "poc247")
    assert code == 0, out
    code, out = run("user", "list", "--dir", str(node_dir))
    assert code == 0 and "ana" in out and "di" in out and "bo" not in out


def test_requests_are_created_listed_and_shown_as_a_user(node_dir: Path, tmp_path: Path) -> None:
    add_user(node_dir, "ana")
    body = tmp_path / "request.json"
    body.write_text(
        json.dumps({"type": "mla", "requested_state": "XB", "fields": {"language": "en"}})
    )
    code, out = run(
        "request", "create", "--from-json", str(body), "--dir", str(node_dir), "--as", "ana"
    )
    assert code == 0, out
    assert "still missing: fields.purpose" in out
    request_id = out.split("created: ")[1].split()[0]
    code, out = run("request", "list", "--dir", str(node_dir), "--as", "ana")
    assert code == 0 and "mla" in out and "draft" in out
    code, out = run("request", "show", request_id, "--dir", str(node_dir), "--as", "ana")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["status"] == "draft" and "fields.purpose" in shown["missing"]
    complete = {"type": "mla", "requested_state": "XB", "fields": example_mla_fields()}
    body.write_text(json.dumps({**complete, "urgency": "routine", "channel": "central_authority"}))
    code, out = run(
        "request", "create", "--from-json", str(body), "--dir", str(node_dir), "--as", "ana"
    )
    assert code == 0 and "still missing" not in out
    code, out = run("request", "list", "--dir", str(node_dir), "--as", "ana", "--q", "phishing")
    assert code == 0 and out.count("mla") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"type": "mla", "requested_state": "XB", "colour": 1}', "colour"),
        ('{"requested_state": "XB", "fields": []}', "fields"),
        ('{"type": "mla", "requested_state": "XB", "urgency": "soon"}', "urgency"),
        ('{"type": "telepathy", "requested_state": "XB"}', "UNKNOWN_REQUEST_TYPE"),
        ('{"type": "mla", "requested_state": "XB", "fields": {"purpose": 3}}', "fields.purpose"),
    ],
)
def test_bad_request_files_are_refused_with_exit_code_2(
    node_dir: Path, tmp_path: Path, content: str, message: str
) -> None:
    add_user(node_dir, "ana")
    body = tmp_path / "bad.json"
    body.write_text(content)
    code, out = run(
        "request", "create", "--from-json", str(body), "--dir", str(node_dir), "--as", "ana"
    )
    assert code == 2 and message in out


def test_acting_as_an_unknown_user_is_refused(node_dir: Path) -> None:
    code, out = run("request", "list", "--dir", str(node_dir), "--as", "nobody")
    assert code == 2 and "AUTHN_REQUIRED" in out
    code, out = run("request", "show", "x", "--dir", str(node_dir), "--as", "nobody")
    assert code == 2


def test_the_schema_can_be_taken_down_and_up_again(node_dir: Path) -> None:
    code, out = run("db", "downgrade", "--revision", "base", "--dir", str(node_dir))
    assert code == 0 and "None" in out
    code, out = run("db", "current", "--dir", str(node_dir))
    assert code == 0 and "(empty)" in out
    code, out = run("node", "serve", "--dir", str(node_dir), "--port", "1")
    assert code == 2 and "comity db upgrade" in out
    code, out = run("db", "upgrade", "--dir", str(node_dir))
    assert code == 0 and "0013" in out


def test_the_catalogue_can_be_browsed() -> None:
    code, out = run("catalogue", "list")
    assert code == 0 and "extradition" in out and "Statement Q19" in out
    code, out = run("catalogue", "list", "--profile", "uncc-2024")
    assert code == 0 and "unavailable" in out
    code, out = run("catalogue", "show", "preservation")
    assert code == 0 and "mla_intended" in out and "BC art. 29" in out
    code, out = run("catalogue", "show", "mla", "--json")
    assert code == 0 and json.loads(out)["code"] == "mla"
    code, out = run("catalogue", "show", "telepathy")
    assert code == 2 and "UNKNOWN_REQUEST_TYPE" in out
    code, out = run("catalogue", "list", "--profile", "nope")
    assert code == 2 and "UNKNOWN_PROFILE" in out


def test_help_explains_every_noun() -> None:
    code, out = run("--help")
    assert code == 0
    for noun in ("node", "db", "user", "catalogue", "request", "demo"):
        assert noun in out
    assert run("version")[1].strip() == "0.1.0"


def test_the_demo_is_seeded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("COMITY_DATABASE_URL", database_url)
    code, out = run("demo", "seed", "--dir", str(tmp_path / "demo"))
    assert code == 0, out
    assert "Demo data created." in out and "comity-demo-2026" in out and "duty_officer" in out
    code, out = run("demo", "seed", "--dir", str(tmp_path / "demo"))
    assert code == 0 and "already present" in out
    code, out = run("request", "list", "--dir", str(tmp_path / "demo"), "--as", "drafter")
    for status in ("draft", "awaiting_approval", "approved", "withdrawn", "under_assessment"):
        assert status in out
    code, out = run("request", "list", "--dir", str(tmp_path / "demo"), "--as", "duty")
    assert "in_execution" in out and "received" in out


def test_commands_on_a_directory_without_a_node_say_so(tmp_path: Path) -> None:
    code, out = run("db", "upgrade", "--dir", str(tmp_path / "nowhere"))
    assert code == 2 and "comity node init" in out
    assert not (tmp_path / "nowhere").exists()
