"""Spontaneous information, civil and administrative assistance and 24/7 technical advice
between two States' nodes (type cards T13, T27; legal.md §5 N247-09): each life cycle walked
to its end across XA and XB, every step mirrored on the other State's copy through signed
messages and audited on both nodes, the conditions that bind XB shown once it accepts them,
and the technical advice's 24-hour answer clock driven by a moved clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comity.cli.walks.civil_admin import example_civil_admin_fields
from comity.cli.walks.spontaneous_information import example_spontaneous_information_fields
from comity.cli.walks.technical_advice import example_technical_advice_fields
from comity.domain.errors import IllegalTransitionError, PermissionDeniedError
from comity.domain.practice import spontaneous
from comity.domain.values import Channel
from comity.services import practice, requests
from tests.federation_harness import FedNode
from tests.integration.test_federation import the_copy
from tests.practice_pair import StatePair

HOUR = timedelta(hours=1)


def _complete(node: FedNode, request_id: str) -> None:
    """The request's completeness check finds no missing mandatory field."""
    view = requests.get(node.ctx, actor=node.people["drafter"], request_id=request_id)
    assert view.missing == (), view.missing


def test_spontaneous_information_binds_xb_once_it_accepts_the_conditions(
    nodes: dict[str, FedNode],
) -> None:
    fields = example_spontaneous_information_fields("XA")
    walk = StatePair(nodes, "spontaneous_information", fields)
    _complete(walk.xa, walk.xa_id)
    on_xa, on_xb = walk.views()
    assert on_xa.record.state == on_xb.record.state == "offered"
    assert spontaneous.binding_conditions(on_xb.record, on_xb.request.fields) is None
    # The conditions XA asked for travel with the information; XA cannot accept them itself.
    asked = spontaneous.asked_conditions(on_xb.record, on_xb.request.fields)
    assert asked == spontaneous.Conditions(
        True, "Intelligence only; ask before using it as evidence."
    )
    with pytest.raises(PermissionDeniedError):
        walk.xa_step("accept_conditions")

    accepted = walk.xb_step("accept_conditions")
    assert spontaneous.binding_conditions(accepted.record, accepted.request.fields) == asked
    assert walk.same_on_both("bound") == ["accept_conditions"]
    bound_on_xa = walk.views()[0]
    assert spontaneous.binding_conditions(bound_on_xa.record, bound_on_xa.request.fields) == asked
    assert [r.code for r in bound_on_xa.available] == ["request_consultation", "close"]

    walk.xb_step(
        "notify_exculpatory_disclosure",
        material="The transfer record showing one account holder was abroad",
        proceedings="Trial of an account holder, District Court of XB",
    )
    walk.xa_step("request_consultation", points="Leave out the bank's internal references.")
    walk.xb_step("report_use", use="Investigation FC-2026-88 opened; four accounts frozen.")
    walk.xb_step("close")
    assert walk.same_on_both("closed") == [
        "accept_conditions",
        "notify_exculpatory_disclosure",
        "request_consultation",
        "report_use",
        "close",
    ]
    closed = walk.views()[1]
    assert spontaneous.binding_conditions(closed.record, closed.request.fields) == asked
    with pytest.raises(IllegalTransitionError):
        walk.xb_step("report_use", use="too late")
    walk.audited(5)


def test_xa_sends_the_information_anyway_when_xb_cannot_comply(
    nodes: dict[str, FedNode],
) -> None:
    walk = StatePair(nodes, "spontaneous_information", example_spontaneous_information_fields("XA"))
    walk.xb_step("cannot_comply", reason="Our courts must see every piece of evidence.")
    assert walk.same_on_both("cannot_comply") == ["cannot_comply"]
    walk.xa_step("send_anyway_without_conditions")
    sent = walk.views()[1]
    assert spontaneous.binding_conditions(sent.record, sent.request.fields) is None
    walk.xa_step("close")
    assert walk.same_on_both("closed") == ["cannot_comply", "send_anyway_without_conditions",
                                           "close"]  # fmt: skip
    walk.audited(3)


def test_civil_admin_assistance_is_admitted_executed_and_returned(
    nodes: dict[str, FedNode],
) -> None:
    walk = StatePair(nodes, "civil_admin_assistance", example_civil_admin_fields("XA"))
    _complete(walk.xa, walk.xa_id)
    with pytest.raises(PermissionDeniedError):
        walk.xa_step(
            "confirm_admissible",
            proceedings_kind="administrative",
            offence_link="x",
            legal_person_liability=True,
        )
    walk.xb_step(
        "confirm_admissible",
        proceedings_kind="administrative",
        offence_link="The leaked data were used in the phishing fraud.",
        legal_person_liability=True,
    )
    admitted = walk.views()[0]
    assert admitted.record.state == "admitted"
    assert [r.code for r in admitted.available] == ["withdraw"]
    walk.xb_step("execute", measures_taken="Production order served; incident log obtained.")
    walk.xb_step("return_result", result="Certified copies of 14 documents", result_ref="OUT-77")
    assert walk.same_on_both("completed") == ["confirm_admissible", "execute", "return_result"]
    with pytest.raises(IllegalTransitionError):
        walk.xa_step("withdraw", reason="too late")
    walk.audited(3)


def test_technical_advice_is_answered_within_24_hours_or_the_clock_warns(
    nodes: dict[str, FedNode],
) -> None:
    walk = StatePair(
        nodes, "technical_advice", example_technical_advice_fields("XA"), officer="duty"
    )
    _complete(walk.xa, walk.xa_id)
    # Sent through the 24/7 network, it reaches XB's point of contact and its duty officer.
    copy = the_copy(walk.xb, walk.xa_id)
    assert copy.channel is Channel.NETWORK_24_7
    acknowledged = walk.xb_step("acknowledge")
    due = acknowledged.record.steps[-1].at + 24 * HOUR
    assert acknowledged.clock.ends_at == due
    with walk.xb.ctx.uow() as uow:
        listed = uow.deadlines.due_before(authority_id=copy.authority_id, when=due + HOUR, limit=50)
    assert ("technical_advice.answer", due) in [(d.code, d.due_at) for d in listed]
    assert walk.same_on_both("acknowledged") == ["acknowledge"]
    assert walk.views()[0].clock.ends_at == due

    # 23 hours on: no alarm; 25 hours on: both States see the warning.
    walk.clock.offset = 23 * HOUR
    assert walk.views()[1].clock.alarms == ()
    walk.clock.offset = 25 * HOUR
    for view in walk.views():
        assert [(a.code, a.level, a.due_at) for a in view.clock.alarms] == [
            ("technical_advice.answer", "warning", due)
        ]
    # A warning, not a limit: the clock takes no step.
    assert practice.sweep(walk.xb.ctx) == 0

    answered = walk.xb_step(
        "answer",
        answer="Connection logs are kept for 6 months; name the account and period.",
        references="Electronic Communications Act s. 41",
    )
    assert answered.clock.alarms == () and answered.clock.ends_at is None
    asked_again = walk.xa_step("follow_up", question="Does the order need a judge's signature?")
    assert asked_again.clock.ends_at == asked_again.record.steps[-1].at + 24 * HOUR
    walk.clock.offset = 26 * HOUR
    walk.xb_step("answer", answer="No: a prosecutor's order suffices for preservation.")
    walk.xa_step("close")
    assert walk.same_on_both("closed") == [
        "acknowledge",
        "answer",
        "follow_up",
        "answer",
        "close",
    ]
    walk.audited(5)
