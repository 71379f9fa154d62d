"""The invariant checker of the fault tier (tests/invariants.py) is itself tested: it finds
nothing wrong after a clean exchange between real nodes, and it finds each fault when one is
planted in the stored rows, files or logs. A checker that cannot fail would make every fault
test pass."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from comity.services import exchange, practice
from comity.store.tables import (
    audit_leaf,
    cooperation_request,
    data_access,
    delivery_evidence,
    inbox_message,
    outbox_message,
)
from tests.federation_harness import FedNode
from tests.integration.test_federation import approved, relay
from tests.invariants import NodeStore, violations

CANARY = "Zebulon Quartermaine"


def exchanged(nodes: dict[str, FedNode]) -> list[NodeStore]:
    """One MLA XA → XB, delivered and retrieved; the two nodes' stores."""
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = approved(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    relay(xb)
    return [NodeStore.of(xa.settings), NodeStore.of(xb.settings)]


def test_a_clean_exchange_breaks_no_invariant(nodes: dict[str, FedNode]) -> None:
    stores = exchanged(nodes)
    practice.sweep(nodes["XB"].ctx)
    assert violations(stores, canaries=[CANARY], quiescent=True) == []


def _execute(node: FedNode, statement: Any) -> None:
    with node.container.engine.begin() as connection:
        connection.execute(statement)


def _second_delivery(node: FedNode) -> None:
    """A message recorded as delivered twice (a duplicate receipt taken as a new delivery).
    A second copy of the request itself cannot be planted: the receiver's database refuses
    it (unique sender State and exchange id), which is INV-1's first line of defence."""
    with node.container.engine.begin() as connection:
        row = dict(
            connection.execute(
                select(delivery_evidence).where(delivery_evidence.c.stage == "delivered")
            )
            .mappings()
            .one()
        )
        del row["id"]
        connection.execute(insert(delivery_evidence).values(**row))


def _forge_receipt(node: FedNode) -> None:
    _execute(node, update(outbox_message).values(receipt="a.eyJtZXNzYWdlX2lkIjoieCJ9.b"))


def _lose_arrival(node: FedNode) -> None:
    """The receiver lost a message it had receipted (no durable commit before the receipt)."""
    with node.container.engine.begin() as connection:
        connection.execute(update(inbox_message).values(message_id="somethingelse"))


def _pending_forever(node: FedNode) -> None:
    _execute(node, update(outbox_message).values(status="pending", receipt=None))


def _negative_then_delivered(node: FedNode) -> None:
    with node.container.engine.begin() as connection:
        first = connection.execute(select(delivery_evidence).limit(1)).mappings().one()
        connection.execute(
            update(delivery_evidence)
            .where(delivery_evidence.c.id == first["id"])
            .values(stage="not_delivered")
        )


def _canary_in_leaf(node: FedNode) -> None:
    with node.container.engine.begin() as connection:
        leaf = connection.execute(select(audit_leaf).limit(1)).mappings().one()
        details = {**leaf["details"], "note": CANARY}
        connection.execute(
            update(audit_leaf)
            .where(audit_leaf.c.leaf_index == leaf["leaf_index"])
            .values(details=details, leaf=json.dumps(details))
        )


def _use_outside_purpose(node: FedNode) -> None:
    with node.container.engine.begin() as connection:
        request_id = connection.execute(select(cooperation_request.c.id)).scalar_one()
        connection.execute(
            insert(data_access).values(
                id="access-outside-purpose",
                at=connection.execute(select(cooperation_request.c.created_at)).scalar_one(),
                user_id="someone",
                request_id=request_id,
                purpose_code="marketing",
                action="read",
                outcome="allowed",
                code="",
            )
        )


def _orphan_folder(node: FedNode) -> None:
    (node.settings.resolved_evidence_dir / "incoming" / "no-such-package").mkdir(parents=True)


FAULTS: dict[str, tuple[str, str, Callable[[FedNode], None]]] = {
    "a message delivered twice": ("XA", "INV-1", _second_delivery),
    "a receipt for other bytes": ("XA", "INV-3", _forge_receipt),
    "a receipted message missing at the receiver": ("XB", "INV-2", _lose_arrival),
    "a message pending after traffic settled": ("XA", "INV-4", _pending_forever),
    "a delivery after a negative evidence": ("XA", "INV-4", _negative_then_delivered),
    "a leaf changed to hold a name": ("XA", "INV-5", _canary_in_leaf),
    "a use outside the recorded purpose": ("XB", "INV-7", _use_outside_purpose),
    "a package folder without its row": ("XB", "INV-11", _orphan_folder),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_planted_fault_is_found(nodes: dict[str, FedNode], fault: str) -> None:
    stores = exchanged(nodes)
    state, invariant, plant = FAULTS[fault]
    plant(nodes[state])
    found = violations(stores, canaries=[CANARY], quiescent=True)
    assert any(line.startswith(f"{invariant} ") for line in found), found


def test_a_canary_or_a_key_in_a_node_log_is_found(nodes: dict[str, FedNode], tmp_path) -> None:
    exchanged(nodes)
    xa = nodes["XA"]
    log = tmp_path / "xa.log"
    key = next((xa.settings.data_dir / "keys").glob("*.key")).read_text()
    body = "".join(line for line in key.splitlines() if "-----" not in line)
    log.write_text(f"INFO started\nINFO looked up {CANARY.upper()}\nDEBUG {body}\n")
    found = violations([NodeStore.of(xa.settings, logs=[log])], canaries=[CANARY])
    assert sum(line.startswith("INV-12 XA") for line in found) == 2, found
