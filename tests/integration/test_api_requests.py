"""The request workflow through the JSON API, on each database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from comity.services.demo import example_mla_fields
from comity.store.tables import audit_leaf, cooperation_request, request_history
from tests.builders import MLA_MINIMUM
from tests.integration.conftest import Node


def _create(node: Node, user: str = "drafter", **body: Any) -> dict[str, Any]:
    payload = {"type": "mla", "requested_state": "XB", **body}
    response = node.client.post("/api/v1/requests", json=payload, headers=node.headers(user))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _attempt_create(node: Node, user: str) -> Any:
    return node.client.post(
        "/api/v1/requests",
        json={"type": "mla", "requested_state": "XB"},
        headers=node.headers(user),
    )


def _count(node: Node, table: Any) -> int:
    with node.container.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_incomplete_draft_is_saved_and_its_submission_names_every_missing_path(
    seeded: Node,
) -> None:
    draft = _create(seeded, fields={"language": "en"})
    assert draft["status"] == "draft" and draft["side"] == "requesting"
    assert set(draft["missing"]) == MLA_MINIMUM - {"fields.language"}
    assert draft["requesting_state"] == "XA" and draft["profile"] == "ahc-2022-proposal"
    assert "Statement Q11" in draft["legal_basis"]
    history_before = _count(seeded, request_history)
    response = seeded.client.post(
        f"/api/v1/requests/{draft['id']}/submit", headers=seeded.headers("drafter")
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "INCOMPLETE_REQUEST"
    assert set(problem["missing"]) == MLA_MINIMUM - {"fields.language"}
    assert len(problem["errors"]) == len(problem["missing"])
    assert _count(seeded, request_history) == history_before
    again = seeded.client.get(f"/api/v1/requests/{draft['id']}", headers=seeded.headers("drafter"))
    assert again.json()["status"] == "draft"


def test_a_complete_draft_awaits_approval_and_its_drafter_cannot_approve_it(seeded: Node) -> None:
    draft = _create(seeded, "both", fields=example_mla_fields())
    assert draft["missing"] == []
    submitted = seeded.client.post(
        f"/api/v1/requests/{draft['id']}/submit", headers=seeded.headers("both")
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "awaiting_approval"
    own = seeded.client.post(
        f"/api/v1/requests/{draft['id']}/approve", headers=seeded.headers("both")
    )
    assert own.status_code == 403 and own.json()["code"] == "FOUR_EYES_REQUIRED"
    drafter_only = seeded.client.post(
        f"/api/v1/requests/{draft['id']}/approve", headers=seeded.headers("drafter2")
    )
    assert drafter_only.status_code == 403 and drafter_only.json()["code"] == "FORBIDDEN"
    approved = seeded.client.post(
        f"/api/v1/requests/{draft['id']}/approve",
        json={"comment": "Checked against the treaty."},
        headers=seeded.headers("approver"),
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved"
    assert body["approved_by"] == seeded.people["approver"].id
    assert body["approval_digest"] and len(body["approval_digest"]) == 64
    assert [step["to_status"] for step in body["history"]] == [
        "draft",
        "awaiting_approval",
        "approved",
    ]
    assert body["history"][-1]["reason"] == "Checked against the treaty."
    assert "sent" in body["next_statuses"]


def test_the_approver_can_send_back_with_a_comment_and_the_drafter_edits_again(
    seeded: Node,
) -> None:
    draft = _create(seeded, fields=example_mla_fields())
    seeded.client.post(f"/api/v1/requests/{draft['id']}/submit", headers=seeded.headers("drafter"))
    no_reason = seeded.client.post(
        f"/api/v1/requests/{draft['id']}/return", json={}, headers=seeded.headers("approver")
    )
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "REASON_REQUIRED"
    back = seeded.client.post(
        f"/api/v1/requests/{draft['id']}/return",
        json={"reason": "Name the provider's address."},
        headers=seeded.headers("approver"),
    )
    assert back.json()["status"] == "draft"
    edited = seeded.client.patch(
        f"/api/v1/requests/{draft['id']}",
        json={
            "fields": {"special_procedure": "Certify the logs."},
            "version": back.json()["version"],
        },
        headers=seeded.headers("drafter"),
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["fields"]["special_procedure"] == "Certify the logs."


def test_patching_merges_fields_removes_nulls_and_checks_the_version(seeded: Node) -> None:
    draft = _create(seeded, fields={"language": "en", "purpose": "x"})
    url, headers = f"/api/v1/requests/{draft['id']}", seeded.headers("drafter")
    response = seeded.client.patch(
        url,
        json={"fields": {"purpose": None, "facts_summary": "F"}, "urgency": "urgent", "version": 0},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fields"] == {"language": "en", "facts_summary": "F"}
    assert body["urgency"] == "urgent" and body["version"] == 1
    assert "fields.urgency_reasons" in body["missing"]
    stale = seeded.client.patch(
        url, json={"fields": {"purpose": "y"}, "version": 0}, headers=headers
    )
    assert stale.status_code == 409 and stale.json()["code"] == "CONCURRENT_UPDATE"


def test_submitted_requests_cannot_be_edited(seeded: Node) -> None:
    draft = _create(seeded, fields=example_mla_fields())
    seeded.client.post(f"/api/v1/requests/{draft['id']}/submit", headers=seeded.headers("drafter"))
    response = seeded.client.patch(
        f"/api/v1/requests/{draft['id']}", json={"fields": {"purpose": "z"}},
        headers=seeded.headers("drafter"),
    )  # fmt: skip
    assert response.status_code == 409 and response.json()["code"] == "REQUEST_NOT_EDITABLE"


def test_withdrawal_needs_reasons_and_ends_the_request(seeded: Node) -> None:
    draft = _create(seeded, fields={"language": "en"})
    url = f"/api/v1/requests/{draft['id']}/withdraw"
    refused = seeded.client.post(url, json={"reason": ""}, headers=seeded.headers("drafter"))
    assert refused.status_code == 422 and refused.json()["code"] == "REASON_REQUIRED"
    done = seeded.client.post(
        url, json={"reason": "No longer needed."}, headers=seeded.headers("drafter")
    )
    assert done.json()["status"] == "withdrawn"
    twice = seeded.client.post(url, json={"reason": "Again."}, headers=seeded.headers("drafter"))
    assert twice.status_code == 409 and twice.json()["code"] == "ILLEGAL_TRANSITION"


def test_requests_of_another_authority_answer_not_found(seeded: Node) -> None:
    draft = _create(seeded, fields={"language": "en"})
    for method, path in [
        ("GET", ""), ("PATCH", ""), ("POST", "/submit"), ("POST", "/approve"),
        ("POST", "/withdraw"), ("POST", "/transitions"),
    ]:  # fmt: skip
        body = {"/withdraw": {"reason": "r"}, "/transitions": {"to": "registered"}}.get(path, {})
        response = seeded.client.request(
            method, f"/api/v1/requests/{draft['id']}{path}", json=body,
            headers=seeded.headers("prosecutor"),
        )  # fmt: skip
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "NOT_FOUND"
    listing = seeded.client.get("/api/v1/requests", headers=seeded.headers("prosecutor"))
    assert listing.json()["items"] == []
    unknown = seeded.client.get("/api/v1/requests/no-such-id", headers=seeded.headers("drafter"))
    assert unknown.status_code == 404


def test_an_administrator_manages_accounts_not_case_files(seeded: Node) -> None:
    draft = _create(seeded, fields={"language": "en"})
    response = seeded.client.get(f"/api/v1/requests/{draft['id']}", headers=seeded.headers("admin"))
    assert response.status_code == 404
    assert (
        seeded.client.get("/api/v1/requests", headers=seeded.headers("admin")).json()["items"] == []
    )
    assert _attempt_create(seeded, "admin").json()["code"] == "FORBIDDEN"


def test_readers_see_but_cannot_act(seeded: Node) -> None:
    draft = _create(seeded, fields={"language": "en"})
    assert (
        seeded.client.get(
            f"/api/v1/requests/{draft['id']}", headers=seeded.headers("dpo")
        ).status_code
        == 200
    )
    response = seeded.client.post(
        f"/api/v1/requests/{draft['id']}/submit", headers=seeded.headers("dpo")
    )
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert _attempt_create(seeded, "approver").status_code == 403


def test_every_step_is_audited_in_the_same_transaction(seeded: Node) -> None:
    before = _count(seeded, audit_leaf)
    draft = _create(seeded, fields=example_mla_fields())
    seeded.client.post(f"/api/v1/requests/{draft['id']}/submit", headers=seeded.headers("drafter"))
    with seeded.container.engine.connect() as connection:
        rows = connection.execute(
            select(audit_leaf.c.tag, audit_leaf.c.object_id, audit_leaf.c.details)
            .where(audit_leaf.c.leaf_index > before, audit_leaf.c.tag.like("request:%"))
            .order_by(audit_leaf.c.leaf_index)
        ).all()
    assert [row.tag for row in rows] == ["request:draft:created", "request:status:changed"]
    assert all(row.object_id == draft["id"] for row in rows)
    text = repr([row.details for row in rows])
    assert "phishing" not in text and "88412" not in text


def test_the_four_eyes_rule_and_a_failed_submission_write_nothing(seeded: Node) -> None:
    draft = _create(seeded, "both", fields=example_mla_fields())
    seeded.client.post(f"/api/v1/requests/{draft['id']}/submit", headers=seeded.headers("both"))
    counts = (
        _count(seeded, audit_leaf),
        _count(seeded, request_history),
        _count(seeded, cooperation_request),
    )
    seeded.client.post(f"/api/v1/requests/{draft['id']}/approve", headers=seeded.headers("both"))
    seeded.client.post(
        "/api/v1/requests", json={"type": "mla", "requested_state": "XB", "fields": {"x": 1}},
        headers=seeded.headers("drafter"),
    )  # fmt: skip
    after = (
        _count(seeded, audit_leaf),
        _count(seeded, request_history),
        _count(seeded, cooperation_request),
    )
    # Only the sign-ins of the two calls were audited; the refused commands left no trace.
    assert after[1:] == counts[1:]
    assert after[0] == counts[0] + 2
