"""The extradition life cycle between two States' nodes (type card T01; issue 8): XB decides
per offence, grants, plans and carries out the surrender; XA records the final discharge and
XB's clock ends the speciality protection 45 days later (ECE 14(1)(b)). A national's
extradition refused and referred to XB's prosecutors, whose report XA awaits 180 days
(UNTOC 16(10); BC 24(6)). A surrender date missed: the 15-day warning and the 30-day release
(ECE 18(4)). Every step is mirrored on the other State's copy and audited on both."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from comity.cli.walks.extradition import example_extradition_fields
from comity.domain.commands import CreateDraft
from comity.domain.errors import (
    BlockingFindingsError,
    IllegalTransitionError,
    PermissionDeniedError,
)
from comity.domain.practice.lifecycle import Value
from comity.services import exchange, practice, requests
from tests.federation_harness import FedNode, sign_and_install
from tests.integration.test_federation import relay, the_copy
from tests.integration.test_practice import MovableClock


def _shared_clock(nodes: dict[str, FedNode]) -> MovableClock:
    clock = MovableClock()
    for each in nodes.values():
        each.container.services = replace(each.ctx, clock=clock)
    # The operator publishes a directory valid for the year the test moves through.
    _directory_valid_for(nodes, timedelta(days=400))
    return clock


def _sent(nodes: dict[str, FedNode], nationality: str = "XA") -> tuple[str, str]:
    """An extradition request approved on XA and received on XB: (XA's id, XB's id)."""
    xa, xb = nodes["XA"], nodes["XB"]
    drafter = xa.people["drafter"]
    fields = example_extradition_fields("XA", nationality)
    made = requests.create_draft(
        xa.ctx, actor=drafter, command=CreateDraft(type_code="extradition", requested_state="XB",
                                                   fields=fields),
    )  # fmt: skip
    request_id = made.request.id
    requests.submit(xa.ctx, actor=drafter, request_id=request_id)
    # The test network's directory publishes no penalty table for XB, so the engine cannot see
    # that XB punishes computer fraud (dual criminality): the approver overrides, with reasons.
    with pytest.raises(BlockingFindingsError, match="DUAL_CRIMINALITY_NOT_MET"):
        requests.approve(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    requests.approve(
        xa.ctx, actor=xa.people["approver"], request_id=request_id,
        override_justification="XB punishes computer fraud: Criminal Code of XB art. 231.",
    )  # fmt: skip
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    return request_id, the_copy(xb, request_id).id


def _xb(xb: FedNode, copy_id: str, code: str, **values: Value) -> practice.PracticeView:
    return practice.take_step(
        xb.ctx, actor=xb.people["executor"], request_id=copy_id, step_code=code, values=values
    )


def _xa(xa: FedNode, request_id: str, code: str, **values: Value) -> practice.PracticeView:
    return practice.take_step(
        xa.ctx, actor=xa.people["drafter"], request_id=request_id, step_code=code, values=values
    )


def _record(node: FedNode, request_id: str) -> tuple[str, list[str]]:
    actor = node.people["executor"] if node.state == "XB" else node.people["drafter"]
    record = practice.view(node.ctx, actor=actor, request_id=request_id).record
    return record.state, [step.code for step in record.steps]


def _audited(node: FedNode, request_id: str) -> int:
    with node.ctx.uow() as uow:
        tags = [leaf.tag for leaf in uow.ledger.leaves_of_request(request_id)]
    return tags.count("request:practice:stepped")


def _directory_valid_for(nodes: dict[str, FedNode], validity: timedelta) -> None:
    """A directory valid that long: a stale one would hold every message."""
    now = datetime.now(UTC)
    root = nodes["XA"].settings.data_dir.parent
    states = {state: n.settings for state, n in nodes.items()}
    sign_and_install(root, states, sequence=2, issued_at=now, next_update=now + validity)


def test_an_extradition_is_granted_surrendered_and_its_speciality_lapses(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    clock = _shared_clock(nodes)
    request_id, copy_id = _sent(nodes)

    _xb(xb, copy_id, "examine", court="Court of Appeal of XB")
    # No overall grant before an offence is granted (ECE 18(2)).
    with pytest.raises(IllegalTransitionError):
        _xb(xb, copy_id, "grant")
    _xb(xb, copy_id, "grant_offence", offence="Computer-related fraud")
    _xb(xb, copy_id, "grant", decision_ref="CA-2026-17")
    appointed = clock.now() + timedelta(days=10)
    planned = _xb(
        xb, copy_id, "plan_surrender", date=appointed.isoformat(),
        place="International airport of XB", escorts="Two officers of XA's police",
    )  # fmt: skip
    assert planned.record.state == "surrender_planned"
    assert planned.clock.ends_at == appointed + timedelta(days=30)
    relay(xb)
    assert _record(xa, request_id)[0] == "surrender_planned"
    # The requesting State cannot take the requested State's steps.
    with pytest.raises(PermissionDeniedError):
        _xa(xa, request_id, "surrender", surrendered_at=appointed.isoformat())
    clock.offset = timedelta(days=10)
    _xb(xb, copy_id, "surrender", surrendered_at=clock.now().isoformat())
    relay(xb)
    assert _record(xa, request_id)[0] == "surrendered"

    # Consent for another offence, then the final discharge recorded by XA.
    _xa(xa, request_id, "request_consent", offence="Theft in 2025", purpose="prosecution")
    relay(xa)
    _xb(xb, copy_id, "grant_consent", offence="Theft in 2025")
    relay(xb)
    clock.offset = timedelta(days=200)
    discharged_at = clock.now()
    discharged = _xa(xa, request_id, "discharge", discharged_at=discharged_at.isoformat())
    assert discharged.clock.ends_at == discharged_at + timedelta(days=45)
    relay(xa)
    assert _record(xb, copy_id)[0] == "discharged"

    # XB's clock ends the protection 45 days after the discharge; XA's copy follows.
    clock.offset = timedelta(days=244)
    assert practice.sweep(xb.ctx) == 0
    assert practice.sweep(xa.ctx) == 0  # XA does not run this clock
    clock.offset = timedelta(days=246)
    assert practice.sweep(xb.ctx) == 1
    assert practice.sweep(xb.ctx) == 0
    relay(xb)
    steps = [
        "examine", "grant_offence", "grant", "plan_surrender", "surrender", "request_consent",
        "grant_consent", "discharge", "speciality_lapsed",
    ]  # fmt: skip
    assert _record(xb, copy_id) == ("speciality_ended", steps)
    assert _record(xa, request_id) == ("speciality_ended", steps)
    lapsed = practice.view(xa.ctx, actor=xa.people["drafter"], request_id=request_id)
    assert lapsed.record.steps[-1].at == discharged_at + timedelta(days=45)
    assert lapsed.available == ()
    assert _audited(xa, request_id) == len(steps)
    assert _audited(xb, copy_id) == len(steps)


def test_a_nationals_extradition_is_refused_and_referred_with_a_report_back(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    clock = _shared_clock(nodes)
    request_id, copy_id = _sent(nodes, nationality="XB")
    _xb(xb, copy_id, "examine")
    referred = _xb(
        xb, copy_id, "refuse_nationality", prosecutors="Prosecutor General of XB",
        consulted=True, reason="The person is a national of XB (ECE 6(1)(a)).",
    )  # fmt: skip
    due = referred.record.steps[-1].at + timedelta(days=180)
    assert referred.record.state == "referred" and referred.clock.ends_at == due
    with xb.ctx.uow() as uow:
        deadlines = uow.deadlines.due_before(
            authority_id=referred.request.authority_id, when=due + timedelta(days=1), limit=50
        )
    assert ("extradition.report_back", due) in [(d.code, d.due_at) for d in deadlines]
    relay(xb)
    _xa(xa, request_id, "supply_evidence", evidence="Bank records of the mule accounts")
    relay(xa)

    clock.offset = timedelta(days=179)
    assert (
        practice.view(xa.ctx, actor=xa.people["drafter"], request_id=request_id).clock.alarms == ()
    )
    clock.offset = timedelta(days=181)
    alarms = practice.view(xa.ctx, actor=xa.people["drafter"], request_id=request_id).clock.alarms
    assert [(a.code, a.level) for a in alarms] == [("extradition.report_back", "warning")]
    assert practice.sweep(xb.ctx) == 0  # the report is XB's to make, not the clock's
    reported = _xb(
        xb, copy_id, "report_back", outcome="convicted",
        details="Convicted of computer fraud; 4 years' imprisonment.",
    )  # fmt: skip
    assert reported.record.state == "reported" and reported.clock.alarms == ()
    relay(xb)
    steps = ["examine", "refuse_nationality", "supply_evidence", "report_back"]
    assert _record(xa, request_id) == ("reported", steps)
    assert _record(xb, copy_id) == ("reported", steps)
    assert _audited(xa, request_id) == _audited(xb, copy_id) == len(steps)


def test_a_missed_surrender_warns_at_15_days_and_release_falls_due_at_30(
    nodes: dict[str, FedNode],
) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    clock = _shared_clock(nodes)
    request_id, copy_id = _sent(nodes)
    _xb(xb, copy_id, "examine")
    _xb(xb, copy_id, "grant_offence", offence="Computer-related fraud")
    _xb(xb, copy_id, "grant")
    appointed = clock.now() + timedelta(days=5)
    _xb(xb, copy_id, "plan_surrender", date=appointed.isoformat(), place="Border post 3",
        escorts="XA police")  # fmt: skip
    relay(xb)
    executor = xb.people["executor"]

    clock.offset = timedelta(days=5 + 14)
    assert practice.view(xb.ctx, actor=executor, request_id=copy_id).clock.alarms == ()
    clock.offset = timedelta(days=5 + 15, minutes=1)
    alarms = practice.view(xb.ctx, actor=executor, request_id=copy_id).clock.alarms
    assert [(a.code, a.level) for a in alarms] == [("extradition.surrender_release", "warning")]
    assert practice.sweep(xb.ctx) == 0
    clock.offset = timedelta(days=5 + 30, minutes=1)
    assert practice.sweep(xb.ctx) == 1
    due = practice.view(xb.ctx, actor=executor, request_id=copy_id)
    assert due.record.state == "release_due"
    assert due.record.steps[-1].at == appointed + timedelta(days=30)
    assert [(a.code, a.level) for a in due.clock.alarms] == [
        ("extradition.surrender_release", "warning"),
        ("extradition.surrender_limit", "critical"),
    ]
    assert [r.code for r in due.available] == ["release"]
    relay(xb)
    assert _record(xa, request_id)[0] == "release_due"
    _xb(xb, copy_id, "release", reason="Not taken over within 30 days of the date (ECE 18(4)).")
    relay(xb)
    steps = ["examine", "grant_offence", "grant", "plan_surrender", "release_due", "release"]
    assert _record(xa, request_id) == ("released", steps)
    assert _record(xb, copy_id) == ("released", steps)
