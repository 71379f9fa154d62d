"""Failures inside the node: the audit log missing, the database broken. Nothing half-written,
and the caller gets a problem+json, never a stack trace."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from comity.services.demo import example_mla_fields
from comity.store.tables import cooperation_request, request_history
from tests.integration.conftest import Node


def _counts(node: Node) -> tuple[int, int]:
    with node.container.engine.connect() as connection:
        return (
            int(
                connection.execute(
                    select(func.count()).select_from(cooperation_request)
                ).scalar_one()
            ),
            int(connection.execute(select(func.count()).select_from(request_history)).scalar_one()),
        )


def test_without_an_audit_log_nothing_changes_and_the_caller_is_told(seeded: Node) -> None:
    headers = seeded.headers("drafter")
    before = _counts(seeded)
    with seeded.container.engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_leaf RENAME TO audit_leaf_moved"))
    response = seeded.client.post(
        "/api/v1/requests",
        json={"type": "mla", "requested_state": "XB", "fields": example_mla_fields()},
        headers=headers,
    )
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "AUDIT_UNAVAILABLE"
    assert _counts(seeded) == before
    with seeded.container.engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_leaf_moved RENAME TO audit_leaf"))
    retry = seeded.client.post(
        "/api/v1/requests", json={"type": "mla", "requested_state": "XB"}, headers=headers
    )
    assert retry.status_code == 201


def test_an_unexpected_failure_is_a_generic_problem_with_a_correlation_id(
    seeded: Node, caplog: pytest.LogCaptureFixture
) -> None:
    headers = seeded.headers("drafter")
    with seeded.container.engine.begin() as connection:
        connection.execute(text("ALTER TABLE request_search RENAME TO request_search_moved"))
    response = seeded.client.get("/api/v1/requests?q=phishing", headers=headers)
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "INTERNAL" and len(body["correlation_id"]) == 36
    assert "request_search" not in response.text and "Traceback" not in response.text
    assert "sqlalchemy" not in response.text.lower()
    # The log says what failed and where, with the correlation id, but not the case data.
    assert body["correlation_id"] in caplog.text
    assert "phishing" not in caplog.text
