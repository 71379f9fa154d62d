"""Review statistics through the API and the command line, on a real database: counts and
percentiles checked by hand, roles, refused input, the audit entry, and a canary test that no
name, free text, reference, id or date of a single request leaves the node."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, inspect, select
from typer.testing import CliRunner

from comity.cli.main import app as cli
from comity.domain.commands import AddUser, MoveRequest, RecordIncoming
from comity.domain.requests import CooperationRequest, Draft
from comity.domain.values import Channel, Role, Urgency
from comity.domain.workflow import Status
from comity.services import node as node_service
from comity.services import requests, users
from comity.services.demo import example_mla_fields, example_preservation_fields
from tests.integration.conftest import PASSWORD, Node

S = Status
TAG = "audit:statistics:exported"
T0 = datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)
FIRST_HALF = {"from": "2025-01-01", "to": "2025-06-30"}
# Registered half an hour after receipt, under assessment an hour after it.
ASSESSED = ((Status.REGISTERED, 0.5), (Status.UNDER_ASSESSMENT, 1.0))

CANARY = "CANARY-Zyx-Person-4711"
PHONE = "+99 555 0100"
EMAIL = "zyx.canary4711@example.org"
CANARY_TEXT = f"{CANARY} {PHONE} {EMAIL}"
# What must never appear in an export, whatever the case.
CANARY_PARTS = (CANARY, "Zyx", "canary", PHONE, "555 0100", EMAIL, "example.org")
# Keys whose values are codes, dates or numbers the catalogue checks: everything else is text.
CODE_KEYS = {
    "kind",
    "language",
    "purpose_code",
    "conduct",
    "proceeding_nature",
    "measures",
    "data_categories",
    "penalty_types",
    "time_zone",
    "date_from",
    "date_to",
    "date",
    "email",
}


def hours(h: float, start: datetime = T0) -> datetime:
    return start + timedelta(hours=h)


@pytest.fixture
def node(seeded: Node) -> Iterator[Node]:
    """The seeded node with an auditor."""
    seeded.people["auditor"] = users.add_user(
        seeded.container.services,
        command=AddUser("auditor", PASSWORD, frozenset({Role.AUDITOR}), authority_code="central"),
    )
    yield seeded


def authority(node: Node, code: str) -> str:
    ctx = node.container.services
    return next(a.id for a in node_service.authorities(ctx) if a.code == code)


def store(node: Node, *built: CooperationRequest) -> None:
    """Save requests built with the domain, at the instants they carry."""
    with node.container.services.uow() as uow:
        for request in built:
            uow.requests.add(request)
        uow.commit()


def incoming(
    node: Node,
    at: datetime,
    *steps: tuple[Status, float],
    type_code: str = "mla",
    sender: str = "XB",
    channel: Channel = Channel.CENTRAL_AUTHORITY,
    fields: dict[str, Any] | None = None,
    reference: str | None = None,
    reason: str = "r",
    acknowledged: float | None = None,
) -> CooperationRequest:
    """A request ``sender`` sent to XA, received at ``at``, then moved through ``steps``
    (each a status and hours after ``at``)."""
    ctx = node.container.services
    rtype = ctx.catalogue.type(type_code)
    if fields is None:
        fields = (
            example_preservation_fields(sender)
            if type_code == "preservation"
            else example_mla_fields(sender)
        )
    request_id = str(uuid.uuid4())
    request = CooperationRequest.incoming(
        request_id=request_id,
        reference=reference or f"{sender}-{request_id[:8]}",
        draft=Draft(
            type_code=type_code,
            profile="ahc-2022-proposal",
            requesting_state=sender,
            requested_state="XA",
            authority_id=authority(node, "poc247" if type_code == "preservation" else "central"),
            urgency=Urgency.URGENT if type_code == "preservation" else Urgency.ROUTINE,
            channel=channel,
            fields=fields,
        ),
        rtype=rtype,
        actor_id="system",
        now=at,
    )
    executor = node.people["executor"].id
    for status, after in steps:
        request.move(to=status, actor_id=executor, now=hours(after, at), reason=reason)
    if acknowledged is not None:
        request.acknowledge(actor_id=node.people["duty"].id, now=hours(acknowledged, at))
    request.events.clear()
    return request


def outgoing(
    node: Node,
    at: datetime,
    *answers: tuple[Status, float],
    fields: dict[str, Any] | None = None,
    reference: str | None = None,
    reason: str = "r",
    send: bool = True,
) -> CooperationRequest:
    """A request XA drafted an hour before ``at``, sent to XB at ``at`` (unless not
    ``send``), with XB's ``answers`` mirrored (each a status and hours after ``at``)."""
    ctx = node.container.services
    rtype = ctx.catalogue.type("mla")
    drafter, approver = node.people["drafter"], node.people["approver"]
    request_id = str(uuid.uuid4())
    request = CooperationRequest.draft(
        request_id=request_id,
        reference=reference or f"XA-{request_id[:8]}",
        draft=Draft(
            type_code="mla",
            profile="ahc-2022-proposal",
            requesting_state="XA",
            requested_state="XB",
            authority_id=drafter.authority_id,
            urgency=Urgency.ROUTINE,
            channel=Channel.CENTRAL_AUTHORITY,
            fields=fields or example_mla_fields("XA"),
        ),
        rtype=rtype,
        actor=drafter,
        now=hours(-1, at),
    )
    if send:
        request.submit(rtype=rtype, actor=drafter, now=hours(-0.5, at))
        request.approve(actor=approver, now=hours(-0.2, at))
        request.exchange_id = request_id
        request.mark_sent(actor_id=approver.id, now=at)
        for status, after in answers:
            request.apply_remote(status=status, actor_id="XB", now=hours(after, at), reason=reason)
    request.events.clear()
    return request


def get(node: Node, user: str | None, **params: Any) -> Any:
    headers = node.headers(user) if user else {}
    return node.client.get("/api/v1/stats", params=params, headers=headers)


def audited(node: Node) -> list[tuple[str, str, dict[str, Any]]]:
    """The export entries of the audit log (its table is ``audit_leaf`` since the ledger,
    ``audit_entry`` before it: both have these columns)."""
    engine = node.container.engine
    name = "audit_leaf" if inspect(engine).has_table("audit_leaf") else "audit_entry"
    table = Table(name, MetaData(), autoload_with=engine)
    order = next(iter(table.primary_key.columns))
    with engine.connect() as connection:
        rows = connection.execute(
            select(table.c.actor_id, table.c.object_id, table.c.details)
            .where(table.c.tag == TAG)
            .order_by(order)
        )
        return [(row.actor_id, row.object_id, dict(row.details)) for row in rows]


def seed_first_half(node: Node) -> None:
    """Fifteen requests with an activity in the first half of 2025, and two without."""
    built = []
    # Six from XB, accepted 10, 20 … 60 hours after receipt; five executed 1 … 5 hours later.
    for i in range(1, 7):
        steps = [*ASSESSED, (S.ACCEPTED, 10 * i)]
        if i < 6:
            steps += [(S.IN_EXECUTION, 10 * i + 0.1), (S.EXECUTED, 10 * i + i)]
        built.append(incoming(node, hours(24 * i), *steps))
    # Five preservations from XC on the 24/7 network, acknowledged after 1, 2, 3, 4, 60 min.
    for seconds in (60, 120, 180, 240, 3600):
        built.append(
            incoming(
                node,
                hours(24 * 10),
                type_code="preservation",
                sender="XC",
                channel=Channel.NETWORK_24_7,
                acknowledged=seconds / 3600,
            )
        )
    # One refused after 100 hours.
    built.append(incoming(node, hours(24 * 20), *ASSESSED, (S.REFUSED, 100)))
    # Two sent to XB; XB accepted one after 48 hours.
    built.append(outgoing(node, hours(24 * 30)))
    built.append(outgoing(node, hours(24 * 31), (S.ACCEPTED, 48)))
    # Received on the last evening, accepted after the period: pending, and not timed.
    late = datetime(2025, 6, 30, 23, 0, tzinfo=UTC)
    built.append(incoming(node, late, *ASSESSED, (S.ACCEPTED, 3)))
    # Not in the period: refused in 2024, and a draft never sent.
    early = datetime(2024, 11, 1, tzinfo=UTC)
    built.append(incoming(node, early, *ASSESSED, (S.REFUSED, 24 * 30)))
    built.append(outgoing(node, hours(24 * 40), send=False))
    store(node, *built)


def test_counts_and_percentiles_checked_by_hand(node: Node) -> None:
    seed_first_half(node)
    response = get(node, "auditor", **FIRST_HALF)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    header = body["header"]
    assert header["state"] == "XA" and header["min_cell"] == 5
    assert header["period"] == FIRST_HALF
    assert header["format"] == "comity-review-statistics/1"
    assert "nearest-rank" in header["method"] and "below 5" in header["method"]
    hidden = {"suppressed": True}
    counts = body["counts"]
    assert counts["total"] == {"all": 15}
    # Every form of cooperation of the catalogue is listed; those below 5 are suppressed.
    types = counts["type"]
    assert set(types) == set(node.container.services.catalogue.types)
    assert types["mla"] == 10 and types["preservation"] == 5
    assert all(types[code] == hidden for code in types if code not in {"mla", "preservation"})
    assert {key for key, value in counts["channel"].items() if value != hidden} == {
        "central_authority",
        "network_24_7",
    }
    assert counts["channel"]["central_authority"] == 10
    assert counts["channel"]["network_24_7"] == 5
    assert counts["profile"] == {"ahc-2022-proposal": 15, "budapest": hidden, "uncc-2024": hidden}
    outcome = counts["outcome"]
    assert outcome["executed"] == 5 and outcome["pending"] == 7
    # Granted 2 and refused 1: hidden, together with the outcomes nobody reached.
    assert outcome["granted"] == hidden and outcome["refused"] == hidden
    assert sum(1 for value in outcome.values() if value == hidden) == 7
    assert counts["state_pair"] == {
        "XA->XB": hidden,
        "XA->XC": hidden,
        "XB->XA": 8,
        "XC->XA": 5,
    }
    received = body["turnaround_hours"]["received"]
    # 10 20 30 40 50 60 100 hours: nearest ranks 4, 7, 7.
    assert received["receipt_to_decision"] == {"n": 7, "p50": 40.0, "p90": 100.0, "p95": 100.0}
    # 1 2 3 4 5 hours: nearest ranks 3, 5, 5.
    assert received["decision_to_execution"] == {"n": 5, "p50": 3.0, "p90": 5.0, "p95": 5.0}
    assert body["turnaround_hours"]["sent"] == {
        "receipt_to_decision": hidden,
        "decision_to_execution": hidden,
    }
    assert body["acknowledgement_seconds"] == {
        "received": {"n": 5, "p50": 180, "p90": 3600, "p95": 3600, "max": 3600},
        "sent": hidden,
    }
    # A higher threshold hides more; the percentile group of 7 stays.
    stricter = get(node, "auditor", **FIRST_HALF, min_cell=7).json()
    assert stricter["header"]["min_cell"] == 7
    assert stricter["counts"]["type"]["preservation"] == hidden
    assert stricter["turnaround_hours"]["received"]["receipt_to_decision"]["n"] == 7
    assert stricter["acknowledgement_seconds"]["received"] == hidden


def test_csv_is_one_long_table_a_spreadsheet_reads(node: Node) -> None:
    seed_first_half(node)
    response = get(node, "dpo", **FIRST_HALF, format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="comity-statistics-XA-2025-01-01-2025-06-30.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["dimension", "key", "value"]
    assert all(len(row) == 3 for row in rows)
    table = {(row[0], row[1]): row[2] for row in rows[1:]}
    assert len(table) == len(rows) - 1  # every (dimension, key) once
    assert table["header", "state"] == "XA"
    assert (table["header", "from"], table["header", "to"]) == ("2025-01-01", "2025-06-30")
    assert table["header", "min_cell"] == "5"
    assert table["total", "all"] == "15"
    assert table["type", "mla"] == "10"
    assert table["type", "extradition"] == "<5"
    assert table["outcome", "refused"] == "<5"
    assert table["state_pair", "XB->XA"] == "8"
    group = "turnaround_hours.received.receipt_to_decision"
    assert [table[group, key] for key in ("n", "p50", "p90", "p95")] == [
        "7",
        "40.0",
        "100.0",
        "100.0",
    ]
    sent = "turnaround_hours.sent.receipt_to_decision"
    assert [table[sent, key] for key in ("n", "p50", "p90", "p95")] == ["<5", "", "", ""]
    ack = "acknowledgement_seconds.received"
    assert table[ack, "max"] == "3600" and table[ack, "n"] == "5"
    assert response.text.endswith("\r\n")


@pytest.mark.parametrize("user", ["auditor", "dpo", "admin"])
def test_the_auditor_the_dpo_and_the_administrator_read_them(node: Node, user: str) -> None:
    response = get(node, user, **FIRST_HALF)
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["total"] == {"all": {"suppressed": True}}


@pytest.mark.parametrize("user", ["drafter", "approver", "executor", "duty", "prosecutor"])
def test_case_roles_are_refused(node: Node, user: str) -> None:
    response = get(node, user, **FIRST_HALF)
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "FORBIDDEN"
    assert audited(node) == []


def test_a_token_is_needed(node: Node) -> None:
    response = get(node, None, **FIRST_HALF)
    assert response.status_code == 401
    assert response.json()["code"] == "AUTHN_REQUIRED"


@pytest.mark.parametrize(
    ("params", "code", "path"),
    [
        ({"from": "2025-02-30", "to": "2025-06-30"}, "INVALID_FIELDS", "from"),
        ({"from": "2025-1-1", "to": "2025-06-30"}, "INVALID_FIELDS", "from"),
        ({"from": "01/01/2025", "to": "2025-06-30"}, "INVALID_FIELDS", "from"),
        ({"from": "2025-01-01", "to": "never"}, "INVALID_FIELDS", "to"),
        ({"from": "2025-06-30", "to": "2025-01-01"}, "INVALID_FIELDS", "to"),
        ({"from": "2015-01-01", "to": "2025-01-01"}, "INVALID_FIELDS", "to"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "INVALID_FIELDS", "from"),
        ({"from": "2025-01-01", "to": "9999-12-31"}, "INVALID_FIELDS", "to"),
        ({**FIRST_HALF, "min_cell": "2"}, "INVALID_FIELDS", "min_cell"),
        ({**FIRST_HALF, "min_cell": "0"}, "VALIDATION_FAILED", "query.min_cell"),
        ({**FIRST_HALF, "min_cell": "many"}, "VALIDATION_FAILED", "query.min_cell"),
        ({**FIRST_HALF, "format": "xml"}, "VALIDATION_FAILED", "query.format"),
        ({"from": "2025-01-01T00:00:00", "to": "2025-06-30"}, "VALIDATION_FAILED", "query.from"),
        ({"from": "2025-01-01"}, "VALIDATION_FAILED", "query.to"),
    ],
)
def test_bad_input_is_a_422_problem(
    node: Node, params: dict[str, str], code: str, path: str
) -> None:
    response = get(node, "auditor", **params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert path in [error["path"] for error in problem["errors"]]
    assert audited(node) == []


def test_each_export_is_audited_with_the_period_s_digest_only(node: Node) -> None:
    assert get(node, "auditor", **FIRST_HALF).status_code == 200
    assert get(node, "dpo", **FIRST_HALF, format="csv", min_cell=6).status_code == 200
    digest = hashlib.sha256(b"2025-01-01/2025-06-30").hexdigest()
    period = {"period_from": "2025-01-01", "period_to": "2025-06-30"}
    assert audited(node) == [
        (node.people["auditor"].id, digest, {**period, "file_format": "json", "min_cell": 5}),
        (node.people["dpo"].id, digest, {**period, "file_format": "csv", "min_cell": 6}),
    ]


def run_cli(database_url: str, *args: str, min_cell: int = 5) -> tuple[int, str]:
    env = {
        "COMITY_DATABASE_URL": database_url,
        "COMITY_STATS_MIN_CELL": str(min_cell),
        "COLUMNS": "400",
        "NO_COLOR": "1",
    }
    result = CliRunner().invoke(cli, ["stats", *args], env=env)
    return result.exit_code, result.output


def test_the_command_line_exports_the_same_and_is_audited(
    node: Node, database_url: str, tmp_path: Path
) -> None:
    seed_first_half(node)
    period = ["--from", "2025-01-01", "--to", "2025-06-30"]
    code, out = run_cli(database_url, "export", "--dir", str(tmp_path), *period)
    assert code == 0, out
    exported = json.loads(out)
    by_api = get(node, "auditor", **FIRST_HALF).json()
    for part in ("counts", "turnaround_hours", "acknowledgement_seconds"):
        assert exported[part] == by_api[part]
    target = tmp_path / "stats.csv"
    code, out = run_cli(
        database_url,
        "export",
        "--dir",
        str(tmp_path),
        *period,
        "--format",
        "csv",
        "--out",
        str(target),
        "--min-cell",
        "6",
    )
    assert code == 0, out
    assert f"to {target}" in out
    rows = list(csv.reader(io.StringIO(target.read_text("utf-8"))))
    assert ["header", "min_cell", "6"] in rows and ["type", "mla", "10"] in rows
    actors = [(actor, details["file_format"]) for actor, _, details in audited(node)]
    assert actors == [
        ("operator", "json"),
        (node.people["auditor"].id, "json"),
        ("operator", "csv"),
    ]
    # Refused input exits 2 and is not audited.
    code, out = run_cli(
        database_url, "export", "--dir", str(tmp_path), "--from", "2025-06-30", "--to", "2025-01"
    )
    assert code == 2 and "INVALID_FIELDS" in out
    code, out = run_cli(database_url, "export", "--dir", str(tmp_path), *period, "--min-cell", "3")
    assert code == 2 and "INVALID_FIELDS" in out
    assert len(audited(node)) == 3
    nowhere = tmp_path / "missing" / "stats.json"
    code, out = run_cli(
        database_url, "export", "--dir", str(tmp_path), *period, "--out", str(nowhere)
    )
    assert code == 1 and "Cannot write" in out and not nowhere.exists()


# -- the canary test -------------------------------------------------------------------------


def canaried(value: Any, key: str = "") -> Any:
    """``value`` with every free text replaced by the canary (codes, dates kept)."""
    if isinstance(value, dict):
        return {k: canaried(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [canaried(item, key) for item in value]
    if isinstance(value, str) and key not in CODE_KEYS:
        return CANARY_TEXT
    if key == "email":
        return EMAIL
    return value


def test_no_name_text_reference_id_or_date_of_a_case_leaves_the_node(
    node: Node, database_url: str, tmp_path: Path
) -> None:
    ctx = node.container.services
    people = node.people
    refs = iter(f"CANARY-REF-4711-{i:02d}" for i in range(100))
    mla_xb, mla_xa = canaried(example_mla_fields("XB")), canaried(example_mla_fields("XA"))
    preservation = canaried(example_preservation_fields("XC"))
    # At distinctive instants in 2025, through the domain: received, decided, executed,
    # refused and withdrawn with reasons, acknowledged, sent and answered.
    odd = datetime(2025, 3, 7, 11, 13, 17, tzinfo=UTC)
    built = [
        incoming(
            node, hours(24 * i, odd), *ASSESSED, (S.ACCEPTED, 5 + i),
            (S.IN_EXECUTION, 6 + i), (S.EXECUTED, 9 + 2 * i),
            fields=mla_xb, reference=next(refs), reason=CANARY_TEXT,
        )
        for i in range(3)
    ]  # fmt: skip
    built += [
        incoming(node, hours(2, odd), *ASSESSED, (S.REFUSED, 7),
                 fields=mla_xb, reference=next(refs), reason=CANARY_TEXT),
        incoming(node, hours(3, odd), type_code="preservation", sender="XC",
                 channel=Channel.NETWORK_24_7, fields=preservation, reference=next(refs),
                 acknowledged=0.25),
        outgoing(node, hours(4, odd), (S.ACCEPTED_IN_PART, 30), fields=mla_xa,
                 reference=next(refs), reason=CANARY_TEXT),
        outgoing(node, hours(5, odd), (S.REFUSED, 40), fields=mla_xa, reference=next(refs),
                 reason=CANARY_TEXT),
        outgoing(node, hours(6, odd), fields=mla_xa, reference=next(refs), send=False),
    ]  # fmt: skip
    store(node, *built)
    # Today, through the services and the API: recorded, steps with reasons and details,
    # acknowledged by the duty officer, a draft.
    recorded = [
        requests.record_incoming(
            ctx,
            command=RecordIncoming(
                type_code=type_code,
                requesting_state=sender,
                authority_id=authority(node, where),
                profile="ahc-2022-proposal",
                urgency=Urgency.URGENT,
                channel=channel,
                fields=fields,
                reference=next(refs),
            ),
            actor_id="system",
        ).request
        for type_code, sender, where, channel, fields in [
            ("mla", "XB", "central", Channel.CENTRAL_AUTHORITY, mla_xb),
            ("preservation", "XC", "poc247", Channel.NETWORK_24_7, preservation),
        ]
    ]
    executor = people["executor"]
    for to, detail in [
        (S.REGISTERED, {}),
        (S.UNDER_ASSESSMENT, {}),
        (S.CONDITIONS_PROPOSED, {"conditions": CANARY_TEXT}),
    ]:
        requests.process(
            ctx,
            actor=executor,
            command=MoveRequest(recorded[0].id, to, reason=CANARY_TEXT, detail=detail),
        )
    acknowledged = node.client.post(
        f"/api/v1/requests/{recorded[1].id}/acknowledge", headers=node.headers("duty")
    )
    assert acknowledged.status_code == 200, acknowledged.text
    drafted = node.client.post(
        "/api/v1/requests",
        json={"type": "mla", "requested_state": "XB", "fields": mla_xa},
        headers=node.headers("drafter"),
    )
    assert drafted.status_code == 201, drafted.text
    # Every count shown: the strongest test of what an export can carry.
    services = node.container.services
    assert services.statistics is not None
    node.container.services = replace(services, statistics=replace(services.statistics, min_cell=1))
    today = datetime.now(UTC).date()
    period = {"from": "2025-01-01", "to": (today + timedelta(days=1)).isoformat()}
    exports = {
        f"api {file_format}": get(node, "auditor", **period, format=file_format)
        for file_format in ("json", "csv")
    }
    bodies = {name: response.text for name, response in exports.items()}
    assert all(response.status_code == 200 for response in exports.values()), bodies
    code, bodies["cli json"] = run_cli(
        database_url, "export", "--dir", str(tmp_path), "--from", period["from"],
        "--to", period["to"], min_cell=1,
    )  # fmt: skip
    assert code == 0, bodies["cli json"]
    target = tmp_path / "canary.csv"
    code, out = run_cli(
        database_url, "export", "--dir", str(tmp_path), "--from", period["from"],
        "--to", period["to"], "--format", "csv", "--out", str(target), min_cell=1,
    )  # fmt: skip
    assert code == 0, out
    bodies["cli csv"] = target.read_text("utf-8")

    ids = [r.id for r in [*built, *recorded]] + [drafted.json()["id"]]
    with ctx.uow() as uow:
        stored = [uow.requests.get(request_id) for request_id in ids]
    forbidden: set[str] = set(CANARY_PARTS) | {user.id for user in people.values()}
    for request in stored:
        assert request is not None
        forbidden |= {request.id, request.reference, request.created_by}
        forbidden |= {entry.actor_id for entry in request.history}
        forbidden |= {request.acknowledged_by or "", request.exchange_id or ""}
    # Not ids of anyone: what the node and the other State act as.
    forbidden -= {"", "system", "XB"}
    # Dates and times of single requests (the period's own days are in the header).
    forbidden |= {"2025-03-07", "2025-03-08", "2025-03-09", "11:13:17", "13:13:17"}
    for name, body in bodies.items():
        leaked = sorted(part for part in forbidden if part.lower() in body.lower())
        assert leaked == [], (name, leaked)
    # And the exports are not empty: with K = 1 every count is there.
    document = json.loads(bodies["api json"])
    assert document["counts"]["total"] == {"all": 9}
    assert document["counts"]["outcome"]["executed"] == 3
    assert document["counts"]["outcome"]["conditions_proposed"] == 1
    assert document["acknowledgement_seconds"]["received"]["n"] == 2
    assert json.loads(bodies["cli json"])["counts"] == document["counts"]
