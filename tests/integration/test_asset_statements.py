"""The asset-return statement between two States' nodes (issue 8, item 7: "every amount
computed by the node from the recorded figures, shown as a signed statement to both States").

XA asks XB to return confiscated assets; XB, which holds them, records the register and its
node computes the disposal, signs it and sends it; XA's node recomputes it from the register
the statement carries and keeps it only if it comes out the same. A forged register is
refused with a signed negative answer, and only XB's executors may issue."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from comity.domain.commands import MoveRequest, RecordIncoming
from comity.domain.delivery import DeliveryStatus, MessageType, Stage
from comity.domain.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidFieldsError,
    NotFoundError,
    PermissionDeniedError,
)
from comity.domain.messages import StatementBody
from comity.domain.practice.asset_input import MAX_ITEMS, parse_register
from comity.domain.practice.asset_statement import STATEMENT_TYP, build_payload
from comity.domain.values import Channel, Urgency
from comity.domain.workflow import Status
from comity.services import asset_statements, exchange, node, requests
from comity.services.demo import example_mla_fields
from comity.services.outgoing import queue
from comity.web.app import create_app
from tests.federation_harness import PASSWORD, FedNode
from tests.integration.test_federation import approved, relay, the_copy
from tests.unit.test_asset_input import ISSUE_EXAMPLE

# What XA asks for: the return of a confiscated bank balance so that two victims of the
# phishing fraud are compensated (fictional).
_ENVELOPE = ("requesting_authority", "conducting_authority", "case_refs", "language")
_CASE = ("offences", "facts_summary", "proceeding_nature", "purpose", "purpose_code")
ASSET_RETURN_FIELDS: dict[str, Any] = {
    **{name: value for name, value in example_mla_fields("XA").items() if name in _ENVELOPE},
    **{name: value for name, value in example_mla_fields("XA").items() if name in _CASE},
    "assistance_sought": "Return of the confiscated balance so that the victims are compensated.",
    "confiscation_ref": "CONF-XA-2025-3",
    "assets": [
        {
            "description": "Balance of the mule account at Example Bank",
            "confiscation_order_ref": "CO-2025-17",
            "estimated_value": 1000000,
            "currency": "EUR",
            "offence_class": "other_convention_offence",
        }
    ],
    "disposition_sought": "victim_compensation",
}

# The hand-checked lines of the issue's example (tests/unit/test_asset_return.py, scenario 1).
EXPECTED = [
    ("gross", "", "1000000.00"),
    ("expense", "X1", "12500.00"),
    ("expense", "X2", "20012.40"),
    ("expense", "X3", "5000.00"),
    ("net", "", "962487.60"),
    ("victim", "V1", "524993.24"),
    ("victim", "V2", "437494.36"),
    ("kept_by_requested", "", "0.00"),
]


def _accepted(xa: FedNode, xb: FedNode) -> tuple[str, str]:
    """An asset_return request XA → XB that XB accepted: XA's id and XB's copy's id."""
    request_id = approved(xa, type_code="asset_return", **ASSET_RETURN_FIELDS)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    copy_id = the_copy(xb, request_id).id
    for to in (Status.REGISTERED, Status.UNDER_ASSESSMENT, Status.ACCEPTED):
        requests.process(
            xb.ctx, actor=xb.people["executor"], command=MoveRequest(copy_id, to, "", {})
        )
    relay(xb)
    return request_id, copy_id


def _tags(node: FedNode, request_id: str) -> list[str]:
    with node.ctx.uow() as uow:
        return [leaf.tag for leaf in uow.ledger.leaves_of_request(request_id)]


def _leaf_texts(node: FedNode, request_id: str, tag: str) -> list[str]:
    with node.ctx.uow() as uow:
        return [leaf.text for leaf in uow.ledger.leaves_of_request(request_id) if leaf.tag == tag]


def _outcome(node: FedNode, message_id: str) -> tuple[DeliveryStatus, list[tuple[Stage, str]]]:
    with node.ctx.uow() as uow:
        message = uow.outbox.get(message_id)
        assert message is not None
        evidences = [(e.stage, e.code) for e in uow.evidences.for_message(message_id)]
        return message.status, evidences


def test_the_requested_state_issues_and_the_requesting_state_recomputes_it(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id, copy_id = _accepted(xa, xb)

    issued = asset_statements.issue_statement(
        xb.ctx, actor=xb.people["executor"], request_id=copy_id, register=ISSUE_EXAMPLE
    )
    lines = issued.statement.lines()
    assert [(ln.kind, ln.ref, f"{ln.amount.amount:f}") for ln in lines] == EXPECTED
    assert issued.stored.sha256 == hashlib.sha256(issued.statement.canonical_bytes()).hexdigest()
    assert issued.stored.issuer_state == "XB"
    relay(xb)
    assert _outcome(xb, issued.message_id)[0] is DeliveryStatus.ACKNOWLEDGED

    # XA holds the same statement: same digest, same signed token, same lines.
    (theirs,) = asset_statements.statements(
        xa.ctx, actor=xa.people["drafter"], request_id=request_id
    )
    (ours,) = asset_statements.statements(xb.ctx, actor=xb.people["executor"], request_id=copy_id)
    assert theirs.sha256 == ours.sha256 == issued.stored.sha256
    assert theirs.token == ours.token and theirs.issuer_state == "XB"
    assert theirs.statement == ours.statement == issued.statement.to_dict()
    assert theirs.issued_at == ours.issued_at
    assert theirs.request_id == request_id and ours.request_id == copy_id

    # One audit leaf each side, with the digest and the gross, and no claimant.
    assert _tags(xb, copy_id).count("request:asset_statement:issued") == 1
    assert _tags(xa, request_id).count("request:asset_statement:received") == 1
    (issued_leaf,) = _leaf_texts(xb, copy_id, "request:asset_statement:issued")
    (received_leaf,) = _leaf_texts(xa, request_id, "request:asset_statement:received")
    for leaf in (issued_leaf, received_leaf):
        assert issued.stored.sha256 in leaf and '"gross":"1000000.00"' in leaf
        assert '"currency":"EUR"' in leaf and "P-V1" not in leaf and "REG-1" not in leaf
    assert '"issuer_state":"XB"' in received_leaf

    # The same figures give the same statement: it is not issued twice.
    with pytest.raises(ConflictError):
        asset_statements.issue_statement(
            xb.ctx, actor=xb.people["executor"], request_id=copy_id, register=ISSUE_EXAMPLE
        )


def _forge(xa: FedNode, xb: FedNode, copy_id: str, token: str) -> str:
    """XB's node sends ``token`` as a statement of its copy (as a compromised or buggy node
    could); the message's id."""
    with xb.ctx.uow() as uow:
        request = uow.requests.get(copy_id)
        assert request is not None and request.exchange_id is not None
        message = queue(
            xb.ctx,
            uow,
            request=request,
            message_type=MessageType.REQUEST_STATEMENT,
            body=StatementBody(request.exchange_id, token),
            now=datetime.now(UTC),
        )
        uow.commit()
    relay(xb)
    return message.message_id


def _genuine_payload(xb: FedNode, copy_id: str) -> dict[str, Any]:
    with xb.ctx.uow() as uow:
        request = uow.requests.get(copy_id)
        assert request is not None and request.exchange_id is not None
    return build_payload(
        parse_register(ISSUE_EXAMPLE),
        profile=request.profile,
        exchange_id=request.exchange_id,
        request_reference=request.reference,
        issued_at=datetime.now(UTC),
        issuer_state="XB",
    ).to_dict()


def test_a_tampered_register_is_refused_by_the_requesting_state(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb, xc = nodes["XA"], nodes["XB"], nodes["XC"]
    request_id, copy_id = _accepted(xa, xb)
    genuine = _genuine_payload(xb, copy_id)

    # A changed amount in the register, signed by XB's key, with the statement and digest of
    # the true figures: XA recomputes, finds another statement, and refuses.
    tampered = copy.deepcopy(genuine)
    tampered["register"]["assets"][0]["realised_value"]["amount"] = "1001000.00"
    forged = _forge(xa, xb, copy_id, xb.ctx.federation.envelopes.sign(tampered, typ=STATEMENT_TYP))
    status, evidences = _outcome(xb, forged)
    assert status is DeliveryStatus.REJECTED
    assert (Stage.NOT_DELIVERED, "STATEMENT_INVALID") in evidences

    # The true figures, but signed by another State's key: not XB's statement.
    by_xc = xc.ctx.federation.envelopes.sign(genuine, typ=STATEMENT_TYP)
    status, evidences = _outcome(xb, _forge(xa, xb, copy_id, by_xc))
    assert status is DeliveryStatus.REJECTED
    assert (Stage.NOT_DELIVERED, "STATEMENT_INVALID") in evidences

    # Well-formed, but not a JWS of a statement (another typ): refused the same way.
    receipt_typed = xb.ctx.federation.envelopes.sign(genuine, typ="comity-receipt/1")
    status, _ = _outcome(xb, _forge(xa, xb, copy_id, receipt_typed))
    assert status is DeliveryStatus.REJECTED

    assert (
        asset_statements.statements(xa.ctx, actor=xa.people["drafter"], request_id=request_id) == []
    )
    assert "request:asset_statement:received" not in _tags(xa, request_id)

    # The genuine one, signed by XB, is kept.
    _forge(xa, xb, copy_id, xb.ctx.federation.envelopes.sign(genuine, typ=STATEMENT_TYP))
    (kept,) = asset_statements.statements(xa.ctx, actor=xa.people["drafter"], request_id=request_id)
    assert kept.sha256 == genuine["sha256"]


def test_only_the_requested_state_s_executors_issue_once_the_request_is_accepted(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa, type_code="asset_return", **ASSET_RETURN_FIELDS)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    copy_id = the_copy(xb, request_id).id

    def issue(node: FedNode, who: str, rid: str) -> None:
        asset_statements.issue_statement(
            node.ctx, actor=node.people[who], request_id=rid, register=ISSUE_EXAMPLE
        )

    # Not yet accepted: nothing to dispose of under this request.
    with pytest.raises(IllegalTransitionError, match="once the request is accepted"):
        issue(xb, "executor", copy_id)
    for to in (Status.REGISTERED, Status.UNDER_ASSESSMENT, Status.ACCEPTED):
        requests.process(
            xb.ctx, actor=xb.people["executor"], command=MoveRequest(copy_id, to, "", {})
        )
    # A drafter of XB reads the request but does not process it.
    with pytest.raises(PermissionDeniedError):
        issue(xb, "drafter", copy_id)
    # The requesting State does not compute the disposal of assets it does not hold.
    for who in ("drafter", "approver"):
        with pytest.raises(PermissionDeniedError):
            issue(xa, who, request_id)
    # Another authority's officer does not even learn that the request exists.
    with pytest.raises(NotFoundError):
        issue(xb, "duty", copy_id)
    # Bad figures are named by their path; nothing is kept.
    bad = copy.deepcopy(ISSUE_EXAMPLE)
    bad["expenses"][0]["amount"]["amount"] = 12500.0
    with pytest.raises(InvalidFieldsError) as caught:
        asset_statements.issue_statement(
            xb.ctx, actor=xb.people["executor"], request_id=copy_id, register=bad
        )
    assert [issue.path for issue in caught.value.issues] == ["expenses[0].amount.amount"]
    executor = xb.people["executor"]
    assert asset_statements.statements(xb.ctx, actor=executor, request_id=copy_id) == []


def test_a_request_of_another_form_has_no_statement(nodes: dict[str, FedNode]) -> None:
    xa = nodes["XA"]
    request_id = approved(xa)
    with pytest.raises(NotFoundError, match="mla request has no asset-disposal statement"):
        asset_statements.statements(xa.ctx, actor=xa.people["drafter"], request_id=request_id)


def test_a_statement_the_wrong_way_about_the_wrong_form_or_twice_is_refused(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id, copy_id = _accepted(xa, xb)
    genuine = _genuine_payload(xb, copy_id)
    token = xb.ctx.federation.envelopes.sign(genuine, typ=STATEMENT_TYP)
    _forge(xa, xb, copy_id, token)
    # The same statement again: kept once, the second message refused.
    status, evidences = _outcome(xb, _forge(xa, xb, copy_id, token))
    assert status is DeliveryStatus.REJECTED and (Stage.NOT_DELIVERED, "CONFLICT") in evidences
    # The requesting State does not issue the statement of assets it does not hold.
    with xa.ctx.uow() as uow:
        mine = uow.requests.get(request_id)
        assert mine is not None and mine.exchange_id is not None
        sent = queue(
            xa.ctx,
            uow,
            request=mine,
            message_type=MessageType.REQUEST_STATEMENT,
            body=StatementBody(mine.exchange_id, token),
            now=datetime.now(UTC),
        )
        uow.commit()
    relay(xa)
    status, evidences = _outcome(xa, sent.message_id)
    assert (Stage.NOT_DELIVERED, "STATEMENT_INVALID") in evidences
    # A request of another form has no statement.
    mla_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=mla_id)
    relay(xa)
    status, evidences = _outcome(xb, _forge(xa, xb, the_copy(xb, mla_id).id, token))
    assert (Stage.NOT_DELIVERED, "STATEMENT_INVALID") in evidences
    kept = asset_statements.statements(xa.ctx, actor=xa.people["drafter"], request_id=request_id)
    assert [stored.sha256 for stored in kept] == [genuine["sha256"]]


def test_a_request_recorded_by_hand_or_a_register_too_large_to_send_has_no_statement(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    executor = xb.people["executor"]
    central = next(a for a in node.authorities(xb.ctx) if a.code == "central")
    # A request that came on paper: no node of the requesting State to send a statement to.
    made = requests.record_incoming(
        xb.ctx,
        command=RecordIncoming(
            type_code="asset_return",
            requesting_state="XA",
            authority_id=central.id,
            profile="ahc-2022-proposal",
            urgency=Urgency.ROUTINE,
            channel=Channel.DIPLOMATIC,
            fields=ASSET_RETURN_FIELDS,
        ),
        actor_id=executor.id,
    )
    paper = made.request.id
    for to in (Status.REGISTERED, Status.UNDER_ASSESSMENT, Status.ACCEPTED):
        requests.process(xb.ctx, actor=executor, command=MoveRequest(paper, to, "", {}))
    with pytest.raises(IllegalTransitionError, match="did not come through the network"):
        asset_statements.issue_statement(
            xb.ctx, actor=executor, request_id=paper, register=ISSUE_EXAMPLE
        )
    # The longest texts on every one of the most assets a register holds: valid figures
    # whose signed statement would not fit in a message.
    _, copy_id = _accepted(xa, xb)
    long = "L" * 120
    huge = {
        **ISSUE_EXAMPLE,
        "assets": [
            {
                **ISSUE_EXAMPLE["assets"][0],
                "id": f"A{n:063d}",
                "description_code": long,
                "confiscation_order_ref": long,
                "realised_value": {"amount": "5000.00", "currency": "EUR"},
            }
            for n in range(MAX_ITEMS)
        ],
    }
    with pytest.raises(InvalidFieldsError) as caught:
        asset_statements.issue_statement(xb.ctx, actor=executor, request_id=copy_id, register=huge)
    assert [issue.path for issue in caught.value.issues] == ["register"]
    assert "over the 262144 a message carries" in caught.value.issues[0].message


@pytest.fixture
def clients(nodes: dict[str, FedNode]) -> Iterator[dict[str, TestClient]]:
    with (
        TestClient(create_app(nodes["XA"].container), raise_server_exceptions=False) as xa,
        TestClient(create_app(nodes["XB"].container), raise_server_exceptions=False) as xb,
    ):
        yield {"XA": xa, "XB": xb}


def _headers(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_the_api_issues_lists_and_refuses_as_documented(
    nodes: dict[str, FedNode], clients: dict[str, TestClient]
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    request_id, copy_id = _accepted(xa, xb)
    on_xa, on_xb = clients["XA"], clients["XB"]
    executor = _headers(on_xb, "executor")
    url = f"/api/v1/requests/{copy_id}/asset-statement"

    # Bad figures: 422 with every path, never a 500.
    bad = copy.deepcopy(ISSUE_EXAMPLE)
    bad["assets"][0]["realised_value"]["amount"] = 1000000.0
    bad["expenses"][1]["category"] = "bribes"
    bad["victim_claims"][0]["rank"] = "first"
    refused = on_xb.post(url, json=bad, headers=executor)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "INVALID_FIELDS"
    assert [e["path"] for e in refused.json()["errors"]] == [
        "assets[0].realised_value.amount",
        "expenses[1].category",
        "victim_claims[0].rank",
    ]
    over = copy.deepcopy(ISSUE_EXAMPLE)
    over["expenses"][0]["amount"]["amount"] = "2000000.00"
    assert on_xb.post(url, json=over, headers=executor).json()["errors"][0]["path"] == "expenses"
    not_an_object = on_xb.post(url, json=["REG-1"], headers=executor)
    assert not_an_object.status_code == 422 and not_an_object.json()["code"] == "VALIDATION_FAILED"

    # Roles and sides: 403; no such request: 404.
    drafter = on_xb.post(url, json=ISSUE_EXAMPLE, headers=_headers(on_xb, "drafter"))
    assert drafter.status_code == 403 and drafter.json()["code"] == "FORBIDDEN"
    requesting = on_xa.post(
        f"/api/v1/requests/{request_id}/asset-statement",
        json=ISSUE_EXAMPLE,
        headers=_headers(on_xa, "approver"),
    )
    assert requesting.status_code == 403
    missing = on_xb.post("/api/v1/requests/nope/asset-statement", json={}, headers=executor)
    assert missing.status_code == 404

    # Issued: 201 with the lines, the digest and the token.
    made = on_xb.post(url, json=ISSUE_EXAMPLE, headers=executor)
    assert made.status_code == 201, made.text
    body = made.json()
    assert [(ln["kind"], ln["ref"], ln["amount"]) for ln in body["lines"]] == EXPECTED
    assert {ln["currency"] for ln in body["lines"]} == {"EUR"}
    assert body["lines"][5]["claimed"] == "600000.00" and body["lines"][0]["claimed"] is None
    assert body["lines"][5]["basis"].startswith("UNCAC 57(3)(c)")
    assert body["issuer_state"] == "XB" and body["register_reference"] == "REG-1"
    assert len(body["sha256"]) == 64 and body["token"].count(".") == 2
    assert body["message_id"]
    again = on_xb.post(url, json=ISSUE_EXAMPLE, headers=executor)
    assert again.status_code == 409 and again.json()["code"] == "CONFLICT"

    relay(xb)
    listed = on_xa.get(
        f"/api/v1/requests/{request_id}/asset-statements", headers=_headers(on_xa, "drafter")
    )
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert item["sha256"] == body["sha256"] and item["token"] == body["token"]
    assert item["lines"] == body["lines"] and item["issuer_state"] == "XB"
    ours = on_xb.get(f"/api/v1/requests/{copy_id}/asset-statements", headers=executor).json()
    assert [i["sha256"] for i in ours["items"]] == [body["sha256"]]
