"""Builds small federations of real nodes for tests: keys, signed directory, pinned anchors.

Each node is a real container (its own database and keys). Integration tests connect them
in-process through ``InProcessPeers`` (the recipient's real federation app, real RFC 9421
signatures and envelopes, no sockets); end-to-end tests run them as processes over mTLS.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from comity import bootstrap, federation_setup
from comity.bootstrap import Container
from comity.config import Settings
from comity.crypto.http_signatures import AUDIT_PATH, EVIDENCE_PATH, MESSAGES_PATH, RequestSigner
from comity.domain.directory import StateEntry
from comity.domain.values import Role
from comity.local_network import create_local_network
from comity.services import users
from comity.services.evidence_ports import TransferAnswer
from comity.services.ledger_ports import WitnessAnswer
from comity.services.transport_ports import PeerAnswer
from comity.transport.peer_client import _answer, _transfer_answer, _witness_answer
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
    """Nodes for ``states`` with the test accounts, and a directory listing them all."""
    create_local_network(
        root,
        list(states.values()),
        accounts={
            name: (frozenset(roles), authority) for name, (roles, authority) in ACCOUNTS.items()
        },
        password=PASSWORD,
        now=now or datetime.now(UTC),
        valid_for=valid_for,
        particulars=particulars,
    )
    # The processes of the end-to-end tests read their settings from node.json.
    for settings in states.values():
        node_file = settings.data_dir / "node.json"
        stored = json.loads(node_file.read_text("utf-8"))
        stored.update(argon2_time_cost=1, argon2_memory_cost=1024)
        node_file.write_text(json.dumps(stored), "utf-8")


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
        anchor = federation_setup.new_directory_operator_key(operator_key)
        (root / "operator.json").write_text(json.dumps(anchor), "utf-8")
    token = federation_setup.publish_directory(
        list(states.values()),
        operator_key=operator_key,
        operator_anchor=json.loads((root / "operator.json").read_text("utf-8")),
        sequence=sequence,
        issued_at=issued_at,
        next_update=next_update,
        operator="test secretariat",
    )
    return token


class InProcessPeers:
    """Delivers through the recipient node's real federation app, in this process."""

    def __init__(self, sender: Settings, nodes: dict[str, FedNode]) -> None:
        keys = federation_setup._keys(sender)
        self.signer = RequestSigner(keys.signing, keys.signing_kid)
        self.nodes = nodes
        self.sent: list[bytes] = []
        self.clock: Any = None
        # Each recipient's federation app is built once: the relay sends chunks from several
        # threads, and FastAPI builds a route under warnings.catch_warnings(), which is not
        # thread-safe (a warning it silences in one thread escaped as an error in another).
        self._apps: dict[str, Any] = {}
        self._apps_lock = threading.Lock()

    def app(self, state: str) -> Any:
        """The federation app of ``state``'s node (built on first use)."""
        with self._apps_lock:
            if state not in self._apps:
                self._apps[state] = create_federation_app(self.nodes[state].container)
            return self._apps[state]

    def deliver(self, recipient: StateEntry, envelope: bytes) -> PeerAnswer:
        self.sent.append(envelope)
        return _answer(self.post(recipient.code, envelope))

    def post(self, state: str, envelope: bytes, headers: dict[str, str] | None = None) -> Any:
        node = self.nodes[state]
        endpoint = node.settings.public_endpoint or ""
        url = endpoint + MESSAGES_PATH
        now = node.ctx.clock.now()
        signed = headers or self.signer.headers(url=url, body=envelope, now=now)
        with TestClient(self.app(state), base_url=endpoint, raise_server_exceptions=True) as client:
            return client.post(MESSAGES_PATH, content=envelope, headers=signed)

    # Evidence calls (``EvidencePeers``), through the same real federation app.

    def offer(self, recipient: StateEntry, package_id: str, body: bytes) -> TransferAnswer:
        return self.evidence(recipient.code, f"/{package_id}", body, "application/json")

    def put_chunk(
        self, recipient: StateEntry, package_id: str, index: int, data: bytes
    ) -> TransferAnswer:
        return self.evidence(
            recipient.code, f"/{package_id}/chunks/{index}", data, "application/octet-stream"
        )

    def complete(self, recipient: StateEntry, package_id: str) -> TransferAnswer:
        return self.evidence(recipient.code, f"/{package_id}/complete", b"{}", "application/json")

    def evidence(
        self,
        state: str,
        path: str,
        body: bytes,
        content_type: str,
        tamper: Any = None,
    ) -> TransferAnswer:
        """One evidence call; ``tamper(body) -> body`` damages the body after signing."""
        node = self.nodes[state]
        endpoint = node.settings.public_endpoint or ""
        url = endpoint + EVIDENCE_PATH + path
        headers = self.signer.headers(
            url=url, body=body, now=node.ctx.clock.now(), content_type=content_type
        )
        sent = tamper(body) if tamper is not None else body
        with TestClient(self.app(state), base_url=endpoint, raise_server_exceptions=True) as client:
            return _transfer_answer(
                client.post(EVIDENCE_PATH + path, content=sent, headers=headers)
            )

    # Witness calls (``WitnessPeers``), through the same real federation app.

    def add_checkpoint(self, recipient: StateEntry, body: bytes) -> WitnessAnswer:
        return self.witness(recipient.code, "/add-checkpoint", body, "text/plain; charset=utf-8")

    def share_views(self, recipient: StateEntry, body: bytes) -> WitnessAnswer:
        return self.witness(recipient.code, "/views", body, "application/json")

    def report_integrity(self, recipient: StateEntry, body: bytes) -> WitnessAnswer:
        return self.witness(recipient.code, "/integrity", body, "text/plain; charset=utf-8")

    def witness(self, state: str, path: str, body: bytes, content_type: str) -> WitnessAnswer:
        """One witness call, answered as the HTTP client answers it."""
        return _witness_answer(self.witness_response(state, path, body, content_type))

    def witness_response(self, state: str, path: str, body: bytes, content_type: str) -> Any:
        """The raw HTTP response of one witness call (for the status-code tests)."""
        node = self.nodes[state]
        endpoint = node.settings.public_endpoint or ""
        url = endpoint + AUDIT_PATH + path
        headers = self.signer.headers(
            url=url, body=body, now=node.ctx.clock.now(), content_type=content_type
        )
        with TestClient(self.app(state), base_url=endpoint, raise_server_exceptions=True) as client:
            return client.post(AUDIT_PATH + path, content=body, headers=headers)


def connect(nodes: dict[str, FedNode]) -> None:
    """Point every node's peer client at the others' in-process federation apps."""
    for node in nodes.values():
        federation = node.ctx.federation
        assert federation is not None
        peers = InProcessPeers(node.settings, nodes)
        evidence = node.ctx.evidence
        ledger = node.ctx.ledger
        node.container.services = replace(
            node.ctx,
            federation=replace(federation, peers=peers),
            evidence=None if evidence is None else replace(evidence, peers=peers),
            ledger=None if ledger is None else replace(ledger, peers=peers),
        )


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
