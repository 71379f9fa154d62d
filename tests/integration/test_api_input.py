"""Bad input always gets a problem+json with a stable code: never a 500, nothing half-written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from comity.store.tables import cooperation_request
from tests.integration.conftest import Node


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status
    assert {"type", "title", "detail", "instance"} <= set(body)
    return body


def _requests(node: Node) -> int:
    with node.container.engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(cooperation_request)).scalar_one()
        )


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "AUTHN_REQUIRED"),
        ({"Authorization": "Bearer not-a-token"}, "AUTHN_REQUIRED"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "AUTHN_REQUIRED"),
    ],
)
def test_missing_or_bad_tokens_are_401(seeded: Node, headers: dict[str, str], code: str) -> None:
    response = seeded.client.get("/api/v1/requests", headers=headers)
    _problem(response, 401, code)
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_passwords_and_unknown_users_look_the_same(seeded: Node) -> None:
    wrong = seeded.client.post(
        "/api/v1/auth/token", json={"username": "drafter", "password": "nope"}
    )
    unknown = seeded.client.post(
        "/api/v1/auth/token", json={"username": "ghost", "password": "nope"}
    )
    first, second = (
        _problem(wrong, 401, "INVALID_CREDENTIALS"),
        _problem(unknown, 401, "INVALID_CREDENTIALS"),
    )
    assert first["detail"] == second["detail"]


def test_a_token_is_a_bearer_token_with_a_lifetime(seeded: Node) -> None:
    response = seeded.client.post(
        "/api/v1/auth/token", json={"username": "drafter", "password": "correct horse battery"}
    )
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 8 * 3600
    assert len(body["access_token"]) >= 40


def test_malformed_json_is_400(seeded: Node) -> None:
    response = seeded.client.post(
        "/api/v1/requests",
        content=b'{"type": "mla", ',
        headers={**seeded.headers("drafter"), "content-type": "application/json"},
    )
    _problem(response, 400, "MALFORMED_JSON")


def test_unknown_members_and_wrong_types_name_their_paths(seeded: Node) -> None:
    response = seeded.client.post(
        "/api/v1/requests",
        json={"type": "mla", "requested_state": "xb", "colour": "red", "urgency": "soon"},
        headers=seeded.headers("drafter"),
    )
    body = _problem(response, 422, "VALIDATION_FAILED")
    paths = {(error["path"], error["kind"]) for error in body["errors"]}
    assert paths == {("requested_state", "invalid"), ("colour", "unknown"), ("urgency", "invalid")}


def test_unknown_and_malformed_request_fields_are_refused_with_every_path(seeded: Node) -> None:
    before = _requests(seeded)
    response = seeded.client.post(
        "/api/v1/requests",
        json={
            "type": "mla",
            "requested_state": "XB",
            "fields": {
                "colour": "red",
                "offences": [{"max_penalty_months": True}],
                "language": "EN",
            },
        },
        headers=seeded.headers("drafter"),
    )
    body = _problem(response, 422, "INVALID_FIELDS")
    assert {(e["path"], e["kind"]) for e in body["errors"]} == {
        ("fields.colour", "unknown"),
        ("fields.offences[0].max_penalty_months", "invalid"),
        ("fields.language", "invalid"),
    }
    assert _requests(seeded) == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"type": "telepathy", "requested_state": "XB"}, 422, "UNKNOWN_REQUEST_TYPE"),
        ({"type": "mla", "requested_state": "XB", "profile": "hammurabi"}, 422, "UNKNOWN_PROFILE"),
        ({"type": "covert_investigation", "requested_state": "XB", "profile": "uncc-2024"}, 422,
         "TYPE_NOT_AVAILABLE"),
        ({"type": "mla", "requested_state": "XA"}, 422, "INVALID_FIELDS"),
        ({"type": "mla", "requested_state": "XB", "fields": []}, 422, "VALIDATION_FAILED"),
    ],
)  # fmt: skip
def test_impossible_requests_are_refused(
    seeded: Node, body: dict[str, Any], status: int, code: str
) -> None:
    before = _requests(seeded)
    response = seeded.client.post("/api/v1/requests", json=body, headers=seeded.headers("drafter"))
    _problem(response, status, code)
    assert _requests(seeded) == before


def test_a_body_over_the_limit_is_413_before_anything_is_read(seeded: Node) -> None:
    headers = {**seeded.headers("drafter"), "content-type": "application/json"}
    big = (
        b'{"type": "mla", "requested_state": "XB", "fields": {"facts_summary": "'
        + b"x" * 70_000
        + b'"}}'
    )
    response = seeded.client.post("/api/v1/requests", content=big, headers=headers)
    _problem(response, 413, "TOO_LARGE")

    def chunks() -> Iterator[bytes]:
        yield b'{"type": "mla", "fields": {"facts_summary": "'
        for _ in range(100):
            yield b"y" * 1000
        yield b'"}}'

    streamed = seeded.client.post("/api/v1/requests", content=chunks(), headers=headers)
    _problem(streamed, 413, "TOO_LARGE")


def test_query_parameters_are_validated(seeded: Node) -> None:
    headers = seeded.headers("drafter")
    for query, code in [
        ("status=lost", "VALIDATION_FAILED"),
        ("due_before=2026-01-01T00:00:00", "VALIDATION_FAILED"),
        ("limit=0", "VALIDATION_FAILED"),
        ("type=telepathy", "UNKNOWN_REQUEST_TYPE"),
    ]:
        response = seeded.client.get(f"/api/v1/requests?{query}", headers=headers)
        _problem(response, 422, code)
    _problem(seeded.client.get("/api/v1/deadlines", headers=headers), 422, "VALIDATION_FAILED")


def test_unknown_routes_and_methods_are_problems_too(seeded: Node) -> None:
    _problem(seeded.client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")
    _problem(seeded.client.delete("/api/v1/catalogue"), 405, "METHOD_NOT_ALLOWED")


def test_responses_carry_security_headers(seeded: Node) -> None:
    response = seeded.client.get("/healthz")
    assert response.json()["status"] == "ok"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_illegal_steps_on_received_requests_are_409_and_change_nothing(seeded: Node) -> None:
    from comity.domain.commands import RecordIncoming
    from comity.domain.values import Channel, Urgency
    from comity.services import node, requests

    ctx = seeded.container.services
    central = next(a for a in node.authorities(ctx) if a.code == "central")
    view = requests.record_incoming(
        ctx,
        command=RecordIncoming("mla", "XB", central.id, "ahc-2022-proposal", Urgency.ROUTINE,
                               Channel.CENTRAL_AUTHORITY, {"language": "en"}),
        actor_id="system",
    )  # fmt: skip
    url = f"/api/v1/requests/{view.request.id}/transitions"
    response = seeded.client.post(url, json={"to": "executed"}, headers=seeded.headers("executor"))
    _problem(response, 409, "ILLEGAL_TRANSITION")
    drafter = seeded.client.post(url, json={"to": "registered"}, headers=seeded.headers("drafter"))
    _problem(drafter, 403, "FORBIDDEN")
    read = seeded.client.get(
        f"/api/v1/requests/{view.request.id}", headers=seeded.headers("executor")
    )
    assert read.json()["status"] == "received" and len(read.json()["history"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        b'{"type": "mla", "requested_state": "XB", "fields": {"purpose": "\\ud800"}}',
        b'{"type": "mla", "requested_state": "XB", "fields": {"\\udfff": 1}}',
        b'{"type": "mla", "requested_state": "XB", "fields": {"purpose": "a\\u0000b"}}',
        b'{"type": "mla", "requested_state": "XB", "fields": {"minimum": 1e400}}',
        b'{"type": "mla", "requested_state": "XB", "fields": {"minimum": NaN}}',
        b'{"type": "mla", "requested_state": "XB", "fields": {"minimum": -Infinity}}',
        b'{"fields": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"\xff\xfe{}",
    ],
)
def test_json_no_store_can_hold_is_refused_at_the_door(seeded: Node, body: bytes) -> None:
    before = _requests(seeded)
    headers = {**seeded.headers("drafter"), "content-type": "application/json; charset=utf-8"}
    response = seeded.client.post("/api/v1/requests", content=body, headers=headers)
    _problem(response, 400, "MALFORMED_JSON")
    assert _requests(seeded) == before


def test_text_outside_the_basic_plane_is_kept_exactly(seeded: Node) -> None:
    purpose = "Identify the sender 😀 of 司法协助 messages — ملف"
    response = seeded.client.post(
        "/api/v1/requests",
        json={"type": "mla", "requested_state": "XB", "fields": {"purpose": purpose}},
        headers=seeded.headers("drafter"),
    )
    assert response.status_code == 201, response.text
    read = seeded.client.get(response.headers["location"], headers=seeded.headers("drafter"))
    assert read.json()["fields"]["purpose"] == purpose


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/deadlines?due_before=0001-01-01T00:00:00%2B00:01",
        "/api/v1/requests?due_before=0001-01-01T00:00:00%2B00:01",
        "/api/v1/deadlines?due_before=9999-12-31T23:59:59-00:01",
    ],
)
def test_an_instant_utc_cannot_hold_is_invalid_input_not_a_server_error(
    seeded: Node, path: str
) -> None:
    response = seeded.client.get(path, headers=seeded.headers("drafter"))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "VALIDATION_FAILED"
