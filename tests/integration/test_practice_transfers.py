"""Transfers between two States' nodes (type cards T18, T19; TPCM, TSP): a transfer of
proceedings walked from the criminal file to the outcome, and a transfer of a sentenced
person from the receipt to the handover, every step mirrored on the other State's copy
through signed messages, the requested State's clock taking the gates and the dates shown,
and every step audited on both nodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comity import federation_setup
from comity.cli.walks.transfer_proceedings import example_transfer_proceedings_fields
from comity.cli.walks.transfer_sentenced import example_transfer_sentenced_fields
from comity.domain.errors import IllegalTransitionError, PermissionDeniedError
from comity.services.demo_states import STATE_PARTICULARS
from tests.federation_harness import FedNode, sign_and_install
from tests.practice_pair import StatePair

DAY = timedelta(days=1)


def _describe_states(nodes: dict[str, FedNode]) -> None:
    """Both States publish the demo's particulars, penalty tables included: transfers require
    dual criminality (TPCM 7(1), TSP 3(1)(e)), which the engine checks against XB's table."""
    for state, each in nodes.items():
        federation_setup.write_particulars(each.settings, STATE_PARTICULARS[state])
    now = datetime.now(UTC)
    root = nodes["XA"].settings.data_dir.parent
    states = {state: each.settings for state, each in nodes.items()}
    sign_and_install(root, states, sequence=2, issued_at=now, next_update=now + 400 * DAY)


def test_a_transfer_of_proceedings_runs_to_its_outcome(nodes: dict[str, FedNode]) -> None:
    _describe_states(nodes)
    walk = StatePair(nodes, "transfer_proceedings", example_transfer_proceedings_fields("XA"))
    limitation = datetime(2036, 3, 31, tzinfo=UTC)
    sent = walk.xa_step(
        "transmit_file", file_ref="CYB-2026-0412/F", documents=2,
        limitation_ends_at=limitation.isoformat(),
    )  # fmt: skip
    # 31 March 2036 + 183 days: 30 to 30 April, 31 to 31 May, 30 to 30 June, 31 to 31 July,
    # 31 to 31 August (153), 30 more: 30 September 2036.
    extended = datetime(2036, 9, 30, tzinfo=UTC)
    assert [(d.code, d.at) for d in sent.clock.deadlines] == [
        ("transfer_proceedings.limitation", extended)
    ]
    assert walk.same_on_both("transmitted") == ["transmit_file"]
    # XA cannot decide for XB.
    with pytest.raises(PermissionDeniedError):
        walk.xa_step("accept", decision_ref="X")

    answer_by = walk.clock.now() + 30 * DAY
    walk.xb_step(
        "ask_information", questions="Witness statements?", answer_by=answer_by.isoformat()
    )
    on_xa, _ = walk.views()
    assert on_xa.record.state == "information_requested"
    assert ("transfer_proceedings.information", answer_by) in [
        (d.code, d.at) for d in on_xa.clock.deadlines
    ]
    walk.clock.offset = 10 * DAY
    walk.xa_step("supply_information", supplement_ref="CYB-2026-0412/S1")
    walk.xb_step("accept", decision_ref="XB-PG-2026-88")
    # The request can no longer be withdrawn once accepted (TPCM 21(2)(e)).
    with pytest.raises(IllegalTransitionError):
        walk.xa_step("withdraw_request", reason="too late")

    walk.clock.offset = 15 * DAY
    notified = walk.clock.now()
    accepted = walk.xb_step("notify_complainant", notified_at=notified.isoformat())
    assert ("transfer_proceedings.complaint_objection", notified + 30 * DAY) in [
        (d.code, d.at) for d in accepted.clock.deadlines
    ]
    # The requested State's deadlines are on its desk.
    with walk.xb.ctx.uow() as uow:
        due = uow.deadlines.due_before(
            authority_id=accepted.request.authority_id, when=extended + DAY, limit=50
        )
    assert ("transfer_proceedings.limitation", extended) in [(d.code, d.due_at) for d in due]
    # No clock-driven step in this life cycle, however long it waits.
    walk.clock.offset = 100 * DAY
    assert walk.sweep() == 0

    walk.xb_step("notify_outcome", outcome="convicted", decision_ref="XB-COURT-2026-431")
    assert walk.same_on_both("concluded") == [
        "transmit_file", "ask_information", "supply_information", "accept",
        "notify_complainant", "notify_outcome",
    ]  # fmt: skip
    on_xa, on_xb = walk.views()
    assert on_xa.available == on_xb.available == ()
    walk.audited(6)


def test_a_sentenced_person_is_transferred(nodes: dict[str, FedNode]) -> None:
    _describe_states(nodes)
    walk = StatePair(nodes, "transfer_sentenced", example_transfer_sentenced_fields("XA"))
    received_at = walk.clock.now()
    walk.xb_step(
        "receive", received_at=received_at.isoformat(),
        sentence_end=(received_at + 730 * DAY).isoformat(), consular_verification=True,
    )  # fmt: skip
    walk.xa_step("record_consent", given_at=received_at.isoformat(), by="person")
    # Consent recorded, but XB asked for its consul's verification: no gate yet.
    assert walk.sweep() == 0
    with pytest.raises(IllegalTransitionError):
        walk.xb_step("agree_requested", agreement_ref="XB-1")
    walk.clock.offset = 8 * DAY
    walk.xb_step("verify_consent", verified_at=walk.clock.now().isoformat(), consul="Consul")
    assert walk.sweep() == 0  # the gate was taken with the step that made it due
    assert walk.same_on_both("agreeing")[-1] == "conditions_met"

    walk.xb_step("set_enforcement", enforcement_mode="continue")
    walk.xb_step("agree_requested", agreement_ref="XB-MOJ-2026-19")
    assert walk.sweep() == 0  # XA has not agreed yet
    walk.xa_step("agree_requesting", agreement_ref="XA-MOJ-2026-77")
    assert walk.sweep() == 0  # the gate was taken with the step that made it due
    assert walk.same_on_both("agreed")[-1] == "agreed"

    handover = walk.clock.now() + 20 * DAY
    walk.xa_step("schedule_transfer", transfer_at=handover.isoformat(), place="Airport of XA")
    on_xa, on_xb = walk.views()
    assert on_xa.clock.ends_at == on_xb.clock.ends_at == handover
    assert on_xb.clock.alarms == ()
    # The date passes without the handover: a warning on both sides.
    walk.clock.offset += 21 * DAY
    on_xa, on_xb = walk.views()
    for view in (on_xa, on_xb):
        assert [(a.code, a.level) for a in view.clock.alarms] == [
            ("transfer_sentenced.transfer_overdue", "warning")
        ]
    walk.xb_step("transfer")
    assert walk.same_on_both("transferred") == [
        "receive", "record_consent", "verify_consent", "conditions_met", "set_enforcement",
        "agree_requested", "agree_requesting", "agreed", "schedule_transfer", "transfer",
    ]  # fmt: skip
    assert walk.views()[0].clock.alarms == ()
    walk.audited(10)


def test_too_little_left_stops_the_agreement_until_the_states_agree_an_exception(
    nodes: dict[str, FedNode],
) -> None:
    _describe_states(nodes)
    walk = StatePair(nodes, "transfer_sentenced", example_transfer_sentenced_fields("XA"))
    received_at = walk.clock.now()
    walk.xb_step(
        "receive", received_at=received_at.isoformat(),
        sentence_end=(received_at + 90 * DAY).isoformat(), consular_verification=False,
    )  # fmt: skip
    assert walk.sweep() == 0  # the gate was taken with the step that made it due
    assert walk.same_on_both("ineligible") == ["receive", "ineligible"]
    walk.xa_step("agree_exception", exception_ref="XA-MOJ-EX-1")
    walk.xa_step("record_consent", given_at=received_at.isoformat(), by="legal_representative")
    assert walk.sweep() == 0  # the gate was taken with the step that made it due
    assert walk.same_on_both("agreeing")[-1] == "conditions_met"
    walk.xb_step("refuse", reason="The administering court cannot adapt the sentence.")
    assert walk.same_on_both("refused")[-1] == "refuse"
