"""Integration fixtures: a real node on SQLite, and on PostgreSQL when
``COMITY_TEST_DATABASE_URL`` is set (then that tier must run: an unreachable server fails)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from starlette.testclient import TestClient

from comity.bootstrap import Container, build
from comity.config import Settings
from comity.domain.access import User
from comity.domain.commands import AddUser
from comity.domain.values import Role
from comity.services import node, users
from comity.web.app import create_app
from tests.federation_harness import FedNode, create_network, node_settings, open_nodes

PG_URL = os.environ.get("COMITY_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
PASSWORD = "correct horse battery"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'comity.db'}"
        return
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def settings_for(database_url: str, data_dir: Path) -> Settings:
    """Node settings for tests: fast password hashing, small body limit."""
    return Settings(
        state="XA",
        data_dir=data_dir,
        database_url=database_url,
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        max_body_bytes=65_536,
    )


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    """A migrated node with its default authorities."""
    built = build(settings_for(database_url, tmp_path))
    built.upgrade_database()
    node.ensure_authorities(built.services)
    try:
        yield built
    finally:
        built.close()


@dataclass
class Node:
    """A node with a user of each role, and an API client."""

    container: Container
    client: TestClient
    people: dict[str, User]

    def token(self, username: str) -> str:
        response = self.client.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}


ACCOUNTS = {
    "drafter": ({Role.DRAFTER}, "central"),
    "drafter2": ({Role.DRAFTER}, "central"),
    "approver": ({Role.APPROVER}, "central"),
    "both": ({Role.DRAFTER, Role.APPROVER}, "central"),
    "executor": ({Role.EXECUTOR}, "central"),
    "duty": ({Role.DUTY_OFFICER}, "poc247"),
    "dpo": ({Role.DPO}, "central"),
    "admin": ({Role.ADMIN}, "central"),
    "prosecutor": ({Role.DRAFTER, Role.APPROVER, Role.EXECUTOR}, "prosecutor"),
}


@pytest.fixture
def seeded(container: Container) -> Iterator[Node]:
    """The node with one user per role (and one in another authority)."""
    people = {
        name: users.add_user(
            container.services,
            command=AddUser(name, PASSWORD, frozenset(roles), authority_code=authority),
        )
        for name, (roles, authority) in ACCOUNTS.items()
    }
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Node(container=container, client=client, people=people)


@pytest.fixture(params=BACKENDS)
def nodes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, FedNode]]:
    """XA, XB and XC, each with its own database (a SQLite file or a PostgreSQL schema)."""
    schemas: list[str] = []
    urls: dict[str, str | None] = {}
    admin = create_engine(PG_URL) if request.param == "postgresql" and PG_URL else None
    for state in ("XA", "XB", "XC"):
        if admin is None:
            urls[state] = None
        else:
            schema = f"f_{uuid.uuid4().hex[:12]}"
            schemas.append(schema)
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = make_url(admin.url).update_query_dict({"options": f"-csearch_path={schema}"})
            urls[state] = url.render_as_string(hide_password=False)
    states = {
        state: node_settings(tmp_path, state, 8400 + i, urls[state])
        for i, state in enumerate(("XA", "XB", "XC"), start=1)
    }
    create_network(tmp_path, states)
    built = open_nodes(states)
    try:
        yield built
    finally:
        for node in built.values():
            node.container.close()
        if admin is not None:
            with admin.begin() as connection:
                for schema in schemas:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
