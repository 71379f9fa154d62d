"""The audit log for auditors through the API and the command line: status, inclusion and
consistency proofs that verify, role checks, and a request's trail exported and verified
offline (L-15), where one changed bit fails."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from comity.cli.main import app as cli
from comity.domain.commands import AddUser, CreateDraft, EditDraft
from comity.domain.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from comity.domain.values import Role
from comity.services import requests, users
from comity.services.ledger_rounds import WitnessRelay
from comity.store.tables import audit_leaf
from comity.web.app import create_app
from tests.federation_harness import PASSWORD, FedNode

Nodes = dict[str, FedNode]
runner = CliRunner()


@pytest.fixture
def xa(nodes: Nodes) -> Iterator[tuple[FedNode, TestClient, str]]:
    """XA with an auditor, a request drafted and edited, and a checkpoint the others cosigned."""
    node = nodes["XA"]
    for name, role in (("auditor", Role.AUDITOR), ("clerk", Role.DRAFTER)):
        users.add_user(node.ctx, command=AddUser(name, PASSWORD, frozenset({role})))
    clerk = next(u for u in users.list_users(node.ctx) if u.username == "clerk")
    draft = requests.create_draft(node.ctx, actor=clerk, command=CreateDraft("mla", "XB"))
    requests.edit_draft(
        node.ctx,
        actor=clerk,
        command=EditDraft(draft.request.id, fields_patch={"language": "en"}),
    )
    WitnessRelay().run_once(node.ctx, force=True)
    with TestClient(create_app(node.container), raise_server_exceptions=False) as client:
        yield node, client, draft.request.id


def _headers(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_the_status_names_the_checkpoint_and_its_cosigners(
    xa: tuple[FedNode, TestClient, str],
) -> None:
    _, client, _ = xa
    status = client.get("/api/v1/audit", headers=_headers(client, "auditor")).json()
    assert status["checkpoint"]["cosigned_by"] == ["XB", "XC"]
    assert status["size"] >= status["checkpoint"]["size"] > 0
    health = client.get("/healthz").json()
    assert health["audit"] == "ok"


def test_proofs_verify_against_the_signed_roots(xa: tuple[FedNode, TestClient, str]) -> None:
    _, client, _ = xa
    headers = _headers(client, "auditor")
    status = client.get("/api/v1/audit", headers=headers).json()
    size = status["checkpoint"]["size"]
    for leaf in (0, size // 2, size - 1):
        proof = client.get(f"/api/v1/audit/proof?leaf={leaf}", headers=headers).json()
        assert proof["tree_size"] == size and proof["checkpoint"]
        verify_inclusion(
            leaf_hash(proof["leaf"].encode()),
            leaf,
            size,
            [base64.b64decode(p) for p in proof["proof"]],
            base64.b64decode(status["checkpoint"]["root"]),
        )
    later = client.get(
        f"/api/v1/audit/consistency?from=3&to={status['size']}", headers=headers
    ).json()
    verify_consistency(
        3,
        status["size"],
        base64.b64decode(later["first_root"]),
        base64.b64decode(later["second_root"]),
        [base64.b64decode(p) for p in later["proof"]],
    )
    assert later["second_root"] == status["root"]


def test_only_auditors_dpos_and_admins_read_the_log_and_bad_input_is_a_problem(
    xa: tuple[FedNode, TestClient, str],
) -> None:
    _, client, request_id = xa
    clerk = _headers(client, "clerk")
    for path in ("", "/proof?leaf=0", "/consistency?from=0&to=1", "/alerts"):
        refused = client.get("/api/v1/audit" + path, headers=clerk)
        assert refused.status_code == 403, path
        assert refused.json()["code"] == "FORBIDDEN"
    refused = client.get(f"/api/v1/audit/export?request={request_id}", headers=clerk)
    assert refused.status_code == 403
    auditor = _headers(client, "auditor")
    assert client.get("/api/v1/audit/proof?leaf=999999", headers=auditor).status_code == 404
    assert client.get("/api/v1/audit/proof?leaf=-1", headers=auditor).status_code == 422
    assert client.get("/api/v1/audit/consistency?from=5&to=2", headers=auditor).status_code == 404
    unknown = client.get("/api/v1/audit/export?request=nope", headers=auditor)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


def test_an_exported_trail_verifies_offline_and_one_flipped_bit_fails(
    xa: tuple[FedNode, TestClient, str], tmp_path: Path
) -> None:
    node, client, request_id = xa
    answer = client.get(
        f"/api/v1/audit/export?request={request_id}", headers=_headers(client, "auditor")
    )
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert [json.loads(leaf["leaf"])["tag"] for leaf in document["leaves"]] == [
        "request:draft:created",
        "request:content:edited",
    ]
    assert {w["state"] for w in document["witnesses"]} == {"XB", "XC"}
    exported = tmp_path / "trail.json"
    exported.write_bytes(answer.content)
    ok = runner.invoke(cli, ["audit", "verify-export", str(exported)])
    assert ok.exit_code == 0, ok.output
    assert "cosigned by XB, XC" in ok.output
    key = document["log_key"]
    pinned = runner.invoke(cli, ["audit", "verify-export", str(exported), "--log-key", key])
    assert pinned.exit_code == 0, pinned.output
    other = base64.b64encode(b"\x01" * 32).decode()
    wrong = runner.invoke(cli, ["audit", "verify-export", str(exported), "--log-key", other])
    assert wrong.exit_code == 2
    data = bytearray(answer.content)
    tried = 0
    # One bit flipped at a time, every few bytes across the whole file: each is refused.
    for position in range(0, len(data), max(1, len(data) // 200)):
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        exported.write_bytes(bytes(flipped))
        outcome = runner.invoke(cli, ["audit", "verify-export", str(exported)])
        assert outcome.exit_code == 2, (position, outcome.output)
        tried += 1
    assert tried >= 200
    # The export is itself on record.
    with node.ctx.uow() as uow:
        tags = [leaf.tag for leaf in uow.ledger.leaves_of_request(request_id)]
    assert tags[-1] == "audit:trail:exported"


def test_audit_verify_names_the_first_bad_leaf(xa: tuple[FedNode, TestClient, str]) -> None:
    node, _, _ = xa
    directory = str(node.settings.data_dir)
    env = {"COLUMNS": "400", "NO_COLOR": "1", **_db_env(node)}
    good = runner.invoke(cli, ["audit", "verify", "--dir", directory], env=env)
    assert good.exit_code == 0, good.output
    assert "2 cosignature(s)" in good.output
    with node.container.engine.begin() as connection:
        connection.execute(
            update(audit_leaf).where(audit_leaf.c.leaf_index == 4).values(object_id="x" * 36)
        )
    bad = runner.invoke(cli, ["audit", "verify", "--dir", directory], env=env)
    assert bad.exit_code == 2
    assert "AUDIT_INTEGRITY" in bad.output and "leaf 4" in bad.output


def _db_env(node: FedNode) -> dict[str, str]:
    url = node.settings.database_url
    return {"COMITY_DATABASE_URL": url} if url else {}
