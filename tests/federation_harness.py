"""Builds small federations of real nodes for tests: keys, signed directory, pinned anchors.

Each node is a real container (its own database and keys). Integration tests connect them
in-process through ``InProcessPeers`` (the recipient's real federation app, real RFC 9421
signatures and envelopes, no sockets); end-to-end tests run them as processes over mTLS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from comity import bootstrap, federation_setup
from comity.bootstrap import Container
from comity.config import Settings
from comity.domain.commands import AddUser
from comity.domain.directory import StateEntry
from comity.domain.values import Role
from comity.services import node as node_service
from comity.services import users
from comity.services.ports import PeerAnswer
from comity.transport.httpsig import MESSAGES_PATH, RequestSigner
from comity.transport.peer_client import _answer
from comity.web.federation import create_federation_app

PASSWORD = "correct horse battery"

ACCOUNTS = {
    "drafter": ({Role.DRAFTER}, "central"),
    "approver": ({Role.APPROVER}, "central"),
    "executor": ({Role.EXECUTOR}, "central"),
    "duty": ({Role.DUTY_OFFICER}, "poc247"),
}


@dataclass
class FedNode:
    """One State's node in a test federation."""

    state: str
    settings: Settings
    container: Container
    people: dict[str, Any]

    @property
    def ctx(self) -> Any:
        return self.container.services


def node_settings(
    root: Path,
    state: str,
    port: int,
    database_url: str | None = None,
    *,
    federation_port: int | None = None,
    **extra: Any,
) -> Settings:
    """Settings of a test node: its folder under ``root``, fast hashing."""
    federation_port = federation_port or port + 100
    return Settings(
        state=state,
        data_dir=root / state,
        database_url=database_url,
        port=port,
        federation_port=federation_port,
        public_endpoint=f"https://127.0.0.1:{federation_port}",
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        **extra,
    )


def create_network(
    root: Path,
    states: Mapping[str, Settings],
    *,
    now: datetime | None = None,
    valid_for: timedelta = timedelta(days=30),
    particulars: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Create every node's keys, schema, authorities and users, sign a directory for all of
    them with a fresh operator key, and pin and install it on every node."""
    now = now or datetime.now(UTC)
    for state, settings in states.items():
        bootstrap.init_node_dir(settings)
        node_file = settings.data_dir / "node.json"
        stored = json.loads(node_file.read_text("utf-8"))
        stored.update(
            port=settings.port,
            federation_port=settings.federation_port,
            public_endpoint=settings.public_endpoint,
            argon2_time_cost=1,
            argon2_memory_cost=1024,
        )
        node_file.write_text(json.dumps(stored), "utf-8")
        container = bootstrap.build(settings)
        try:
            container.upgrade_database()
            node_service.ensure_authorities(container.services)
            for name, (roles, authority) in ACCOUNTS.items():
                users.add_user(
                    container.services,
                    command=AddUser(name, PASSWORD, frozenset(roles), authority_code=authority),
                )
        finally:
            container.close()
        federation_setup.create_node_keys(settings, now=now, name=f"State {state}")
        if particulars and state in particulars:
            federation_setup.write_particulars(
                settings, {"name": f"State {state}", **particulars[state]}
            )
    sign_and_install(root, states, sequence=1, issued_at=now, next_update=now + valid_for)


def sign_and_install(
    root: Path,
    states: Mapping[str, Settings],
    *,
    sequence: int,
    issued_at: datetime,
    next_update: datetime,
) -> str:
    """Sign a directory of ``states`` (operator key in ``root``) and install it everywhere."""
    operator_key = root / "operator.key"
    if not operator_key.exists():
        anchor = bootstrap.new_directory_operator_key(operator_key)
        (root / "operator.json").write_text(json.dumps(anchor), "utf-8")
    operator = json.loads((root / "operator.json").read_text("utf-8"))
    anchors = {
        "operator": operator,
        "roots": {state: federation_setup.root_anchor(s) for state, s in states.items()},
    }
    payload = bootstrap.build_directory_payload(
        [federation_setup.signed_entry(s) for s in states.values()],
        sequence=sequence,
        issued_at=issued_at,
        next_update=next_update,
        operator="test secretariat",
    )
    token, _ = bootstrap.sign_directory_payload(payload, operator_key)
    for settings in states.values():
        federation_setup.pin_anchors(settings, anchors)
        federation_setup.install_directory(settings, token)
    return token


class InProcessPeers:
    """Delivers through the recipient node's real federation app, in this process."""

    def __init__(self, sender: Settings, nodes: dict[str, FedNode]) -> None:
        keys = federation_setup._keys(sender)
        self.signer = RequestSigner(keys.signing, keys.signing_kid)
        self.nodes = nodes
        self.sent: list[bytes] = []
        self.clock: Any = None

    def deliver(self, recipient: StateEntry, envelope: bytes) -> PeerAnswer:
        self.sent.append(envelope)
        return _answer(self.post(recipient.code, envelope))

    def post(self, state: str, envelope: bytes, headers: dict[str, str] | None = None) -> Any:
        node = self.nodes[state]
        endpoint = node.settings.public_endpoint or ""
        url = endpoint + MESSAGES_PATH
        now = node.ctx.clock.now()
        signed = headers or self.signer.headers(url=url, body=envelope, now=now)
        with TestClient(
            create_federation_app(node.container), base_url=endpoint, raise_server_exceptions=True
        ) as client:
            return client.post(MESSAGES_PATH, content=envelope, headers=signed)


def connect(nodes: dict[str, FedNode]) -> None:
    """Point every node's peer client at the others' in-process federation apps."""
    for node in nodes.values():
        federation = node.ctx.federation
        assert federation is not None
        peers = InProcessPeers(node.settings, nodes)
        node.container.services = replace(node.ctx, federation=replace(federation, peers=peers))


def open_nodes(states: Mapping[str, Settings]) -> dict[str, FedNode]:
    """Build a container for each node, connected in-process."""
    nodes: dict[str, FedNode] = {}
    for state, settings in states.items():
        container = bootstrap.build(Settings.for_node(settings.data_dir, **_db(settings)))
        people = {user.username: user for user in users.list_users(container.services)}
        nodes[state] = FedNode(state, settings, container, people)
    connect(nodes)
    return nodes


def _db(settings: Settings) -> dict[str, Any]:
    return {"database_url": settings.database_url} if settings.database_url else {}
