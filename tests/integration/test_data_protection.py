"""Data protection enforced by the node, through the API: every denial refused AND recorded
in the DPO's register and the audit log; onward transfer per profile; erasure at retention."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from comity.bootstrap import build
from comity.cli.main import app as cli
from comity.config import Settings
from comity.domain.commands import AddUser, CreateDraft, MoveRequest
from comity.domain.errors import OnwardTransferDeniedError
from comity.domain.practice.lifecycle import StepSide, begin, take
from comity.domain.practice.preservation import PRESERVATION
from comity.domain.values import Role
from comity.domain.workflow import Status
from comity.services import data_protection, exchange, requests, users
from comity.services.asset_statement_ports import StoredStatement
from comity.services.demo import example_mla_fields
from comity.store.tables import audit_leaf, cooperation_request, data_access
from tests.federation_harness import FedNode
from tests.integration.conftest import Node
from tests.integration.test_federation import relay, the_copy

RETENTION = timedelta(days=5 * 365)


class LaterClock:
    """The real clock moved forward by ``offset``."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def draft(node: Node, profile: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "mla",
        "requested_state": "XB",
        "fields": {**example_mla_fields("XA"), **extra},
    }
    if profile:
        body["profile"] = profile
    response = node.client.post("/api/v1/requests", json=body, headers=node.headers("drafter"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def register(node: Node, request_id: str) -> list[dict[str, Any]]:
    response = node.client.get(
        "/api/v1/dpo/accesses", params={"request_id": request_id}, headers=node.headers("dpo")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def audited(node: Node, tag: str, object_id: str) -> list[dict[str, Any]]:
    with node.container.engine.connect() as connection:
        rows = connection.execute(
            select(audit_leaf.c.details).where(
                audit_leaf.c.tag == tag, audit_leaf.c.object_id == object_id
            )
        )
        return [dict(row[0]) for row in rows]


def test_reading_under_another_purpose_is_refused_and_recorded(seeded: Node) -> None:
    request_id = draft(seeded)["id"]
    url = f"/api/v1/requests/{request_id}"
    refused = seeded.client.get(
        url, params={"purpose": "admin_proc"}, headers=seeded.headers("drafter")
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "PURPOSE_DENIED"
    assert refused.headers["content-type"].startswith("application/problem+json")
    (denied,) = register(seeded, request_id)
    assert denied["outcome"] == "denied" and denied["code"] == "PURPOSE_DENIED"
    assert denied["purpose_code"] == "admin_proc" and denied["action"] == "read"
    assert denied["username"] == "drafter" and denied["reference"].startswith("XA-")
    assert audited(seeded, "request:data:accessed", request_id) == [
        {"purpose_code": "admin_proc", "action": "read", "outcome": "denied"}
    ]
    # The stated purpose, given or by default, reads the data, and is recorded as allowed.
    for params in ({"purpose": "criminal_proc"}, {}):
        allowed = seeded.client.get(url, params=params, headers=seeded.headers("executor"))
        assert allowed.status_code == 200 and allowed.json()["fields"]["purpose_code"]
    outcomes = [
        (a["outcome"], a["purpose_code"], a["username"]) for a in register(seeded, request_id)
    ]
    # Newest first.
    assert outcomes == [
        ("allowed", "criminal_proc", "executor"),
        ("allowed", "criminal_proc", "executor"),
        ("denied", "admin_proc", "drafter"),
    ]
    bad = seeded.client.get(
        url, params={"purpose": "Robert'); DROP"}, headers=seeded.headers("drafter")
    )
    assert bad.status_code == 422 and bad.json()["code"] == "VALIDATION_FAILED"


def test_a_purpose_set_while_drafting_is_the_one_enforced(seeded: Node) -> None:
    fields = example_mla_fields("XA")
    del fields["purpose_code"]
    response = seeded.client.post(
        "/api/v1/requests",
        json={"type": "mla", "requested_state": "XB", "fields": fields},
        headers=seeded.headers("drafter"),
    )
    request_id = response.json()["id"]
    url = f"/api/v1/requests/{request_id}"
    patched = seeded.client.patch(
        url, json={"fields": {"purpose_code": "admin_proc"}}, headers=seeded.headers("drafter")
    )
    assert patched.status_code == 200, patched.text
    assert seeded.client.get(url, headers=seeded.headers("drafter")).status_code == 200
    other = seeded.client.get(
        url, params={"purpose": "criminal_proc"}, headers=seeded.headers("drafter")
    )
    assert other.status_code == 403 and other.json()["code"] == "PURPOSE_DENIED"


def test_forwarding_is_refused_under_the_statement_s_profile_and_recorded(seeded: Node) -> None:
    request_id = draft(seeded)["id"]
    refused = seeded.client.post(
        f"/api/v1/requests/{request_id}/forward",
        json={"to": "XC", "purpose": "criminal_proc"},
        headers=seeded.headers("executor"),
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "ONWARD_TRANSFER_DENIED"
    assert "prohibited" in refused.json()["detail"]
    (denied,) = register(seeded, request_id)
    assert (denied["action"], denied["outcome"], denied["recipient_state"]) == (
        "forward",
        "denied",
        "XC",
    )
    assert audited(seeded, "request:onward:refused", request_id) == [
        {"recipient_state": "XC", "code": "ONWARD_TRANSFER_DENIED"}
    ]
    # Forwarding within this State is not a transfer; a malformed State is refused by schema.
    for body in ({"to": "XA"}, {"to": "xc"}):
        response = seeded.client.post(
            f"/api/v1/requests/{request_id}/forward", json=body, headers=seeded.headers("executor")
        )
        assert response.status_code == 422, response.text


def _accepted_additional_use(node: Node, parent_reference: str, *, recipient: str) -> str:
    """An additional_use request this node sent to XB, which accepted it (moved here directly,
    as the mirror of XB's decision would)."""
    ctx = node.container.services
    view = requests.create_draft(
        ctx,
        actor=node.people["drafter"],
        command=CreateDraft(
            type_code="additional_use",
            requested_state="XB",
            profile="uncc-2024",
            fields={
                "parent_reference": parent_reference,
                "data_items": [{"description": "Subscriber records"}],
                "use_kind": "onward_transfer",
                "new_purpose": "Prosecution of an accomplice in XC",
                "onward_recipient": {
                    "name": "Prosecutor of XC",
                    "kind": "state",
                    "state": recipient,
                },
                "justification": "The accomplice is prosecuted in XC.",
            },
        ),
    )
    with ctx.uow() as uow:
        request = uow.requests.get(view.request.id)
        assert request is not None
        for step in (Status.AWAITING_APPROVAL, Status.APPROVED, Status.SENT, Status.ACCEPTED):
            request.move(to=step, actor_id="test", now=ctx.clock.now())
        uow.requests.save(request)
        uow.commit()
    return view.request.id


def test_prior_authorisation_allows_only_a_granted_recipient(seeded: Node) -> None:
    created = draft(seeded, profile="uncc-2024")
    url = f"/api/v1/requests/{created['id']}/forward"
    executor = seeded.headers("executor")
    before = seeded.client.post(url, json={"to": "XC"}, headers=executor)
    assert before.status_code == 403 and before.json()["code"] == "ONWARD_TRANSFER_DENIED"
    assert "prior authorisation of XB" in before.json()["detail"]
    _accepted_additional_use(seeded, created["reference"], recipient="XC")
    after = seeded.client.post(url, json={"to": "XC"}, headers=executor)
    assert after.status_code == 200, after.text
    handed = after.json()
    assert handed["fields"] == created["fields"] and handed["recipient_state"] == "XC"
    assert handed["usage_policy"]["onward_recipients"] == ["XC"]
    assert handed["usage_policy"]["onward_transfer"] == "prior_authorisation"
    assert handed["purpose_code"] == "criminal_proc" and handed["originating_state"] == "XB"
    other = seeded.client.post(url, json={"to": "XD"}, headers=executor)
    assert other.status_code == 403 and other.json()["code"] == "ONWARD_TRANSFER_DENIED"
    # Even a granted recipient gets the data only for a purpose that is allowed.
    wrong = seeded.client.post(url, json={"to": "XC", "purpose": "civil_proc"}, headers=executor)
    assert wrong.status_code == 403 and wrong.json()["code"] == "PURPOSE_DENIED"
    outcomes = sorted(
        (a["recipient_state"], a["outcome"], a["code"]) for a in register(seeded, created["id"])
    )
    assert outcomes == [
        ("XC", "allowed", ""),
        ("XC", "denied", "ONWARD_TRANSFER_DENIED"),
        ("XC", "denied", "PURPOSE_DENIED"),
        ("XD", "denied", "ONWARD_TRANSFER_DENIED"),
    ]
    assert len(audited(seeded, "request:onward:authorised", created["id"])) == 1
    assert len(audited(seeded, "request:onward:refused", created["id"])) == 3


def test_the_register_is_the_dpo_s_alone(seeded: Node) -> None:
    request_id = draft(seeded)["id"]
    for name in ("drafter", "executor", "approver", "admin"):
        response = seeded.client.get("/api/v1/dpo/accesses", headers=seeded.headers(name))
        assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN", name
    # Another authority's request does not exist for this DPO.
    theirs = seeded.client.post(
        "/api/v1/requests",
        json={"type": "mla", "requested_state": "XB", "fields": example_mla_fields("XA")},
        headers=seeded.headers("prosecutor"),
    ).json()["id"]
    seeded.client.get(f"/api/v1/requests/{theirs}", headers=seeded.headers("prosecutor"))
    hidden = seeded.client.get(
        "/api/v1/dpo/accesses", params={"request_id": theirs}, headers=seeded.headers("dpo")
    )
    assert hidden.status_code == 404 and hidden.json()["code"] == "NOT_FOUND"
    seeded.client.get(f"/api/v1/requests/{request_id}", headers=seeded.headers("drafter"))
    everything = seeded.client.get("/api/v1/dpo/accesses", headers=seeded.headers("dpo")).json()
    assert {item["request_id"] for item in everything["items"]} == {request_id}
    assert everything["count"] == 1


def test_at_the_retention_date_the_data_are_refused_then_erased(seeded: Node) -> None:
    created = draft(seeded)
    request_id = created["id"]
    ctx = seeded.container.services
    assert data_protection.sweep(ctx) == 0
    seeded.container.services = replace(ctx, clock=LaterClock(RETENTION + timedelta(days=1)))
    url = f"/api/v1/requests/{request_id}"
    expired = seeded.client.get(url, headers=seeded.headers("drafter"))
    assert expired.status_code == 410 and expired.json()["code"] == "RETENTION_EXPIRED"
    assert data_protection.sweep(seeded.container.services) == 1
    assert data_protection.sweep(seeded.container.services) == 0
    with seeded.container.engine.connect() as connection:
        fields, erased_at = connection.execute(
            select(cooperation_request.c.fields, cooperation_request.c.erased_at).where(
                cooperation_request.c.id == request_id
            )
        ).one()
    assert fields == {} and erased_at is not None
    gone = seeded.client.get(url, headers=seeded.headers("drafter"))
    assert gone.status_code == 410 and "erased" in gone.json()["detail"]
    found = seeded.client.get(
        "/api/v1/requests", params={"q": "phishing"}, headers=seeded.headers("drafter")
    )
    assert found.json()["count"] == 0
    record = data_protection.deletion_record(ctx, request_id)
    assert record is not None and not record.signed
    content = json.loads(record.record)
    assert content["content_sha256"] == record.digest and "unsigned" in content["note"]
    assert content["reference"] == created["reference"]
    assert len(audited(seeded, "request:data:erased", request_id)) == 1
    outcomes = [(a["outcome"], a["code"]) for a in register(seeded, request_id)]
    assert outcomes == [("denied", "RETENTION_EXPIRED")] * 2


def test_practice_steps_and_asset_statements_are_erased_with_the_request(seeded: Node) -> None:
    request_id = draft(seeded)["id"]
    ctx = seeded.container.services
    start = datetime.now(UTC)
    ordered = take(
        begin(PRESERVATION), PRESERVATION, "order", side=StepSide.REQUESTED, actor_id="duty",
        at=start, values={"provider": "Example Hosting Ltd", "order_ref": "PO-1"},
    )  # fmt: skip
    statement = StoredStatement(
        id="st-1", request_id=request_id, issued_at=start, issuer_state="XA", sha256="0" * 64,
        token="t", statement={"claimants": ["Jane Example"]},
    )  # fmt: skip
    with ctx.uow() as uow:
        uow.practice.save(request_id, ordered, final=False, at=start)
        uow.asset_statements.add(statement)
        uow.commit()
    seeded.container.services = replace(ctx, clock=LaterClock(RETENTION + timedelta(days=1)))
    assert data_protection.sweep(seeded.container.services) == 1
    with ctx.uow() as uow:
        kept = uow.practice.get(request_id)
        assert uow.asset_statements.for_request(request_id) == []
        assert uow.practice.open_records(["preservation"], 10) == []
    # Which step was taken, by whom and when stays (the audit trail refers to it); what it
    # recorded does not.
    assert kept is not None and [(s.code, s.values) for s in kept.steps] == [("order", ())]


def test_the_cli_sweeps(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMITY_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("COMITY_ARGON2_MEMORY_COST", "1024")
    runner = CliRunner()
    node_dir = tmp_path / "node"
    args = ["node", "init", "--state", "XA", "--dir", str(node_dir)]
    result = runner.invoke(cli, [*args, "--database-url", database_url])
    assert result.exit_code == 0, result.output
    container = build(Settings.for_node(node_dir))
    try:
        ctx = replace(container.services, retention=timedelta(0))
        drafter = users.add_user(
            ctx, command=AddUser("ana", "a long secret", frozenset({Role.DRAFTER}))
        )
        requests.create_draft(ctx, actor=drafter, command=CreateDraft("mla", "XB"))
    finally:
        container.close()
    swept = runner.invoke(cli, ["dp", "sweep", "--dir", str(node_dir)])
    assert swept.exit_code == 0 and "1 request(s)" in swept.output, swept.output
    again = runner.invoke(cli, ["dp", "sweep", "--dir", str(node_dir)])
    assert again.exit_code == 0 and "0 request(s)" in again.output


def test_a_federated_node_signs_its_deletion_records(nodes: dict[str, FedNode]) -> None:
    xa = nodes["XA"]
    view = requests.create_draft(
        xa.ctx,
        actor=xa.people["drafter"],
        command=CreateDraft("mla", "XB", fields=example_mla_fields("XA")),
    )
    xa.container.services = replace(xa.ctx, clock=LaterClock(RETENTION + timedelta(days=1)))
    assert xa.container.sweep_retention() == 1
    record = data_protection.deletion_record(xa.ctx, view.request.id)
    assert record is not None and record.signed
    directory = xa.ctx.federation.trust.current()
    payload = xa.ctx.federation.envelopes.verify(
        record.record, directory, state="XA", typ="comity-deletion/1"
    )
    assert payload["content_sha256"] == record.digest == view.request.digest()
    assert payload["request_id"] == view.request.id and payload["state"] == "XA"


def test_the_originating_state_s_acceptance_grants_the_onward_transfer(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    parent = requests.create_draft(
        xa.ctx,
        actor=xa.people["drafter"],
        command=CreateDraft("mla", "XB", profile="uncc-2024", fields=example_mla_fields("XA")),
    ).request
    executor = xa.people["executor"]
    with pytest.raises(OnwardTransferDeniedError, match="prior authorisation"):
        data_protection.forward(xa.ctx, actor=executor, request_id=parent.id, to_state="XC")
    fields = {
        key: value
        for key, value in example_mla_fields("XA").items()
        if key in ("requesting_authority", "case_refs", "language", "conducting_authority")
    }
    asked = requests.create_draft(
        xa.ctx,
        actor=xa.people["drafter"],
        command=CreateDraft(
            "additional_use",
            "XB",
            profile="uncc-2024",
            fields={
                **fields,
                "parent_reference": parent.reference,
                "data_items": [{"description": "Subscriber records"}],
                "use_kind": "onward_transfer",
                "new_purpose": "Prosecution of an accomplice in XC",
                "onward_recipient": {"name": "Prosecutor of XC", "kind": "state", "state": "XC"},
                "justification": "The accomplice is prosecuted in XC.",
            },
        ),
    ).request
    missing = [
        issue.path
        for issue in requests.get(xa.ctx, actor=xa.people["drafter"], request_id=asked.id).missing
    ]
    assert missing == []
    requests.submit(xa.ctx, actor=xa.people["drafter"], request_id=asked.id)
    requests.approve(
        xa.ctx,
        actor=xa.people["approver"],
        request_id=asked.id,
        override_justification="Checked by the unit head.",
    )
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=asked.id)
    relay(xa)
    theirs = the_copy(xb, asked.id)
    for step in (Status.REGISTERED, Status.UNDER_ASSESSMENT, Status.ACCEPTED):
        requests.process(
            xb.ctx, actor=xb.people["executor"], command=MoveRequest(theirs.id, step, "")
        )
    relay(xb)
    assert requests.get(xa.ctx, actor=xa.people["drafter"], request_id=asked.id).request.status is (
        Status.ACCEPTED
    )
    handed = data_protection.forward(xa.ctx, actor=executor, request_id=parent.id, to_state="XC")
    assert handed.fields == parent.fields and handed.policy.onward_recipients == ("XC",)
    with xa.container.engine.connect() as connection:
        outcomes = sorted(
            connection.execute(
                select(data_access.c.outcome, data_access.c.code).where(
                    data_access.c.request_id == parent.id
                )
            ).all()
        )
    assert outcomes == [("allowed", ""), ("denied", "ONWARD_TRANSFER_DENIED")]
