"""Helpers for tests of the officers' pages through a TestClient: sign in like a browser and
read a page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.testclient import TestClient

from comity.web.app import create_app
from tests.federation_harness import PASSWORD


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    """Sign ``username`` in through the sign-in form; the client keeps the session cookie."""
    form = client.get("/login")
    assert form.status_code == 200
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


@contextmanager
def signed_in(
    node: Any, username: str, *, raise_server_exceptions: bool = True
) -> Iterator[TestClient]:
    """A browser on ``node``'s pages (a node of the integration tests or of a federation),
    signed in as ``username`` for the ``with`` block."""
    app = create_app(node.container)
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield sign_in(client, username)
