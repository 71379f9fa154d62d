"""F-04: the whole API from its own OpenAPI document, as every role (schemathesis 4.x).

For each role of ``domain.values.Role``, XA (a keyed node on SQLite, federated with XB) gets
one user with that role alone; every operation is called with positive data (what the schema
allows) and negative data (what it forbids), then the inferred links between operations are
walked as a state machine (create a request, then act on it). The checks: no 5xx, only
documented status codes, responses that match their schemas, negative data refused,
authentication never ignored. ``COMITY_SCHEMATHESIS_EXAMPLES`` sizes the examples per
operation and phase (tier C budget: four minutes for the whole file on two workers);
``COMITY_SCHEMATHESIS_STEPS`` the state machine's steps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from comity.domain.commands import AddUser
from comity.domain.values import Role
from comity.services import users
from comity.web.app import create_app
from tests.faults.stateful_pair import open_pair
from tests.federation_harness import PASSWORD
from tests.figures import record

EXAMPLES = int(os.environ.get("COMITY_SCHEMATHESIS_EXAMPLES", "10"))
STEPS = int(os.environ.get("COMITY_SCHEMATHESIS_STEPS", "20"))
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


class Counter:
    """Cases actually sent, for the ``schemathesis_cases`` figure."""

    def __init__(self) -> None:
        self.cases = 0


@pytest.fixture
def api_as(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """XA's API schema (a node with its keys, in a federation with XB, as in production),
    and a bearer token of a user who has only the role ``request.param``."""
    role: Role = request.param
    for nodes in open_pair(tmp_path):
        xa = nodes["XA"]
        users.add_user(xa.ctx, command=AddUser("officer", PASSWORD, frozenset({role})))
        app = create_app(xa.container)
        answer = TestClient(app).post(
            "/api/v1/auth/token", json={"username": "officer", "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        # A body over the node's limit is refused before it is read, as 413: a rejection too.
        rejection = schema.config.checks.negative_data_rejection
        rejection.expected_statuses = [*rejection.expected_statuses, "413"]
        yield schema, answer.json()["access_token"]


def _auth(case: schemathesis.Case, token: str, mode: GenerationMode) -> dict[str, str]:
    """The officer's token in place of the generated one. A negative case that leaves the
    Authorization header out on purpose (the security scheme requires it) goes without."""
    generated = any(name.lower() == "authorization" for name in case.headers or {})
    if generated or mode is GenerationMode.POSITIVE:
        return {"Authorization": f"Bearer {token}"}
    return {}


def _fuzz(operation: Any, token: str, mode: GenerationMode, counter: Counter) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @SETTINGS
    def call(case: schemathesis.Case) -> None:
        headers = _auth(case, token, mode)
        response = case.call(headers=headers)
        counter.cases += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        call()
    except Unsatisfiable:
        # An operation without parameters or body has no negative data to send.
        if mode is not GenerationMode.NEGATIVE:
            raise


def _walk_links(schema: Any, token: str, counter: Counter) -> None:
    """The state machine over the schema's links (a created request's id flows onwards)."""
    workflow = schema.as_state_machine()

    class AsRole(workflow):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            counter.cases += 1
            case.validate_response(
                response, checks=CHECKS, headers=self.get_call_kwargs(case)["headers"]
            )

    AsRole.run(
        settings=settings(
            max_examples=max(1, EXAMPLES // 2),
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )


@pytest.mark.parametrize("api_as", list(Role), indirect=True, ids=[str(role) for role in Role])
def test_no_input_from_any_role_breaks_the_contract(api_as: tuple[Any, str]) -> None:
    schema, token = api_as
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    counter = Counter()
    try:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, token, mode, counter)
        _walk_links(schema, token, counter)
    finally:
        record("schemathesis_cases", counter.cases)
    assert counter.cases >= len(operations) * 2
