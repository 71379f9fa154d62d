"""A consular action between two States' nodes (type card T17, consular route; VCCR 5(j);
statement Q23): XA's consulate in XB serves a summons on an XA national. XA opens the action,
its own clock routes it to the notice the profile requires, XB acknowledges, and the service
is recorded and reported, every step mirrored on both copies and audited on both; an action
towards a national of another State is refused by XA's clock."""

from __future__ import annotations

import pytest

from comity.cli.walks.consular_action import example_consular_action_fields
from comity.domain.errors import IllegalTransitionError, PermissionDeniedError
from comity.services import practice
from tests.federation_harness import FedNode
from tests.integration.test_federation import relay
from tests.practice_pair import StatePair


def _sweep_xa(pair: StatePair) -> int:
    taken = practice.sweep(pair.xa.ctx)
    relay(pair.xa)
    return taken


def test_a_consular_service_on_an_own_national_is_completed(nodes: dict[str, FedNode]) -> None:
    pair = StatePair(nodes, "consular_action", example_consular_action_fields("XA"))
    now = pair.clock.now().isoformat()
    pair.xa_step("open", addressee_nationality="XA", requesting_state="XA",
                 host_notice_required=True)  # fmt: skip
    # XB's clock does not run this life cycle; XA's routed the action to the notice at once.
    assert practice.sweep(pair.xb.ctx) == 0
    assert _sweep_xa(pair) == 0  # taken with the step that made it due
    assert pair.same_on_both("notice_due") == ["open", "require_notice"]
    with pytest.raises(IllegalTransitionError):
        pair.xa_step("record_voluntary_participation", consented_at=now)
    pair.xa_step("notify_host", notice_ref="NV-2026-31")
    with pytest.raises(PermissionDeniedError):
        pair.xa_step("acknowledge")
    pair.xb_step("acknowledge")
    pair.xa_step("record_voluntary_participation", consented_at=now)
    pair.xa_step("serve", served_at=now, proof_of_service_ref="POS-2026-31")
    pair.xa_step("report", report="The summons was served at the consulate.")
    assert pair.same_on_both("completed") == [
        "open", "require_notice", "notify_host", "acknowledge",
        "record_voluntary_participation", "serve", "report",
    ]  # fmt: skip
    pair.audited(7)


def test_an_action_towards_another_states_national_is_refused(nodes: dict[str, FedNode]) -> None:
    pair = StatePair(nodes, "consular_action", example_consular_action_fields("XA"))
    pair.xa_step("open", addressee_nationality="XB", requesting_state="XA",
                 host_notice_required=False)  # fmt: skip
    assert _sweep_xa(pair) == 0  # taken with the step that made it due
    assert pair.same_on_both("refused") == ["open", "refuse_non_national"]
    with pytest.raises(IllegalTransitionError):
        pair.xa_step("serve", served_at=pair.clock.now().isoformat(), proof_of_service_ref="P")
