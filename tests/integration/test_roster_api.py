"""The 24/7 point's roster through the API and `comity roster` (issue 8 item 1): its duty
officers or an administrator add, list and remove shifts; any signed-in officer asks who is
on duty now; everyone else is refused (403) and bad input is a problem+json 422, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from comity.domain.commands import AddUser
from comity.domain.values import Role
from comity.services import users
from tests.integration.conftest import PASSWORD, Node
from tests.integration.test_cli import node_dir, run

__all__ = ["node_dir"]


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMITY_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("COMITY_ARGON2_MEMORY_COST", "1024")


def _at(hours: float) -> str:
    """An instant ``hours`` from now, as the API takes it."""
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def _shift(username: str, role: str, start: float, end: float, **extra: Any) -> dict[str, Any]:
    return {
        "username": username,
        "role": role,
        "starts_at": _at(start),
        "ends_at": _at(end),
        **extra,
    }


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


@pytest.fixture
def point(seeded: Node) -> Node:
    """The seeded node with a second duty officer and a supervisor at its 24/7 point."""
    for name, roles in (("backup", {Role.DUTY_OFFICER}), ("chief", {Role.APPROVER})):
        users.add_user(
            seeded.container.services,
            command=AddUser(name, PASSWORD, frozenset(roles), authority_code="poc247"),
        )
    return seeded


def test_duty_officers_add_list_and_remove_shifts_and_anyone_sees_who_is_on_duty(
    point: Node,
) -> None:
    client, duty = point.client, point.headers("duty")
    added = client.post(
        "/api/v1/roster",
        headers=duty,
        json=_shift(
            "duty", "duty", -1, 7, contact="duty@xa.example", handover_note="Call XB back at 10."
        ),
    )
    assert added.status_code == 201, added.text
    shift = added.json()
    assert shift["username"] == "duty" and shift["role"] == "duty"
    assert shift["authority"] == "poc247" and shift["contact"] == "duty@xa.example"
    assert shift["handover_note"] == "Call XB back at 10."
    backup = client.post("/api/v1/roster", headers=duty, json=_shift("backup", "backup", -1, 7))
    assert backup.status_code == 201, backup.text
    # An administrator puts the supervisor on; the point is the officer's.
    chief = client.post(
        "/api/v1/roster",
        headers=point.headers("admin"),
        json=_shift("chief", "supervisor", 0.5, 9, contact="chief@xa.example"),
    )
    assert chief.status_code == 201, chief.text
    later = client.post("/api/v1/roster", headers=duty, json=_shift("backup", "duty", 30, 38))
    assert later.status_code == 201, later.text

    listed = client.get("/api/v1/roster", headers=duty)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["authority"] == "poc247" and body["time_zone"] == "UTC"
    assert set(body) == {"authority", "time_zone", "from", "to", "items"}
    start, end = datetime.fromisoformat(body["from"]), datetime.fromisoformat(body["to"])
    assert end - start == timedelta(days=7)
    assert [(i["username"], i["role"]) for i in body["items"]] == [
        ("duty", "duty"),
        ("backup", "backup"),
        ("chief", "supervisor"),
        ("backup", "duty"),
    ]
    # A window: only the shifts that overlap it.
    window = client.get(
        "/api/v1/roster",
        headers=duty,
        params={"from": _at(24), "to": _at(48)},
    )
    assert [i["id"] for i in window.json()["items"]] == [later.json()["id"]]
    # The administrator reads the node's 24/7 point's roster too.
    assert len(client.get("/api/v1/roster", headers=point.headers("admin")).json()["items"]) == 4

    # Who is on duty now: any signed-in officer may ask (the supervisor starts in 30 min).
    for asker in ("drafter", "executor", "duty"):
        now = client.get(
            "/api/v1/roster/now", headers=point.headers(asker), params={"authority": "poc247"}
        )
        assert now.status_code == 200, now.text
        assert [(i["username"], i["role"]) for i in now.json()["items"]] == [
            ("duty", "duty"),
            ("backup", "backup"),
        ]
    assert client.get("/api/v1/roster/now", headers=duty).json()["authority"] == "poc247"

    assert client.delete(f"/api/v1/roster/{later.json()['id']}", headers=duty).status_code == 204
    again = client.get("/api/v1/roster", headers=duty, params={"from": _at(24), "to": _at(48)})
    assert again.json()["items"] == []
    _problem(client.delete(f"/api/v1/roster/{later.json()['id']}", headers=duty), 404, "NOT_FOUND")


def test_only_the_points_duty_officers_and_administrators_manage_its_roster(point: Node) -> None:
    client = point.client
    added = client.post(
        "/api/v1/roster", headers=point.headers("duty"), json=_shift("duty", "duty", 0, 8)
    )
    assert added.status_code == 201
    shift_id = added.json()["id"]
    for outsider in ("drafter", "executor", "dpo", "prosecutor"):
        headers = point.headers(outsider)
        _problem(
            client.post("/api/v1/roster", headers=headers, json=_shift("duty", "duty", 9, 10)),
            403,
            "FORBIDDEN",
        )
        _problem(client.get("/api/v1/roster", headers=headers), 403, "FORBIDDEN")
        _problem(
            client.get("/api/v1/roster", headers=headers, params={"authority": "poc247"}),
            403,
            "FORBIDDEN",
        )
        _problem(client.delete(f"/api/v1/roster/{shift_id}", headers=headers), 403, "FORBIDDEN")
    _problem(client.get("/api/v1/roster"), 401, "AUTHN_REQUIRED")
    _problem(client.get("/api/v1/roster/now"), 401, "AUTHN_REQUIRED")
    assert len(client.get("/api/v1/roster", headers=point.headers("duty")).json()["items"]) == 1


NO_OFFSET = {**_shift("duty", "duty", 0, 8), "starts_at": "2026-12-01T08:00"}
LONG_NOTE = {**_shift("duty", "duty", 0, 8), "handover_note": "x" * 2001}


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        (_shift("duty", "duty", 8, 1), "INVALID_FIELDS", "ends_at"),  # ends before it starts
        (_shift("duty", "duty", 0, 24 * 15), "INVALID_FIELDS", "ends_at"),  # over 14 days
        (_shift("duty", "duty", 0, 8, contact="not an address"), "INVALID_FIELDS", "contact"),
        (_shift("nobody", "duty", 0, 8), "INVALID_FIELDS", "username"),
        (_shift("chief", "backup", 0, 8), "INVALID_FIELDS", "username"),  # not a duty officer
        (_shift("drafter", "supervisor", 0, 8), "INVALID_FIELDS", "username"),  # not the point's
        (_shift("duty", "chief", 0, 8), "VALIDATION_FAILED", "role"),
        (NO_OFFSET, "VALIDATION_FAILED", "starts_at"),
        (LONG_NOTE, "VALIDATION_FAILED", "handover_note"),
        ({**_shift("duty", "duty", 0, 8), "room": "B"}, "VALIDATION_FAILED", "room"),
    ],
)
def test_bad_shifts_are_refused_with_the_field_named(
    point: Node, body: dict[str, Any], code: str, path: str
) -> None:
    answer = point.client.post("/api/v1/roster", headers=point.headers("duty"), json=body)
    problem = _problem(answer, 422, code)
    assert path in [error["path"] for error in problem["errors"]], problem


def test_bad_windows_and_points_are_problems_not_failures(point: Node) -> None:
    client, duty = point.client, point.headers("duty")
    for params in (
        {"from": _at(5), "to": _at(1)},  # ends before it starts
        {"from": _at(0), "to": _at(24 * 70)},  # over 62 days
        {"from": "9999-12-31T23:00:00+00:00"},  # the default 7 days overflow
        {"from": "yesterday"},
        {"from": "2026-12-01T08:00"},  # no UTC offset
    ):
        answer = client.get("/api/v1/roster", headers=duty, params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    _problem(
        client.get("/api/v1/roster/now", headers=duty, params={"authority": "atlantis"}),
        404,
        "NOT_FOUND",
    )
    _problem(
        client.get("/api/v1/roster/now", headers=duty, params={"authority": "central"}),
        404,
        "NOT_FOUND",
    )
    _problem(client.delete("/api/v1/roster/no-such-shift", headers=duty), 404, "NOT_FOUND")


def _cli(*args: str) -> tuple[int, str]:
    return run("roster", *args)


def test_the_roster_from_the_command_line(node_dir: Path) -> None:
    directory = str(node_dir)
    for name, role, authority in (
        ("duty", "duty_officer", "poc247"),
        ("backup", "duty_officer", "poc247"),
        ("root", "admin", "central"),
        ("drafter", "drafter", "central"),
    ):
        code, out = run(
            "user", "add", "--dir", directory, "--username", name, "--role", role,
            "--password", "a long enough secret", "--authority", authority,
        )  # fmt: skip
        assert code == 0, out
    code, out = _cli(
        "add", "--dir", directory, "--as", "root", "--user", "duty", "--role", "duty",
        "--from", _at(-1), "--to", _at(8), "--contact", "duty@xa.example",
        "--note", "Two preservations pending.",
    )  # fmt: skip
    assert code == 0, out
    duty_shift = out.split("Shift ")[1].split()[0]
    code, out = _cli(
        "add", "--dir", directory, "--as", "duty", "--user", "backup", "--role", "backup",
        "--from", _at(-1), "--to", _at(8),
    )  # fmt: skip
    assert code == 0, out

    code, out = _cli("list", "--dir", directory, "--as", "duty")
    assert code == 0, out
    assert duty_shift in out and "duty@xa.example" in out and "Two preservations pending." in out
    assert out.index(" duty ") < out.index(" backup ")
    code, out = _cli("list", "--dir", directory, "--as", "root", "--from", _at(20), "--to", _at(30))
    assert code == 0 and "No shift" in out, out

    # Refused: another role, a bad role, a shift that ends before it starts, no offset.
    code, out = _cli(
        "add", "--dir", directory, "--as", "drafter", "--user", "duty", "--role", "duty",
        "--from", _at(0), "--to", _at(8),
    )  # fmt: skip
    assert code == 2 and "FORBIDDEN" in out, out
    code, out = _cli(
        "add", "--dir", directory, "--as", "duty", "--user", "duty", "--role", "chief",
        "--from", _at(0), "--to", _at(8),
    )  # fmt: skip
    assert code == 2, out
    code, out = _cli(
        "add", "--dir", directory, "--as", "duty", "--user", "duty", "--role", "duty",
        "--from", _at(8), "--to", _at(1),
    )  # fmt: skip
    assert code == 2 and "ends_at" in out, out
    code, out = _cli(
        "add", "--dir", directory, "--as", "duty", "--user", "duty", "--role", "duty",
        "--from", "2026-12-01T08:00", "--to", "2026-12-01T16:00",
    )  # fmt: skip
    assert code == 2 and "UTC offset" in out, out
    code, out = _cli("list", "--dir", directory, "--as", "drafter")
    assert code == 2 and "FORBIDDEN" in out, out

    code, out = _cli("remove", "--dir", directory, "--as", "drafter", duty_shift)
    assert code == 2 and "FORBIDDEN" in out, out
    code, out = _cli("remove", "--dir", directory, "--as", "duty", duty_shift)
    assert code == 0, out
    code, out = _cli("list", "--dir", directory, "--as", "duty")
    assert duty_shift not in out and " backup " in out, out
    code, out = _cli("remove", "--dir", directory, "--as", "duty", duty_shift)
    assert code == 2 and "NOT_FOUND" in out, out
