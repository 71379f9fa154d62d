"""Two in-process nodes (XA, XB) with an officer of every role on each, for the stateful tests.

Built once per test (migrations and keys take seconds); each hypothesis run adds its own
requests and messages, so runs share the nodes without sharing the objects they check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select

from comity.domain.commands import AddUser
from comity.domain.values import Role
from comity.services import users
from comity.store.tables import request_history
from tests.federation_harness import PASSWORD, FedNode, create_network, node_settings, open_nodes
from tests.invariants import NodeStore

# The harness's accounts cover four roles; these add the other three.
EXTRA_ROLES = {"dpo": Role.DPO, "auditor": Role.AUDITOR, "admin": Role.ADMIN}
#: The account of each role on every node.
BY_ROLE = {
    Role.DRAFTER: "drafter",
    Role.APPROVER: "approver",
    Role.EXECUTOR: "executor",
    Role.DUTY_OFFICER: "duty",
    Role.DPO: "dpo",
    Role.AUDITOR: "auditor",
    Role.ADMIN: "admin",
}


def open_pair(root: Path) -> Iterator[dict[str, FedNode]]:
    """XA and XB, connected in-process, each with one officer of every role."""
    states = {s: node_settings(root, s, 8900 + i) for i, s in enumerate(("XA", "XB"), 1)}
    create_network(root, states)
    nodes = open_nodes(states)
    try:
        for fed in nodes.values():
            for name, role in EXTRA_ROLES.items():
                fed.people[name] = users.add_user(
                    fed.ctx, command=AddUser(name, PASSWORD, frozenset({role}))
                )
        yield nodes
    finally:
        for fed in nodes.values():
            fed.container.close()


def stores(nodes: dict[str, FedNode]) -> list[NodeStore]:
    """What ``tests.invariants`` reads of each node."""
    return [NodeStore.of(fed.settings) for fed in nodes.values()]


def history_count(fed: FedNode, request_id: str) -> int:
    """How many workflow steps the node recorded for one request."""
    with fed.container.engine.connect() as connection:
        query = select(func.count()).where(request_history.c.request_id == request_id)
        return int(connection.scalar(query) or 0)
