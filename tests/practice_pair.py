"""Two States' nodes working one request's practice life cycle in the integration tests: XA
(requesting, officer ``drafter``) sends the request, XB (requested, ``executor`` or the given
officer) receives it, and both read one movable clock. Each step is relayed to the other node
at once, so both copies can be compared after every step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from comity.domain.practice.lifecycle import Value
from comity.services import exchange, practice
from comity.services.practice import PracticeView
from tests.federation_harness import FedNode, sign_and_install
from tests.integration.test_federation import approved, relay, the_copy
from tests.integration.test_practice import MovableClock

DAY = timedelta(days=1)


class StatePair:
    """XA and XB on one request sent from XA, with one movable clock for both."""

    def __init__(
        self,
        nodes: dict[str, FedNode],
        type_code: str,
        fields: Mapping[str, object],
        *,
        officer: str = "executor",
    ) -> None:
        self.nodes = nodes
        self.xa, self.xb = nodes["XA"], nodes["XB"]
        self.officer = officer
        self.clock = MovableClock()
        for each in (self.xa, self.xb):
            each.container.services = replace(each.ctx, clock=self.clock)
        self.xa_id = approved(self.xa, type_code=type_code, **fields)
        exchange.send(self.xa.ctx, actor=self.xa.people["approver"], request_id=self.xa_id)
        relay(self.xa)
        self.xb_id = the_copy(self.xb, self.xa_id).id
        self.directory_sequence = 1

    def xa_step(self, code: str, **values: Value) -> PracticeView:
        """XA's officer takes a step; it reaches XB."""
        view = practice.take_step(
            self.xa.ctx, actor=self.xa.people["drafter"], request_id=self.xa_id,
            step_code=code, values=values,
        )  # fmt: skip
        relay(self.xa)
        relay(self.xb)  # the clock steps XB took on its arrival, if XB runs the clock
        return view

    def xb_step(self, code: str, **values: Value) -> PracticeView:
        """XB's officer takes a step; it reaches XA."""
        view = practice.take_step(
            self.xb.ctx, actor=self.xb.people[self.officer], request_id=self.xb_id,
            step_code=code, values=values,
        )  # fmt: skip
        relay(self.xb)
        relay(self.xa)
        return view

    def sweep(self) -> int:
        """XB's clock takes the steps due; they reach XA. How many."""
        taken = practice.sweep(self.xb.ctx)
        relay(self.xb)
        return taken

    def advance(self, delta: timedelta) -> None:
        """Time passes for both States; the operator keeps the directory valid meanwhile (a
        stale one would hold every message)."""
        self.clock.offset += delta
        self.directory_sequence += 1
        now = self.clock.now()
        root = self.xa.settings.data_dir.parent
        states = {state: n.settings for state, n in self.nodes.items()}
        sign_and_install(
            root, states, sequence=self.directory_sequence, issued_at=now - DAY,
            next_update=now + 30 * DAY,
        )  # fmt: skip

    def views(self) -> tuple[PracticeView, PracticeView]:
        """XA's and XB's copies."""
        return (
            practice.view(self.xa.ctx, actor=self.xa.people["drafter"], request_id=self.xa_id),
            practice.view(self.xb.ctx, actor=self.xb.people[self.officer], request_id=self.xb_id),
        )

    def same_on_both(self, state: str) -> list[str]:
        """Both copies are in ``state`` with the same steps; the step codes."""
        on_xa, on_xb = self.views()
        assert on_xa.record.state == on_xb.record.state == state

        # The same steps, sides, instants and values; the actor is the officer on one side and
        # the other State (``state:XB``) on the other.
        def seen(view: PracticeView) -> list[tuple[object, ...]]:
            return [(s.code, s.side, s.at, s.values) for s in view.record.steps]

        assert seen(on_xa) == seen(on_xb)
        return [step.code for step in on_xa.record.steps]

    def audited(self, count: int) -> None:
        """Each node has one audit leaf per practice step of the request, ``count`` in all."""
        for node, rid in ((self.xa, self.xa_id), (self.xb, self.xb_id)):
            with node.ctx.uow() as uow:
                tags = [leaf.tag for leaf in uow.ledger.leaves_of_request(rid)]
            assert tags.count("request:practice:stepped") == count, node.state
