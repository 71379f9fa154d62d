"""Duplication and reordering at scale (R-02, R-03, R-19; tier C: every message 1-5x, >= 1 000).

Two real nodes in this process (``InProcessPeers``: real RFC 9421 signatures, real envelopes,
the recipient's real federation app, no sockets). XA sends ``COMITY_FAULT_MESSAGES`` MLA
requests through its services; their sealed envelopes are then delivered to XB 0-4 times in a
seeded random order, several at once from threads, before XA's own relay sends each once more
(so every message arrives 1-5 times). XB must create exactly one request and one inbox row per
message, answer every copy after the first as a duplicate carrying the original receipt, and
XA must end with that same receipt for every message.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from comity.domain.commands import CreateDraft
from comity.services import delivery, exchange, requests
from comity.services.demo import example_mla_fields
from comity.services.outgoing import trusted_directory
from tests.federation_harness import FedNode, InProcessPeers, create_network, node_settings
from tests.federation_harness import open_nodes as open_in_process
from tests.figures import record
from tests.invariants import NodeStore, assert_invariants

MESSAGES = int(os.environ.get("COMITY_FAULT_MESSAGES", "1000"))
SEED = int(os.environ.get("COMITY_FAULT_SEED", str(random.SystemRandom().randrange(10**6))))
THREADS = 4


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, FedNode]]:
    states = {
        state: node_settings(tmp_path, state, 8600 + i) for i, state in enumerate(("XA", "XB"))
    }
    create_network(tmp_path, states)
    built = open_in_process(states)
    try:
        yield built
    finally:
        for node in built.values():
            node.container.close()


def _send(xa: FedNode) -> str:
    """Draft, submit, approve and send one MLA request to XB (queued in XA's outbox)."""
    ctx, people = xa.ctx, xa.people
    view = requests.create_draft(
        ctx,
        actor=people["drafter"],
        command=CreateDraft(
            type_code="mla",
            requested_state="XB",
            fields=example_mla_fields("XA"),
        ),
    )
    request_id = view.request.id
    requests.submit(ctx, actor=people["drafter"], request_id=request_id)
    requests.approve(ctx, actor=people["approver"], request_id=request_id)
    exchange.send(ctx, actor=people["approver"], request_id=request_id)
    return request_id


def _outbox(xa: FedNode) -> list[tuple[str, bytes]]:
    """XA's queued messages, oldest first: (message id, sealed envelope)."""
    with xa.container.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "select message_id, envelope from outbox_message order by seq"
        ).fetchall()
    return [(str(m), e.encode("ascii") if isinstance(e, str) else bytes(e)) for m, e in rows]


def _count(node: FedNode, sql: str) -> int:
    with node.container.engine.connect() as connection:
        return int(connection.exec_driver_sql(sql).scalar_one())


def _rows(node: FedNode, sql: str) -> set[tuple[Any, ...]]:
    with node.container.engine.connect() as connection:
        return {tuple(row) for row in connection.exec_driver_sql(sql).fetchall()}


def test_every_message_delivered_one_to_five_times_in_any_order_has_one_effect(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    # The seed is printed (shown with -s, and on failure) so a failing order can be replayed.
    sys.stdout.write(f"COMITY_FAULT_SEED={SEED} COMITY_FAULT_MESSAGES={MESSAGES}\n")
    rng = random.Random(SEED)
    started = time.monotonic()
    for _ in range(MESSAGES):
        _send(xa)
    queued = _outbox(xa)
    assert len(queued) == MESSAGES
    produced = time.monotonic()

    # The chaos: each message 0-4 times, the whole plan shuffled, run from several threads.
    plan = [index for index in range(MESSAGES) for _ in range(rng.randint(0, 4))]
    rng.shuffle(plan)
    peers = InProcessPeers(xa.settings, nodes)
    answers: dict[int, list[dict[str, Any]]] = defaultdict(list)

    def deliver(index: int) -> tuple[int, int, dict[str, Any]]:
        response = peers.post("XB", queued[index][1])
        return index, response.status_code, json.loads(response.content)

    with ThreadPoolExecutor(THREADS) as pool:
        for index, status, body in pool.map(deliver, plan):
            assert status == 200, body
            answers[index].append(body)
    chaos = time.monotonic()

    # Every message's first arrival made its effect; every other copy was a duplicate that
    # carried the same receipt.
    firsts: Counter[int] = Counter()
    for index, bodies in answers.items():
        assert len({body["receipt"] for body in bodies}) == 1, f"message {index}: receipts differ"
        firsts[index] = sum(1 for body in bodies if not body["duplicate"])
    assert all(count == 1 for count in firsts.values()), "a copy was taken as new twice"
    delivered_in_chaos = len(answers)
    assert _count(xb, "select count(*) from cooperation_request") == delivered_in_chaos
    assert _count(xb, "select count(*) from inbox_message") == delivered_in_chaos

    # Out of order: a message whose first arrival came before an older message's.
    arrival_order = list(dict.fromkeys(plan))
    in_order = sorted(arrival_order)
    reordered = sum(1 for got, wanted in zip(arrival_order, in_order, strict=True) if got != wanted)

    # XA's relay now sends each message once more (a duplicate where the chaos got there
    # first), oldest first as its passes would, and records what comes back. Its attempt is
    # called per message: a pass's scan for the due head costs O(backlog) per row, which for
    # a thousand queued messages is minutes of the test's budget.
    directory = trusted_directory(xa.ctx, xa.ctx.clock.now())
    for message_id, _envelope in queued:
        with xa.ctx.uow() as uow:
            message = uow.outbox.get(message_id)
        assert message is not None
        delivery.attempt(xa.ctx, message, directory)
    assert delivery.deliver_due(xa.ctx) == 0
    relayed = time.monotonic()

    assert _count(xb, "select count(*) from cooperation_request") == MESSAGES
    assert _count(xb, "select count(*) from inbox_message") == MESSAGES
    assert _count(xa, "select count(*) from outbox_message where status='acknowledged'") == MESSAGES
    held = _rows(xa, "select message_id, receipt from outbox_message")
    issued = _rows(xb, "select message_id, receipt from inbox_message where sender_state='XA'")
    assert held == issued
    for index, bodies in answers.items():
        message_id = queued[index][0]
        assert (message_id, bodies[0]["receipt"]) in issued
    assert_invariants([NodeStore.of(xa.settings), NodeStore.of(xb.settings)], quiescent=True)

    duplicates = len(plan)  # with the relay's copy, every message had len(copies) - 1 extra
    record("messages_delivered", MESSAGES)
    record("messages_duplicated", duplicates)
    record("messages_reordered", reordered)
    sys.stdout.write(
        f"{MESSAGES} messages, {len(plan) + MESSAGES} deliveries ({duplicates} duplicates, "
        f"{reordered} out of order): produced in {produced - started:.1f} s, chaos "
        f"{chaos - produced:.1f} s, relay {relayed - chaos:.1f} s\n"
    )


def test_a_dependent_message_that_overtakes_its_parent_is_not_lost(
    nodes: dict[str, FedNode],
) -> None:
    """R-19: XA's withdrawal of a request reaches XB before the request itself."""
    xa, xb = nodes["XA"], nodes["XB"]
    request_id = _send(xa)
    requests.withdraw(xa.ctx, actor=xa.people["approver"], request_id=request_id, reason="moot")
    (_, parent_envelope), (_, child_envelope) = _outbox(xa)
    peers = InProcessPeers(xa.settings, nodes)

    early = peers.post("XB", child_envelope)
    body = json.loads(early.content)
    sys.stdout.write(f"withdrawal before its request: {early.status_code} {body}\n")
    # A retriable answer, never a final (signed) refusal, and nothing kept for it.
    assert "signal" not in body, f"R-19: the overtaking message was refused for good: {body}"
    assert early.status_code == 503 and body["code"] == "DEPENDENCY_PENDING"
    assert early.headers["Retry-After"] == "5"
    assert _count(xb, "select count(*) from inbox_message") == 0
    assert peers.post("XB", parent_envelope).status_code == 200
    late = peers.post("XB", child_envelope)
    assert late.status_code == 200, late.text
    assert _count(xb, "select count(*) from cooperation_request") == 1
    assert _count(xb, "select count(*) from cooperation_request where status='withdrawn'") == 1
    record("messages_reordered")
