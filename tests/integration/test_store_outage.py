"""A node whose database cannot be reached answers 503 ``STORE_UNAVAILABLE`` with
``Retry-After`` (security-test-plan X-08), never an internal error: the caller (an officer's
page, another State's relay) tries again, and nothing was changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from comity.bootstrap import build
from comity.web.app import create_app
from tests.integration.conftest import PASSWORD, settings_for

UNREACHABLE = {
    # Nothing listens on port 1: the connection is refused, as while PostgreSQL restarts.
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2",
    # A file in a folder that does not exist cannot be opened.
    "sqlite": "sqlite:///{tmp}/no-such-folder/comity.db",
}


@pytest.mark.parametrize("backend", sorted(UNREACHABLE))
def test_an_unreachable_database_answers_503_with_retry_after(backend: str, tmp_path: Path) -> None:
    url = UNREACHABLE[backend].format(tmp=tmp_path)
    container = build(settings_for(url, tmp_path))
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            answer = client.post(
                "/api/v1/auth/token", json={"username": "drafter", "password": PASSWORD}
            )
    finally:
        container.close()
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "STORE_UNAVAILABLE"
    assert answer.headers["Retry-After"] == "5"
    assert "psycopg" not in answer.text and "sqlite" not in answer.text.lower()
