"""Freezing, confiscation and the return of confiscated assets between two States' nodes (type
cards T21-T23; UNTOC 13-14; UNCAC 55, 57; issue 8): a freezing ordered by XB, reviewed when
its 90-day review falls due, lifted only after XA's 14-day window closed on XB's clock; a
foreign confiscation order given effect and executed; and assets returned on a signed
disposal statement whose digest the life cycle records, the transfer acknowledged by XA. Every
step is mirrored on the other State's copy through signed messages and audited on both."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comity.cli.walks.asset_return import example_asset_return_fields
from comity.cli.walks.confiscation import example_confiscation_fields
from comity.cli.walks.freezing import example_freezing_fields
from comity.domain.commands import MoveRequest
from comity.domain.errors import IllegalTransitionError, PermissionDeniedError
from comity.domain.workflow import Status
from comity.services import asset_statements, practice, requests
from tests.federation_harness import FedNode
from tests.integration.test_federation import relay
from tests.practice_pair import StatePair
from tests.unit.test_asset_input import ISSUE_EXAMPLE

DAY = timedelta(days=1)


def test_a_freezing_is_reviewed_and_lifted_after_the_comment_window(
    nodes: dict[str, FedNode],
) -> None:
    pair = StatePair(nodes, "freezing", example_freezing_fields("XA"))
    ordered_at = pair.clock.now().replace(microsecond=0)
    ordered = pair.xb_step(
        "order", order_ref="XB-FRZ-77", measure="freeze",
        assets="Account 0012-88412 at Example Bank", ordered_at=ordered_at.isoformat(),
    )  # fmt: skip
    assert ordered.record.state == "in_force"
    dates = {(d.code, d.at) for d in ordered.clock.deadlines}
    assert ("freezing.review", ordered_at + 90 * DAY) in dates
    assert ("freezing.review.reminder", ordered_at + 76 * DAY) in dates
    # The review is on XB's deadlines (dashboard, desk).
    with pair.xb.ctx.uow() as uow:
        copy = uow.requests.get(pair.xb_id)
        assert copy is not None
        due = uow.deadlines.due_before(
            authority_id=copy.authority_id, when=ordered_at + 91 * DAY, limit=50
        )
    assert ("freezing.review", ordered_at + 90 * DAY) in [(d.code, d.due_at) for d in due]
    # XA cannot take XB's steps.
    with pytest.raises(PermissionDeniedError):
        pair.xa_step("review", outcome="continue")

    # 90 days on, the review is overdue: XB's clock raises the warning; XB reviews.
    pair.advance(90 * DAY + timedelta(hours=1))
    (alarm,) = pair.views()[1].clock.alarms
    assert (alarm.code, alarm.level) == ("freezing.review_overdue", "warning")
    reviewed = pair.xb_step("review", outcome="continue")
    assert reviewed.clock.alarms == ()

    # XB states its intention to lift: not before XA's window closes.
    pair.advance(30 * DAY)
    notified = pair.xb_step("intend_lift", reason="No evidence received (UNCAC 55(7)).")
    closes = notified.record.steps[-1].at + 14 * DAY
    assert notified.clock.ends_at == closes
    assert pair.same_on_both("lift_notified") == ["order", "review", "intend_lift"]
    with pytest.raises(IllegalTransitionError):
        pair.xb_step("lift", reason="too early")
    pair.advance(13 * DAY)
    assert practice.sweep(pair.xb.ctx) == 0
    pair.advance(DAY + timedelta(minutes=1))
    assert practice.sweep(pair.xb.ctx) == 1
    relay(pair.xb)
    assert pair.same_on_both("lift_open")[-1] == "close_comment_window"
    assert pair.views()[0].record.steps[-1].at == closes
    # Too late for XA to argue.
    with pytest.raises(IllegalTransitionError):
        pair.xa_step("argue_continuation", arguments="The trial starts next month.")
    pair.xb_step("lift", reason="XA did not argue for continuation within 14 days.")
    assert pair.same_on_both("lifted") == [
        "order", "review", "intend_lift", "close_comment_window", "lift",
    ]  # fmt: skip
    pair.audited(5)


def test_a_foreign_confiscation_order_is_given_effect_and_executed(
    nodes: dict[str, FedNode],
) -> None:
    pair = StatePair(nodes, "confiscation", example_confiscation_fields("XA"))
    now = pair.clock.now().isoformat()
    pair.xb_step(
        "give_effect", foreign_order_ref="CC-2026-2231", decision_ref="XB-EXEQ-2026-4",
        ordered_at=now, order_finality="final", third_parties="notified",
    )  # fmt: skip
    assert pair.same_on_both("order_made") == ["give_effect"]
    executed = pair.xb_step(
        "execute", value_realised_cents=108432155, currency="EUR", executed_at=now
    )
    assert executed.record.state == "executed" and executed.available == ()
    assert pair.same_on_both("executed") == ["give_effect", "execute"]
    pair.audited(2)


def test_assets_are_returned_on_the_signed_statement_and_acknowledged(
    nodes: dict[str, FedNode],
) -> None:
    pair = StatePair(nodes, "asset_return", example_asset_return_fields("XA"))
    for to in (Status.REGISTERED, Status.UNDER_ASSESSMENT, Status.ACCEPTED):
        requests.process(
            pair.xb.ctx, actor=pair.xb.people["executor"],
            command=MoveRequest(pair.xb_id, to, "", {}),
        )  # fmt: skip
    relay(pair.xb)
    pair.xb_step("register", register_ref="XB-REG-2026-5", assets=1)
    pair.xb_step(
        "decide_disposal", disposition="return_to_requesting_state",
        reason="Returned so that XA compensates the victims (UNCAC 57(3)(c)).",
    )  # fmt: skip
    # XB's node computes, signs and sends the statement; the life cycle records its digest.
    issued = asset_statements.issue_statement(
        pair.xb.ctx, actor=pair.xb.people["executor"], request_id=pair.xb_id,
        register=ISSUE_EXAMPLE,
    )  # fmt: skip
    relay(pair.xb)
    pair.xb_step(
        "issue_statement", statement_sha256=issued.stored.sha256, statement_id=issued.stored.id
    )
    (received,) = asset_statements.statements(
        pair.xa.ctx, actor=pair.xa.people["drafter"], request_id=pair.xa_id
    )
    on_xa = pair.views()[0]
    assert on_xa.record.steps[-1].value("statement_sha256") == received.sha256
    # The net of the issue's example: 1,000,000.00 less 37,512.40 of expenses.
    pair.xb_step("transfer", amount_cents=96248760, currency="EUR", transfer_ref="SWIFT-77")
    with pytest.raises(PermissionDeniedError):
        pair.xb_step("acknowledge_receipt")
    pair.xa_step("acknowledge_receipt", receipt_ref="XA-TREASURY-9")
    assert pair.same_on_both("returned") == [
        "register", "decide_disposal", "issue_statement", "transfer", "acknowledge_receipt",
    ]  # fmt: skip
    pair.audited(5)
