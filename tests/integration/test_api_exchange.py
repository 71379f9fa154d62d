"""The federation routes of the JSON API on a single node without keys or directory: what
fails must fail whole, the access rules hold, and the timeline mixes steps and evidences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from comity.domain.commands import AddUser, RecordIncoming
from comity.domain.values import Channel, Role, Urgency
from comity.services import node as node_service
from comity.services import requests, users
from comity.services.demo import example_mla_fields, example_preservation_fields
from comity.store.tables import outbox_message, request_history
from tests.integration.conftest import PASSWORD, Node


def _authority(seeded: Node, code: str) -> str:
    return next(a.id for a in node_service.authorities(seeded.container.services) if a.code == code)


def _incoming(
    seeded: Node,
    *,
    type_code: str = "mla",
    authority: str = "central",
    urgency: Urgency = Urgency.ROUTINE,
    channel: Channel = Channel.CENTRAL_AUTHORITY,
) -> str:
    """A request XB sent to one of this node's authorities."""
    fields = example_preservation_fields("XB") if type_code == "preservation" else None
    view = requests.record_incoming(
        seeded.container.services,
        command=RecordIncoming(
            type_code=type_code,
            requesting_state="XB",
            authority_id=_authority(seeded, authority),
            profile="ahc-2022-proposal",
            urgency=urgency,
            channel=channel,
            fields=fields or example_mla_fields("XB"),
        ),
        actor_id="system",
    )
    return view.request.id


def _post(node: Node, path: str, user: str, body: dict[str, Any] | None = None) -> Any:
    return node.client.post(f"/api/v1{path}", json=body, headers=node.headers(user))


def _get(node: Node, path: str, user: str) -> Any:
    return node.client.get(f"/api/v1{path}", headers=node.headers(user))


def _approved(seeded: Node) -> str:
    created = _post(
        seeded, "/requests", "drafter", {"type": "mla", "requested_state": "XB", **_mla()}
    )
    assert created.status_code == 201, created.text
    request_id: str = created.json()["id"]
    assert _post(seeded, f"/requests/{request_id}/submit", "drafter").status_code == 200
    approved = _post(seeded, f"/requests/{request_id}/approve", "approver")
    assert approved.status_code == 200, approved.text
    return request_id


def _mla() -> dict[str, Any]:
    return {"fields": example_mla_fields()}


def _count(node: Node, table: Any) -> int:
    with node.container.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _step(seeded: Node, request_id: str, to: str, **body: Any) -> Any:
    return _post(seeded, f"/requests/{request_id}/transitions", "executor", {"to": to, **body})


def test_sending_without_a_directory_changes_nothing(seeded: Node) -> None:
    request_id = _approved(seeded)
    history = _count(seeded, request_history)
    response = _post(seeded, f"/requests/{request_id}/send", "approver")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "DIRECTORY_INVALID"
    after = _get(seeded, f"/requests/{request_id}", "approver").json()
    assert after["status"] == "approved" and after["exchange_id"] is None
    assert _count(seeded, outbox_message) == 0
    assert _count(seeded, request_history) == history
    # The refusal shows on the request's timeline, with its reason.
    (rejected,) = [item for item in after["timeline"] if item["kind"] == "evidence"]
    assert rejected["stage"] == "submission_rejected"
    assert rejected["code"] == "DIRECTORY_INVALID"


def test_only_an_approver_sends(seeded: Node) -> None:
    request_id = _approved(seeded)
    response = _post(seeded, f"/requests/{request_id}/send", "drafter")
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    outsider = _post(seeded, f"/requests/{request_id}/send", "prosecutor")
    assert outsider.status_code == 404
    # Refusals for want of rights leave no evidence: only a refusal for want of trust does.
    timeline = _get(seeded, f"/requests/{request_id}", "approver").json()["timeline"]
    assert [item for item in timeline if item["kind"] == "evidence"] == []


def test_a_duty_officer_acknowledges_once_and_the_time_is_shown(seeded: Node) -> None:
    request_id = _incoming(seeded, type_code="preservation", authority="poc247")
    before = _get(seeded, f"/requests/{request_id}", "duty").json()
    assert before["acknowledged_at"] is None and before["seconds_to_acknowledge"] is None
    response = _post(seeded, f"/requests/{request_id}/acknowledge", "duty")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["acknowledged_by"] == seeded.people["duty"].id
    assert body["acknowledged_at"] is not None
    assert body["seconds_to_acknowledge"] is not None and body["seconds_to_acknowledge"] >= 0
    again = _post(seeded, f"/requests/{request_id}/acknowledge", "duty")
    assert again.status_code == 409 and again.json()["code"] == "ILLEGAL_TRANSITION"


def test_acknowledging_needs_a_duty_officer_of_the_authority(seeded: Node) -> None:
    central = _incoming(seeded, type_code="preservation", authority="central")
    # The executor sees the request but may not acknowledge it; the duty officer of another
    # authority may not even learn that it exists.
    executor = _post(seeded, f"/requests/{central}/acknowledge", "executor")
    assert executor.status_code == 403 and executor.json()["code"] == "FORBIDDEN"
    duty_elsewhere = _post(seeded, f"/requests/{central}/acknowledge", "duty")
    assert duty_elsewhere.status_code == 404 and duty_elsewhere.json()["code"] == "NOT_FOUND"
    unacknowledged = _get(seeded, f"/requests/{central}", "executor").json()
    assert unacknowledged["acknowledged_at"] is None


def test_a_request_this_state_made_is_never_acknowledged(seeded: Node) -> None:
    users.add_user(
        seeded.container.services,
        command=AddUser(
            "duty-drafter",
            PASSWORD,
            frozenset({Role.DRAFTER, Role.DUTY_OFFICER}),
            authority_code="central",
        ),
    )
    created = _post(
        seeded, "/requests", "duty-drafter", {"type": "mla", "requested_state": "XB", **_mla()}
    )
    assert created.status_code == 201, created.text
    response = _post(seeded, f"/requests/{created.json()['id']}/acknowledge", "duty-drafter")
    # The access rules refuse it before the request is asked (acknowledging is an action on
    # the requested side only); the request itself would refuse with ILLEGAL_TRANSITION.
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "FORBIDDEN"
    after = _get(seeded, f"/requests/{created.json()['id']}", "duty-drafter").json()
    assert after["acknowledged_at"] is None


def test_the_inbox_lists_open_received_requests_of_the_callers_authority(seeded: Node) -> None:
    _post(seeded, "/requests", "drafter", {"type": "mla", "requested_state": "XB"})
    first = _incoming(seeded)
    second = _incoming(seeded, urgency=Urgency.EMERGENCY)
    ended = _incoming(seeded)
    assert _step(seeded, ended, "withdrawn", reason="XB withdrew it by phone").status_code == 200
    urgent = _incoming(seeded, type_code="preservation", authority="poc247")

    central = _get(seeded, "/inbox", "executor")
    assert central.status_code == 200, central.text
    items = central.json()["items"]
    assert [item["id"] for item in items] == [second, first]
    assert all(item["side"] == "requested" for item in items)
    flags = {item["id"]: item["waiting_acknowledgement"] for item in items}
    assert flags == {second: True, first: False}

    duty = _get(seeded, "/inbox", "duty").json()["items"]
    assert [(item["id"], item["waiting_acknowledgement"]) for item in duty] == [(urgent, True)]
    assert _post(seeded, f"/requests/{urgent}/acknowledge", "duty").status_code == 200
    acknowledged = _get(seeded, "/inbox", "duty").json()["items"]
    assert [(item["id"], item["waiting_acknowledgement"]) for item in acknowledged] == [
        (urgent, False)
    ]
    assert _get(seeded, "/inbox", "prosecutor").json() == {"items": [], "count": 0}
    assert _get(seeded, "/inbox", "admin").json()["items"] == []


def test_the_directory_of_a_node_without_one_is_a_problem(seeded: Node) -> None:
    response = _get(seeded, "/directory", "executor")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "DIRECTORY_INVALID"
    assert seeded.client.get("/api/v1/directory").status_code == 401


def test_a_decisions_grounds_and_conditions_are_kept_and_shown(seeded: Node) -> None:
    refused = _incoming(seeded)
    conditioned = _incoming(seeded)
    asked = _incoming(seeded)
    for request_id in (refused, conditioned, asked):
        assert _step(seeded, request_id, "registered").status_code == 200
        assert _step(seeded, request_id, "under_assessment").status_code == 200
    refusal = _step(
        seeded,
        refused,
        "refused",
        reason="Disclosure would reveal a national-security operation.",
        grounds=["essential_interests"],
        consultation_not_appropriate="No condition could protect the operation.",
    )
    assert refusal.status_code == 200, refusal.text
    conditions = _step(
        seeded,
        conditioned,
        "conditions_proposed",
        reason="Use limited to the proceedings named.",
        conditions="Speciality: no other use without consent.",
    )
    assert conditions.status_code == 200, conditions.text
    due = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
    question = _step(
        seeded, asked, "more_info_requested", reason="Which accounts?", due_at=due.isoformat()
    )
    assert question.status_code == 200, question.text

    def last_step(request_id: str) -> dict[str, Any]:
        timeline = _get(seeded, f"/requests/{request_id}", "executor").json()["timeline"]
        steps: list[dict[str, Any]] = [item for item in timeline if item["kind"] == "status"]
        return steps[-1]

    assert last_step(refused)["detail"] == {
        "grounds": ["essential_interests"],
        "consultation_not_appropriate": "No condition could protect the operation.",
    }
    assert last_step(refused)["reason"] == "Disclosure would reveal a national-security operation."
    assert last_step(conditioned)["detail"] == {
        "conditions": "Speciality: no other use without consent."
    }
    shown_due = last_step(asked)["detail"]["due_at"]
    assert datetime.fromisoformat(shown_due) == due
    assert refusal.json()["timeline"][-1]["detail"]["grounds"][0] == "essential_interests"
    with seeded.container.engine.connect() as connection:
        stored = connection.execute(
            select(request_history.c.detail)
            .where(request_history.c.request_id == refused)
            .order_by(request_history.c.seq.desc())
        ).first()
    assert stored is not None
    assert stored[0]["grounds"] == ["essential_interests"]
    # A plain step keeps an empty detail: only the particulars given are stored.
    assert last_step(_incoming(seeded))["detail"] == {}


@pytest.mark.parametrize(
    "body",
    [
        {"to": "refused", "reason": "r", "grounds": ["Not A Code"]},
        {"to": "refused", "reason": "r", "grounds": ["x"] * 21},
        {"to": "more_info_requested", "reason": "r", "due_at": "2030-01-15T12:00:00"},
        {"to": "refused", "reason": "r", "extra": 1},
    ],
)
def test_malformed_particulars_are_refused(seeded: Node, body: dict[str, Any]) -> None:
    request_id = _incoming(seeded)
    response = _post(seeded, f"/requests/{request_id}/transitions", "executor", body)
    assert response.status_code == 422 and response.json()["code"] == "VALIDATION_FAILED"


def test_the_timeline_lists_every_step_in_order(seeded: Node) -> None:
    request_id = _approved(seeded)
    body = _get(seeded, f"/requests/{request_id}", "approver").json()
    steps = [item for item in body["timeline"] if item["kind"] == "status"]
    assert [(s["from_status"], s["to_status"]) for s in steps] == [
        (None, "draft"),
        ("draft", "awaiting_approval"),
        ("awaiting_approval", "approved"),
    ]
    assert [item["at"] for item in body["timeline"]] == sorted(
        item["at"] for item in body["timeline"]
    )
    assert len(body["history"]) == len(steps)
    assert body["original"] is None and body["remote_status"] is None
    assert body["seconds_to_acknowledge"] is None


def test_a_copy_sent_ahead_shows_its_original_awaited(seeded: Node) -> None:
    request_id = _incoming(seeded, channel=Channel.COPY_AHEAD)
    body = _get(seeded, f"/requests/{request_id}", "executor").json()
    assert body["original"] == {"awaited": True, "received_at": None}


def test_follow_up_steps_refuse_what_the_status_does_not_allow(seeded: Node) -> None:
    draft = _post(seeded, "/requests", "drafter", {"type": "mla", "requested_state": "XB"})
    request_id = draft.json()["id"]
    original = _post(seeded, f"/requests/{request_id}/original", "drafter")
    assert original.status_code == 409 and original.json()["code"] == "ILLEGAL_TRANSITION"
    closing = _post(seeded, f"/requests/{request_id}/close", "drafter", {"reason": "done"})
    assert closing.status_code == 409 and closing.json()["code"] == "ILLEGAL_TRANSITION"
    answers = _post(seeded, f"/requests/{request_id}/supply-information", "drafter", {})
    assert answers.status_code == 422 and answers.json()["code"] == "VALIDATION_FAILED"
    empty = _post(seeded, f"/requests/{request_id}/supply-information", "drafter", {"answers": ""})
    assert empty.status_code == 422
    supplied = _post(
        seeded, f"/requests/{request_id}/supply-information", "drafter", {"answers": "Accounts."}
    )
    assert supplied.status_code == 409 and supplied.json()["code"] == "ILLEGAL_TRANSITION"
    incoming = _incoming(seeded)
    foreign = _post(seeded, f"/requests/{incoming}/close", "executor")
    assert foreign.status_code == 403


def test_acknowledged_time_is_measured_from_receipt(seeded: Node) -> None:
    request_id = _incoming(seeded, type_code="preservation", authority="poc247")
    body = _post(seeded, f"/requests/{request_id}/acknowledge", "duty").json()
    created = datetime.fromisoformat(body["created_at"])
    acknowledged = datetime.fromisoformat(body["acknowledged_at"])
    expected = int((acknowledged - created).total_seconds())
    assert body["seconds_to_acknowledge"] == expected
    assert acknowledged - created < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("decision", "codes"),
    [
        # Under the statement's profile a political-offence refusal is excluded (Q16).
        (
            {"grounds": ["political_offence"], "consultation_not_appropriate": "n/a"},
            {"POLITICAL_OFFENCE_EXCLUDED"},
        ),
        # Fiscal matters are never a ground on their own.
        ({"grounds": ["fiscal"], "consultation_not_appropriate": "n/a"}, {"FISCAL_NOT_A_GROUND"}),
        # A discretionary ground needs a prior consultation of the requesting State.
        ({"grounds": ["essential_interests"]}, {"CONSULTATION_REQUIRED_BEFORE_REFUSAL"}),
        ({"grounds": ["no_such_ground"]}, {"REFUSAL_GROUND_NOT_AVAILABLE"}),
        ({}, {"REFUSAL_GROUND_NOT_AVAILABLE"}),
    ],
)
def test_a_refusal_needs_valid_grounds_and_consultation(
    seeded: Node, decision: dict[str, Any], codes: set[str]
) -> None:
    request_id = _incoming(seeded)
    for step in ("registered", "under_assessment"):
        assert _step(seeded, request_id, step).status_code == 200
    answer = _step(seeded, request_id, "refused", reason="Reasons given.", **decision)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "DECISION_INVALID"
    assert codes <= {finding["code"] for finding in body["findings"]}
    after = _get(seeded, f"/requests/{request_id}", "executor").json()
    assert after["status"] == "under_assessment"


def test_a_consulted_requesting_state_may_be_refused(seeded: Node) -> None:
    request_id = _incoming(seeded)
    for step in ("registered", "under_assessment"):
        assert _step(seeded, request_id, step).status_code == 200
    # Asking for more information consults the requesting State.
    asked = _step(seeded, request_id, "more_info_requested", reason="Which accounts?")
    assert asked.status_code == 200
    assert _step(seeded, request_id, "under_assessment").status_code == 200
    answer = _step(
        seeded, request_id, "refused", reason="Security operation.", grounds=["essential_interests"]
    )
    assert answer.status_code == 200, answer.text


def test_a_postponement_needs_a_review_date(seeded: Node) -> None:
    request_id = _incoming(seeded)
    for step in ("registered", "under_assessment"):
        assert _step(seeded, request_id, step).status_code == 200
    bare = _step(seeded, request_id, "postponed", reason="Our own investigation would suffer.")
    assert bare.status_code == 422 and bare.json()["code"] == "DECISION_INVALID"
    review = datetime(2030, 3, 1, tzinfo=UTC).isoformat()
    dated = _step(seeded, request_id, "postponed", reason="Own investigation.", due_at=review)
    assert dated.status_code == 200, dated.text


def test_a_partial_acceptance_decides_item_by_item(seeded: Node) -> None:
    request_id = _incoming(seeded)
    for step in ("registered", "under_assessment"):
        assert _step(seeded, request_id, step).status_code == 200
    all_granted = _step(
        seeded,
        request_id,
        "accepted_in_part",
        items=[{"item": "Subscriber data", "decision": "granted"}],
    )
    assert all_granted.status_code == 422 and all_granted.json()["code"] == "DECISION_INVALID"
    unexplained = _step(
        seeded,
        request_id,
        "accepted_in_part",
        items=[
            {"item": "Subscriber data", "decision": "granted"},
            {"item": "Content of the mailbox", "decision": "refused"},
        ],
    )
    assert unexplained.status_code == 422
    decided = _step(
        seeded,
        request_id,
        "accepted_in_part",
        items=[
            {"item": "Subscriber data", "decision": "granted"},
            {"item": "Content of the mailbox", "decision": "refused", "reason": "No court order"},
        ],
    )
    assert decided.status_code == 200, decided.text
    step = [i for i in decided.json()["timeline"] if i["kind"] == "status"][-1]
    assert [item["decision"] for item in step["detail"]["items"]] == ["granted", "refused"]
