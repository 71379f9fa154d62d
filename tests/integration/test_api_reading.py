"""Reading: the catalogue, lists with filters and full-text search, deadlines, received requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from comity.domain.commands import MoveRequest, RecordIncoming
from comity.domain.values import Channel, Urgency
from comity.domain.workflow import Status
from comity.services import node as nodes
from comity.services import requests
from comity.services.demo import example_mla_fields, example_preservation_fields
from tests.integration.conftest import Node
from tests.unit.test_catalogue import CODES


def test_the_catalogue_lists_all_28_forms_with_their_fields_and_profiles(seeded: Node) -> None:
    response = seeded.client.get("/api/v1/catalogue")
    assert response.status_code == 200
    body = response.json()
    assert {item["code"] for item in body["types"]} == CODES and len(body["types"]) == len(
        CODES
    ) == 28
    assert body["default_profile"] == "ahc-2022-proposal"
    assert {p["code"] for p in body["profiles"]} == {"ahc-2022-proposal", "uncc-2024", "budapest"}
    seed = next(p for p in body["profiles"] if p["code"] == "ahc-2022-proposal")
    assert seed["durations"]["preservation"] == "P60D"
    assert seed["durations"]["emergency_acknowledgement"] == "PT1H"
    assert seed["excluded_forms"][0]["code"] == "transborder_access"
    mla = next(t for t in body["types"] if t["code"] == "mla")
    purpose = next(f for f in mla["fields"] if f["name"] == "purpose")
    assert purpose["required"] is True and "Statement Q7" in purpose["legal_basis"]
    offences = next(f for f in mla["fields"] if f["name"] == "offences")
    conduct = next(f for f in offences["items"]["fields"] if f["name"] == "conduct")
    assert "computer_fraud" in conduct["values"]
    reasons = next(f for f in mla["fields"] if f["name"] == "urgency_reasons")
    assert reasons["required_when"] == "urgency in urgent, emergency"
    assert mla["legal_basis"]["uncc-2024"]["channels"] == [
        "central_authority",
        "diplomatic",
        "interpol",
    ]
    one = seeded.client.get("/api/v1/catalogue/types/preservation").json()
    assert {t["code"] for t in one["timers"]} >= {"preservation_expiry"}
    missing = seeded.client.get("/api/v1/catalogue/types/telepathy")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    schema = seeded.client.get("/api/v1/catalogue-schema").json()
    assert "request_type" in schema["$defs"]


def test_the_openapi_document_describes_the_api(seeded: Node) -> None:
    spec = seeded.client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/v1/requests", "/api/v1/requests/{request_id}/submit", "/api/v1/deadlines",
                 "/api/v1/auth/token", "/api/v1/catalogue"):  # fmt: skip
        assert path in paths
    assert "422" in paths["/api/v1/requests/{request_id}/submit"]["post"]["responses"]
    # The root is the officers' pages now: signed out, it leads to the sign-in form.
    assert seeded.client.get("/", follow_redirects=False).headers["location"] == "/login"


def _create(node: Node, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = node.client.post(
        "/api/v1/requests",
        json={"type": "mla", "requested_state": "XB", "fields": fields, **extra},
        headers=node.headers("drafter"),
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith(response.json()["id"])
    body: dict[str, Any] = response.json()
    return body


def test_filters_and_full_text_search(seeded: Node) -> None:
    fields = example_mla_fields()
    phishing = _create(seeded, fields)
    other = _create(seeded, {"language": "fr", "facts_summary": "Une affaire de matière première."})
    chinese = _create(seeded, {"language": "zh", "facts_summary": "司法协助请求涉及网络诈骗"})
    to_xc = _create(seeded, {"language": "en"}, requested_state="XC")
    headers = seeded.headers("drafter")

    def ids(query: str) -> set[str]:
        response = seeded.client.get(f"/api/v1/requests?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert ids("") == {phishing["id"], other["id"], chinese["id"], to_xc["id"]}
    assert ids("q=phishing") == {phishing["id"]}
    assert ids("q=PHISH") == {phishing["id"]}
    assert ids("q=matiere") == {other["id"]}
    assert ids("q=mati%C3%A8re premi") == {other["id"]}
    assert ids("q=网络诈骗") == {chinese["id"]}
    assert ids("q=nothing-like-this") == set()
    # FTS and tsquery operators in the query are plain words, never syntax errors.
    assert ids("q=%22%20OR%20*%20NEAR(") <= ids("")
    assert ids("state=XC") == {to_xc["id"]}
    assert ids("type=mla&status=draft") == ids("")
    assert ids("status=approved") == set()
    assert ids(f"q={phishing['reference']}") == {phishing["id"]}
    page = seeded.client.get("/api/v1/requests?limit=2&offset=1", headers=headers).json()
    assert page["count"] == 2 and page["limit"] == 2 and page["offset"] == 1


def _incoming(node: Node, type_code: str, fields: dict[str, Any], authority: str, **kw: Any) -> str:
    ctx = node.container.services
    authority_id = next(a.id for a in nodes.authorities(ctx) if a.code == authority)
    view = requests.record_incoming(
        ctx,
        command=RecordIncoming(
            type_code=type_code,
            requesting_state="XC",
            authority_id=authority_id,
            profile="ahc-2022-proposal",
            urgency=kw.get("urgency", Urgency.ROUTINE),
            channel=kw.get("channel", Channel.CENTRAL_AUTHORITY),
            fields=fields,
        ),
        actor_id="system",
    )
    return view.request.id


def test_received_requests_are_processed_step_by_step_with_deadlines(seeded: Node) -> None:
    request_id = _incoming(
        seeded, "preservation", example_preservation_fields("XC"), "poc247",
        urgency=Urgency.URGENT, channel=Channel.NETWORK_24_7,
    )  # fmt: skip
    headers = seeded.headers("duty")
    url = f"/api/v1/requests/{request_id}"
    for step in ("registered", "under_assessment", "accepted", "in_execution"):
        response = seeded.client.post(f"{url}/transitions", json={"to": step}, headers=headers)
        assert response.status_code == 200, response.text
    body = seeded.client.get(url, headers=headers).json()
    assert body["side"] == "requested" and body["status"] == "in_execution"
    expiry = next(d for d in body["deadlines"] if d["code"] == "preservation_expiry")
    started = datetime.fromisoformat(body["history"][-1]["at"])
    assert datetime.fromisoformat(expiry["due_at"]) == started + timedelta(days=60)
    assert "BC art. 29(7)" in expiry["basis"]
    soon = (datetime.now(UTC) + timedelta(days=61)).isoformat().replace("+00:00", "Z")
    due = seeded.client.get(f"/api/v1/deadlines?due_before={soon}", headers=headers).json()
    assert {d["code"] for d in due["items"]} >= {
        "preservation_expiry",
        "preservation_expiry.reminder",
    }
    assert all(d["request_id"] == request_id for d in due["items"])
    listed = seeded.client.get(f"/api/v1/requests?due_before={soon}", headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [request_id]
    assert listed["items"][0]["next_due_at"] is not None
    past = seeded.client.get("/api/v1/deadlines?due_before=2000-01-01T00:00:00Z", headers=headers)
    assert past.json()["items"] == []
    other_authority = seeded.client.get(
        f"/api/v1/deadlines?due_before={soon}", headers=seeded.headers("executor")
    )
    assert other_authority.json()["items"] == []
    refused = seeded.client.post(
        f"{url}/transitions", json={"to": "executed"}, headers=headers
    ).json()
    assert refused["deadlines"] == []


def test_refusal_on_the_requested_side_needs_reasons(seeded: Node) -> None:
    request_id = _incoming(seeded, "mla", example_mla_fields("XC"), "central")
    ctx = seeded.container.services
    executor = seeded.people["executor"]
    for step in (Status.REGISTERED, Status.UNDER_ASSESSMENT):
        requests.process(ctx, actor=executor, command=MoveRequest(request_id, step))
    url = f"/api/v1/requests/{request_id}/transitions"
    headers = seeded.headers("executor")
    bare = seeded.client.post(url, json={"to": "refused"}, headers=headers)
    assert bare.status_code == 422 and bare.json()["code"] == "REASON_REQUIRED"
    reasoned = seeded.client.post(
        url,
        json={
            "to": "refused",
            "reason": "Essential interests (Statement Q14).",
            "grounds": ["essential_interests"],
            "consultation_not_appropriate": "A security matter no condition could cure.",
        },
        headers=headers,
    )
    assert reasoned.json()["status"] == "refused"
    assert reasoned.json()["history"][-1]["reason"] == "Essential interests (Statement Q14)."
