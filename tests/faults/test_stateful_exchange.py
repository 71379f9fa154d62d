"""F-05 (b): XA's outbox and XB's inbox under sends, deliveries, duplicates, lost receipts,
drops, reordering and restarts.

A hypothesis state machine on two in-process nodes (SQLite). Rules: XA sends a request;
the relay delivers one chosen message (in any order, so messages are reordered); the same
envelope is posted again (a duplicate); an envelope reaches XB but XA never hears the
receipt (a lost receipt, later redelivered); a delivery attempt is lost on the way (a drop);
both nodes restart (their containers are closed and opened again on the same files).
After every step: at most one request at XB per message, a duplicate gets the original
receipt, XA keeps the first receipt XB ever gave, and a message in a terminal state stays
there. Each run ends with every message delivered and ``tests.invariants`` holding over
both nodes (quiescent). ``COMITY_STATEFUL_EXAMPLES`` and ``COMITY_STATEFUL_STEPS`` size it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from comity.domain.delivery import DeliveryStatus
from comity.domain.directory import StateEntry
from comity.services import delivery, exchange
from comity.services.outgoing import trusted_directory
from comity.services.transport_ports import PeerAnswer
from comity.store.tables import cooperation_request, inbox_message, outbox_message
from tests.faults.stateful_pair import open_pair, stores
from tests.federation_harness import FedNode, InProcessPeers, open_nodes
from tests.figures import record
from tests.integration.test_federation import approved
from tests.invariants import assert_invariants

RUNS = int(os.environ.get("COMITY_STATEFUL_EXAMPLES", "30"))
STEPS = int(os.environ.get("COMITY_STATEFUL_STEPS", "30"))


class Lost:
    """Peers that lose every call on the way: the recipient never sees it."""

    def deliver(self, recipient: StateEntry, envelope: bytes) -> PeerAnswer:
        return PeerAnswer("unreachable", code="DROPPED", detail="lost on the way")


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[dict[str, FedNode]]:
    yield from open_pair(tmp_path)


def _outbox(fed: FedNode) -> dict[str, Any]:
    with fed.container.engine.connect() as connection:
        rows = connection.execute(select(outbox_message)).mappings()
        return {row["message_id"]: row for row in rows}


def _count(fed: FedNode, table: Any, *where: Any) -> int:
    with fed.container.engine.connect() as connection:
        query = select(func.count()).select_from(table).where(*where)
        return int(connection.scalar(query) or 0)


def test_every_message_has_one_effect_and_one_receipt(pair: dict[str, FedNode]) -> None:
    counts = {"steps": 0, "runs": 0, "duplicates": 0, "reordered": 0, "restarts": 0}

    class Exchange(RuleBasedStateMachine):
        messages = Bundle("messages")

        def __init__(self) -> None:
            super().__init__()
            # The receipt XB gave first for each message, and each terminal status seen.
            self.receipts: dict[str, str] = {}
            self.final: dict[str, str] = {}
            self.sent: list[str] = []
            self.delivered: set[str] = set()
            # Runs share the nodes: what earlier runs left is the baseline.
            self.base = (_count(self.xb, inbox_message), _count(self.xb, cooperation_request))

        @property
        def xa(self) -> FedNode:
            return pair["XA"]

        @property
        def xb(self) -> FedNode:
            return pair["XB"]

        def _post(self, message_id: str) -> None:
            """The stored envelope straight to XB, outside XA's relay; checks the answer."""
            with self.xa.ctx.uow() as uow:
                stored = uow.outbox.get(message_id)
            assert stored is not None
            envelope = stored.envelope
            response = InProcessPeers(self.xa.settings, pair).post("XB", envelope)
            assert response.status_code == 200, response.text
            body = response.json()
            if message_id in self.receipts:
                counts["duplicates"] += 1
                assert body["duplicate"] is True
                assert body["receipt"] == self.receipts[message_id]
            else:
                self.receipts[message_id] = body["receipt"]
                self._delivered(message_id)

        def _delivered(self, message_id: str) -> None:
            if message_id not in self.delivered:
                # Delivered while a message sent before it is still on its way.
                earlier = self.sent[: self.sent.index(message_id)]
                if any(other not in self.delivered for other in earlier):
                    counts["reordered"] += 1
                self.delivered.add(message_id)

        @rule(target=messages)
        def send(self) -> str:
            counts["steps"] += 1
            before = set(_outbox(self.xa))
            request_id = approved(self.xa)
            exchange.send(self.xa.ctx, actor=self.xa.people["approver"], request_id=request_id)
            (message_id,) = set(_outbox(self.xa)) - before
            self.sent.append(message_id)
            return message_id

        def _attempt(self, message_id: str) -> None:
            message = None
            with self.xa.ctx.uow() as uow:
                message = uow.outbox.get(message_id)
            assert message is not None
            if message.is_terminal:
                return
            directory = trusted_directory(self.xa.ctx, self.xa.ctx.clock.now())
            delivery.attempt(self.xa.ctx, message, directory)

        @rule(message_id=messages)
        def deliver(self, message_id: str) -> None:
            """XA's relay sends this message now, whatever was sent before it."""
            counts["steps"] += 1
            self._attempt(message_id)
            row = _outbox(self.xa)[message_id]
            if row["status"] == DeliveryStatus.ACKNOWLEDGED:
                if message_id in self.receipts:
                    # The receipt XA keeps is the one XB gave the first time.
                    assert row["receipt"] == self.receipts[message_id]
                else:
                    self.receipts[message_id] = row["receipt"]
                self._delivered(message_id)

        @rule(message_id=messages)
        def duplicate(self, message_id: str) -> None:
            """The same bytes again (a retry after a timeout); XB's first receipt answers."""
            counts["steps"] += 1
            if message_id in self.receipts:
                self._post(message_id)

        @rule(message_id=messages)
        def lose_receipt(self, message_id: str) -> None:
            """XB takes the message but its receipt never reaches XA (XA stays pending)."""
            counts["steps"] += 1
            self._post(message_id)

        @rule(message_id=messages)
        def drop(self, message_id: str) -> None:
            """A delivery attempt lost on the way: XB sees nothing, XA keeps it pending."""
            counts["steps"] += 1
            xa = self.xa
            federation = xa.ctx.federation
            assert federation is not None
            real = xa.container.services
            xa.container.services = replace(real, federation=replace(federation, peers=Lost()))
            try:
                status = _outbox(xa)[message_id]["status"]
                self._attempt(message_id)
                assert _outbox(xa)[message_id]["status"] == status
            finally:
                xa.container.services = real

        @rule()
        def restart(self) -> None:
            """Both nodes stop and start again on the same database and files."""
            counts["steps"] += 1
            counts["restarts"] += 1
            states = {state: fed.settings for state, fed in pair.items()}
            people = {state: fed.people for state, fed in pair.items()}
            for fed in pair.values():
                fed.container.close()
            pair.update(open_nodes(states))
            for state, fed in pair.items():
                fed.people.update(people[state])

        @invariant()
        def one_effect_per_message(self) -> None:
            inbox = _count(self.xb, inbox_message) - self.base[0]
            copies = _count(self.xb, cooperation_request) - self.base[1]
            assert inbox == copies == len(self.receipts)

        @invariant()
        def terminal_states_are_final(self) -> None:
            for message_id, row in _outbox(self.xa).items():
                if message_id in self.final:
                    assert row["status"] == self.final[message_id], message_id
                elif row["status"] != DeliveryStatus.PENDING:
                    self.final[message_id] = row["status"]

        def teardown(self) -> None:
            counts["runs"] += 1
            for message_id in list(_outbox(self.xa)):
                self._attempt(message_id)
            outbox = _outbox(self.xa)
            assert {row["status"] for row in outbox.values()} <= {DeliveryStatus.ACKNOWLEDGED}
            for message_id in self.receipts:
                assert outbox[message_id]["receipt"] == self.receipts[message_id]
            assert_invariants(stores(pair), quiescent=True)

    try:
        run_state_machine_as_test(
            Exchange,
            settings=settings(
                max_examples=RUNS,
                stateful_step_count=STEPS,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        record("stateful_steps", counts["steps"])
        record("hypothesis_examples", counts["runs"])
        record("messages_duplicated", counts["duplicates"])
        record("messages_reordered", counts["reordered"])
    assert counts["duplicates"] > 0 and counts["restarts"] > 0
