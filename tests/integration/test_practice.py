"""Practice life cycles between two States' nodes (issue 8, decision 0009): a preservation
ordered and confirmed by XB's 24/7 point, extended at XA's request, then expired by XB's
clock — every step mirrored on XA's copy through signed messages and audited on both; and a
provisional arrest whose 18-day alarm and 40-day release come from the clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from comity.domain.access import User
from comity.domain.commands import RecordIncoming
from comity.domain.errors import IllegalTransitionError, PermissionDeniedError, ReasonRequiredError
from comity.domain.values import Channel, Urgency
from comity.services import exchange, node, practice, requests
from comity.services.demo import example_preservation_fields
from tests.federation_harness import FedNode, sign_and_install
from tests.integration.test_federation import approved, relay, the_copy


class MovableClock:
    """The real clock, moved forward by ``offset`` when a test says time has passed."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def _preservation(xa: FedNode) -> str:
    """An approved emergency preservation XA → XB (its id)."""
    return approved(
        xa,
        type_code="preservation",
        **example_preservation_fields("XA"),
        emergency_facts="A gang threatens to publish hospital records tomorrow.",
        emergency_nexus="The logs identify the server the gang uses.",
    )


def _directory_valid_for(nodes: dict[str, FedNode], validity: timedelta) -> None:
    now = datetime.now(UTC)
    root = nodes["XA"].settings.data_dir.parent
    states = {state: n.settings for state, n in nodes.items()}
    sign_and_install(root, states, sequence=2, issued_at=now, next_update=now + validity)


def _steps(node: FedNode, request_id: str) -> list[str]:
    return [
        step.code
        for step in practice.view(node.ctx, actor=_viewer(node), request_id=request_id).record.steps
    ]


def _viewer(node: FedNode) -> User:
    return node.people["duty"] if node.state == "XB" else node.people["drafter"]


def test_a_preservation_lives_its_life_cycle_on_both_nodes(nodes: dict[str, FedNode]) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    # One clock for both States: time passes for both (their signatures check each other's).
    clock = MovableClock()
    for each in (xa, xb):
        each.container.services = replace(each.ctx, clock=clock)
    request_id = _preservation(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    copy = the_copy(xb, request_id)
    duty = xb.people["duty"]

    # XB's 24/7 point orders the preservation and returns the provider's confirmation.
    practice.take_step(
        xb.ctx,
        actor=duty,
        request_id=copy.id,
        step_code="order",
        values={"provider": "Example Hosting Ltd", "order_ref": "PO-7/2026"},
    )
    confirmed = practice.take_step(
        xb.ctx,
        actor=duty,
        request_id=copy.id,
        step_code="confirm",
        values={"confirmation_ref": "C-1"},
    )
    assert confirmed.record.state == "preserved"
    expires = confirmed.clock.ends_at
    assert expires is not None
    assert expires - confirmed.record.steps[-1].at == timedelta(days=60)
    # The expiry and its reminders are on the 24/7 point's deadlines (dashboard, desk).
    with xb.ctx.uow() as uow:
        due = uow.deadlines.due_before(
            authority_id=copy.authority_id, when=expires + timedelta(days=1), limit=50
        )
    assert ("preservation.expiry", expires) in [(d.code, d.due_at) for d in due]
    # The requesting State cannot take the requested State's steps.
    with pytest.raises(PermissionDeniedError):
        practice.take_step(
            xa.ctx,
            actor=xa.people["drafter"],
            request_id=request_id,
            step_code="order",
            values={"provider": "Example Hosting Ltd", "order_ref": "X"},
        )
    relay(xb)
    assert _steps(xa, request_id) == ["order", "confirm"]
    mirrored = practice.view(xa.ctx, actor=xa.people["drafter"], request_id=request_id)
    assert mirrored.record.state == "preserved" and mirrored.clock.ends_at == expires
    assert [r.code for r in mirrored.available] == ["request_extension", "withdraw"]
    first_reminder = next(text for _, text in mirrored.clock.reminders)
    assert first_reminder.startswith("Preservation expires in 14 days")

    # XA asks for an extension (with reasons); XB grants it: 60 more days.
    with pytest.raises(ReasonRequiredError):
        practice.take_step(
            xa.ctx, actor=xa.people["drafter"], request_id=request_id, step_code="request_extension"
        )
    practice.take_step(
        xa.ctx,
        actor=xa.people["drafter"],
        request_id=request_id,
        step_code="request_extension",
        values={"reason": "The formal MLA request is being translated."},
    )
    relay(xa)
    granted = practice.take_step(
        xb.ctx, actor=duty, request_id=copy.id, step_code="grant_extension"
    )
    assert granted.clock.ends_at == expires + timedelta(days=60)
    relay(xb)

    # 121 days later XB's clock releases the data; XA's copy says so too. (The operator has
    # published a directory valid that long: a stale one would hold every message.)
    _directory_valid_for(nodes, timedelta(days=200))
    clock.offset = timedelta(days=121)
    assert practice.sweep(xb.ctx) == 1
    assert practice.sweep(xb.ctx) == 0
    released = practice.view(xb.ctx, actor=duty, request_id=copy.id)
    assert released.record.state == "released" and released.record.steps[-1].code == "expire"
    relay(xb)
    assert _steps(xa, request_id)[-1] == "expire"
    with pytest.raises(IllegalTransitionError):
        practice.take_step(
            xa.ctx,
            actor=xa.people["drafter"],
            request_id=request_id,
            step_code="withdraw",
            values={"reason": "too late"},
        )
    for state, rid in (("XA", request_id), ("XB", copy.id)):
        with nodes[state].ctx.uow() as uow:
            tags = [leaf.tag for leaf in uow.ledger.leaves_of_request(rid)]
        assert tags.count("request:practice:stepped") == 5, state


def test_a_follow_up_request_holds_the_preservation(nodes: dict[str, FedNode]) -> None:
    xa, xb = nodes["XA"], nodes["XB"]
    clock = MovableClock()
    xb.container.services = replace(xb.ctx, clock=clock)
    request_id = _preservation(xa)
    exchange.send(xa.ctx, actor=xa.people["approver"], request_id=request_id)
    relay(xa)
    copy = the_copy(xb, request_id)
    duty = xb.people["duty"]
    practice.take_step(
        xb.ctx, actor=duty, request_id=copy.id, step_code="order",
        values={"provider": "Example Hosting Ltd", "order_ref": "PO-8"},
    )  # fmt: skip
    practice.take_step(
        xb.ctx,
        actor=duty,
        request_id=copy.id,
        step_code="confirm",
        values={"confirmation_ref": "C-2"},
    )
    # The formal request for disclosure arrives at XB's central authority, naming it.
    central = next(a for a in node.authorities(xb.ctx) if a.code == "central")
    requests.record_incoming(
        xb.ctx,
        command=RecordIncoming(
            type_code="stored_data",
            requesting_state="XA",
            authority_id=central.id,
            profile=copy.profile,
            urgency=Urgency.URGENT,
            channel=Channel.CENTRAL_AUTHORITY,
            fields={"preservation_ref": copy.reference},
        ),
        actor_id=xb.people["executor"].id,
    )
    clock.offset = timedelta(days=1)
    assert practice.sweep(xb.ctx) == 1
    held = practice.view(xb.ctx, actor=duty, request_id=copy.id)
    assert held.record.state == "held" and held.clock.ends_at is None
    clock.offset = timedelta(days=200)
    assert practice.sweep(xb.ctx) == 0  # still held: no expiry while the follow-up is pending


def test_a_provisional_arrest_raises_its_alarm_and_falls_due_for_release(
    nodes: dict[str, FedNode],
) -> None:
    xb = nodes["XB"]
    clock = MovableClock()
    xb.container.services = replace(xb.ctx, clock=clock)
    central = next(a for a in node.authorities(xb.ctx) if a.code == "central")
    executor = xb.people["executor"]
    made = requests.record_incoming(
        xb.ctx,
        command=RecordIncoming(
            type_code="provisional_arrest",
            requesting_state="XA",
            authority_id=central.id,
            profile="ahc-2022-proposal",
            urgency=Urgency.URGENT,
            channel=Channel.INTERPOL,
            fields={},
        ),
        actor_id=executor.id,
    )
    arrested = clock.now() - timedelta(minutes=5)
    practice.take_step(
        xb.ctx,
        actor=executor,
        request_id=made.request.id,
        step_code="arrest",
        values={"arrested_at": arrested.isoformat()},
    )
    clock.offset = timedelta(days=17)
    assert practice.view(xb.ctx, actor=executor, request_id=made.request.id).clock.alarms == ()
    clock.offset = timedelta(days=18)
    alarms = practice.view(xb.ctx, actor=executor, request_id=made.request.id).clock.alarms
    assert [(alarm.code, alarm.level) for alarm in alarms] == [
        ("provisional_arrest.review", "warning")
    ]
    assert practice.sweep(xb.ctx) == 0
    clock.offset = timedelta(days=40)
    assert practice.sweep(xb.ctx) == 1
    due = practice.view(xb.ctx, actor=executor, request_id=made.request.id)
    assert due.record.state == "release_due"
    assert due.clock.ends_at == arrested + timedelta(days=40)
    assert [r.code for r in due.available] == ["release"]
