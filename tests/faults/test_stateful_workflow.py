"""F-05 (a): the request workflow under random officer actions by every role.

A hypothesis state machine on two real in-process nodes (SQLite): officers of all seven
roles draft, submit, approve, return, withdraw, send and close XA's requests, the relay
carries them to XB, and XB's officers take any step on the copies they received. After every
step: a request moved only as ``domain.workflow`` allows (or not at all, when the service
refused with an error of the project's tree), each change wrote one history row, and a
refused action changed nothing. At the end of each run the audit log has a leaf for every
change (``audit_gaps``) and ``tests.invariants`` holds over both nodes.
``COMITY_STATEFUL_EXAMPLES`` (runs) and ``COMITY_STATEFUL_STEPS`` size it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from comity.domain.commands import CreateDraft, MoveRequest
from comity.domain.errors import DomainError
from comity.domain.values import Role, Side
from comity.domain.workflow import Status, allowed_next
from comity.services import delivery, exchange, requests
from comity.services.demo import example_mla_fields
from comity.store.tables import cooperation_request
from tests.faults.stateful_pair import BY_ROLE, history_count, open_pair, stores
from tests.federation_harness import FedNode
from tests.figures import record
from tests.invariants import assert_invariants
from tests.ledger_invariants import audit_gaps

RUNS = int(os.environ.get("COMITY_STATEFUL_EXAMPLES", "170"))
STEPS = int(os.environ.get("COMITY_STATEFUL_STEPS", "50"))
ROLES = st.sampled_from(list(Role))
PICK = st.integers(min_value=0, max_value=1_000)
REASON = "Written reasons for this step."

ACTIONS: dict[str, Callable[[Any, Any, str], Any]] = {
    "submit": lambda ctx, who, rid: requests.submit(ctx, actor=who, request_id=rid),
    "approve": lambda ctx, who, rid: requests.approve(ctx, actor=who, request_id=rid),
    "return": lambda ctx, who, rid: requests.return_to_draft(
        ctx, actor=who, request_id=rid, reason=REASON
    ),
    "withdraw": lambda ctx, who, rid: requests.withdraw(
        ctx, actor=who, request_id=rid, reason=REASON
    ),
    "send": lambda ctx, who, rid: exchange.send(ctx, actor=who, request_id=rid),
    "close": lambda ctx, who, rid: exchange.close(ctx, actor=who, request_id=rid, reason=REASON),
}

# The ordinary next step from a status, and the role that takes it.
NEXT: dict[Status, tuple[str, Role]] = {
    Status.DRAFT: ("submit", Role.DRAFTER),
    Status.AWAITING_APPROVAL: ("approve", Role.APPROVER),
    Status.APPROVED: ("send", Role.APPROVER),
}


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[dict[str, FedNode]]:
    yield from open_pair(tmp_path)


def _status(fed: FedNode, request_id: str) -> tuple[Status, Side]:
    with fed.ctx.uow() as uow:
        request = uow.requests.get(request_id)
    assert request is not None
    return request.status, request.side


def test_officers_move_requests_only_as_the_workflow_allows(pair: dict[str, FedNode]) -> None:
    xa, xb = pair["XA"], pair["XB"]
    counts = {"steps": 0, "runs": 0}
    reached: set[tuple[Side, Status]] = set()

    class Workflow(RuleBasedStateMachine):
        drafts = Bundle("drafts")

        def _act(self, fed: FedNode, role: Role, request_id: str, call: Callable[[], Any]) -> None:
            """Run ``call``; check the request moved as the table allows, or not at all."""
            counts["steps"] += 1
            before, side = _status(fed, request_id)
            steps = history_count(fed, request_id)
            try:
                call()
            except DomainError:
                after, _ = _status(fed, request_id)
                assert after is before, f"a refused action moved {request_id} to {after}"
                assert history_count(fed, request_id) == steps
                return
            after, _ = _status(fed, request_id)
            if after is not before:
                assert after in allowed_next(side, before), (role, before, after)
                assert history_count(fed, request_id) > steps
                reached.add((side, after))

        @rule(target=drafts, role=ROLES)
        def draft(self, role: Role) -> Any:
            counts["steps"] += 1
            command = CreateDraft("mla", "XB", fields=example_mla_fields("XA"))
            try:
                view = requests.create_draft(
                    xa.ctx, actor=xa.people[BY_ROLE[role]], command=command
                )
            except DomainError:
                return multiple()
            assert view.request.status is Status.DRAFT
            return view.request.id

        @rule(request_id=drafts, role=ROLES, action=st.sampled_from(sorted(ACTIONS)))
        def act(self, request_id: str, role: Role, action: str) -> None:
            who = xa.people[BY_ROLE[role]]
            self._act(xa, role, request_id, lambda: ACTIONS[action](xa.ctx, who, request_id))

        @rule(request_id=drafts, role=ROLES, to=st.sampled_from(list(Status)))
        def move(self, request_id: str, role: Role, to: Status) -> None:
            who = xa.people[BY_ROLE[role]]
            command = MoveRequest(request_id, to, REASON)
            self._act(
                xa, role, request_id, lambda: requests.process(xa.ctx, actor=who, command=command)
            )

        @rule(request_id=drafts)
        def advance(self, request_id: str) -> None:
            """The next ordinary step by the role that takes it, so runs reach deep states."""
            status, _ = _status(xa, request_id)
            action, role = NEXT.get(status, ("close", Role.DRAFTER))
            who = xa.people[BY_ROLE[role]]
            self._act(xa, role, request_id, lambda: ACTIONS[action](xa.ctx, who, request_id))

        @rule()
        def relay(self) -> None:
            counts["steps"] += 1
            for _ in range(4):
                if delivery.deliver_due(xa.ctx) + delivery.deliver_due(xb.ctx) == 0:
                    break

        @rule(pick=PICK)
        def advance_received(self, pick: int) -> None:
            """XB takes the first step its table allows on a copy, by whichever role may."""
            request_id = self._received(pick)
            if request_id is None:
                return
            status, side = _status(xb, request_id)
            for to in sorted(allowed_next(side, status)):
                for role in Role:
                    who = xb.people[BY_ROLE[role]]
                    command = MoveRequest(request_id, to, REASON)
                    self._act(
                        xb,
                        role,
                        request_id,
                        lambda who=who, command=command: requests.process(
                            xb.ctx, actor=who, command=command
                        ),
                    )
                    if _status(xb, request_id)[0] is not status:
                        return

        def _received(self, pick: int) -> str | None:
            # An index drawn up front, not a draw from the database's rows: the rows differ
            # between a run and its replay, and hypothesis needs the same draws each time.
            with xb.container.engine.connect() as connection:
                ids = sorted(connection.scalars(select(cooperation_request.c.id)))
            return ids[pick % len(ids)] if ids else None

        @rule(pick=PICK, role=ROLES, to=st.sampled_from(list(Status)))
        def move_received(self, pick: int, role: Role, to: Status) -> None:
            request_id = self._received(pick)
            if request_id is None:
                return
            who = xb.people[BY_ROLE[role]]
            detail: dict[str, Any] = {}
            command = MoveRequest(request_id, to, REASON, detail)
            self._act(
                xb, role, request_id, lambda: requests.process(xb.ctx, actor=who, command=command)
            )

        def teardown(self) -> None:
            counts["runs"] += 1
            for fed in (xa, xb):
                assert audit_gaps(fed.container.engine) == []
            assert_invariants(stores(pair))

    try:
        run_state_machine_as_test(
            Workflow,
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
    # The runs got past drafting on both sides, or the checks above checked little.
    assert (Side.REQUESTING, Status.SENT) in reached
    assert any(side is Side.REQUESTED for side, _ in reached), reached
