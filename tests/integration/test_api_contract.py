"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis):
whatever a client sends, the node never fails, and answers only as it documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from starlette.testclient import TestClient

from comity.bootstrap import build
from comity.domain.commands import AddUser
from comity.domain.values import Role
from comity.services import node, users
from comity.web.app import create_app
from tests.integration.conftest import PASSWORD, settings_for


@pytest.fixture
def fuzzed_app(tmp_path: Path) -> Iterator[tuple[schemathesis.Schema, str]]:
    container = build(settings_for(f"sqlite:///{tmp_path / 'fuzz.db'}", tmp_path))
    container.upgrade_database()
    node.ensure_authorities(container.services)
    roles = frozenset({Role.DRAFTER, Role.APPROVER})
    users.add_user(container.services, command=AddUser("fuzz", PASSWORD, roles))
    app = create_app(container)
    token = (
        TestClient(app)
        .post("/api/v1/auth/token", json={"username": "fuzz", "password": PASSWORD})
        .json()["access_token"]
    )
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app), token
    container.close()


CHECKS = (not_a_server_error, status_code_conformance, response_schema_conformance)


def _fuzz(operation: Any, token: str) -> None:
    """Call ``operation`` with generated input; every answer must be documented and sane."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def call(case: schemathesis.Case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=CHECKS)
        content_type = response.headers["content-type"][0]
        assert content_type.startswith(("application/json", "application/problem+json"))

    call()


def test_no_input_makes_the_node_fail(fuzzed_app: tuple[schemathesis.Schema, str]) -> None:
    schema, token = fuzzed_app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        _fuzz(operation, token)
