"""The 24/7 point's roster and the escalation of an emergency nobody acknowledged in time
(issue 8 item 1): the duty officer on shift is alerted on arrival; when the profile's target
(one hour) passes, the backup and the supervisor on shift are, once, with an audit leaf."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from comity.domain.commands import AddUser
from comity.domain.errors import InvalidFieldsError, PermissionDeniedError
from comity.domain.notifications import NotificationChannel
from comity.domain.roster import ShiftRole
from comity.domain.values import Role
from comity.services import escalation, exchange, inbox, roster, users
from comity.services.notification_ports import NotifyKit
from tests.federation_harness import PASSWORD, FedNode
from tests.integration.test_web_desk import emergency


class MovableClock:
    """The real clock, moved forward by ``offset`` when a test says time has passed."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def xb(nodes: dict[str, FedNode]) -> tuple[FedNode, MovableClock]:
    """XB with a movable clock, alerts to one duty address, and a roster: the duty officer
    on shift, a backup and a supervisor, each with an address."""
    node = nodes["XB"]
    clock = MovableClock()
    node.container.services = replace(
        node.ctx, clock=clock, notify=NotifyKit(duty_emails=("desk@xb.example",))
    )
    for name, roles in (("backup", {Role.DUTY_OFFICER}), ("chief", {Role.APPROVER})):
        users.add_user(
            node.ctx,
            command=AddUser(name, PASSWORD, frozenset(roles), authority_code="poc247"),
        )
    admin = users.add_user(node.ctx, command=AddUser("root", PASSWORD, frozenset({Role.ADMIN})))
    start = clock.now() - timedelta(hours=1)
    for username, role in (
        ("duty", ShiftRole.DUTY),
        ("backup", ShiftRole.BACKUP),
        ("chief", ShiftRole.SUPERVISOR),
    ):
        roster.add_shift(
            node.ctx,
            actor=admin,
            username=username,
            role=role,
            starts_at=start,
            ends_at=start + timedelta(hours=12),
            contact=f"{username}@xb.example",
            handover_note="Two preservations pending." if username == "duty" else "",
        )
    return node, clock


def _recipients(node: FedNode, request_id: str) -> list[str]:
    with node.ctx.uow() as uow:
        return sorted(
            n.recipient
            for n in uow.notifications.for_request(request_id)
            if n.channel is NotificationChannel.EMAIL
        )


def test_the_duty_officer_is_alerted_then_the_backup_and_supervisor_after_the_target(
    nodes: dict[str, FedNode], xb: tuple[FedNode, MovableClock]
) -> None:
    node, clock = xb
    _, copy_id, _ = emergency(nodes)
    assert _recipients(node, copy_id) == ["desk@xb.example", "duty@xb.example"]
    clock.offset = timedelta(minutes=59)
    assert escalation.escalate_due(node.ctx) == 0
    clock.offset = timedelta(minutes=61)
    assert escalation.escalate_due(node.ctx) == 1
    assert _recipients(node, copy_id) == [
        "backup@xb.example",
        "chief@xb.example",
        "desk@xb.example",
        "desk@xb.example",
        "duty@xb.example",
    ]
    # Once: the next pass escalates nothing more.
    assert escalation.escalate_due(node.ctx) == 0
    with node.ctx.uow() as uow:
        tags = [leaf.tag for leaf in uow.ledger.leaves_of_request(copy_id)]
        assert uow.rosters.escalated(copy_id)
    assert "request:emergency:escalated" in tags


def test_an_acknowledged_emergency_is_not_escalated(
    nodes: dict[str, FedNode], xb: tuple[FedNode, MovableClock]
) -> None:
    node, clock = xb
    _, copy_id, _ = emergency(nodes)
    duty = node.people["duty"]
    items = inbox.inbox(node.ctx, actor=duty)
    assert any(item.waiting_acknowledgement for item in items)
    exchange.acknowledge(node.ctx, actor=duty, request_id=copy_id)
    clock.offset = timedelta(hours=3)
    assert escalation.escalate_due(node.ctx) == 0


def test_only_the_points_duty_officers_or_an_admin_manage_its_roster(
    xb: tuple[FedNode, MovableClock],
) -> None:
    node, clock = xb
    now = clock.now()
    with pytest.raises(PermissionDeniedError):
        roster.add_shift(
            node.ctx,
            actor=node.people["drafter"],
            username="duty",
            role=ShiftRole.DUTY,
            starts_at=now,
            ends_at=now + timedelta(hours=8),
        )
    with pytest.raises(InvalidFieldsError):
        roster.add_shift(
            node.ctx,
            actor=node.people["duty"],
            username="chief",  # not a duty officer: supervisor only
            role=ShiftRole.BACKUP,
            starts_at=now,
            ends_at=now + timedelta(hours=8),
        )
    added = roster.add_shift(
        node.ctx,
        actor=node.people["duty"],
        username="backup",
        role=ShiftRole.DUTY,
        starts_at=now + timedelta(hours=12),
        ends_at=now + timedelta(hours=20),
    )
    listed = roster.roster(
        node.ctx, actor=node.people["duty"], start=now, end=now + timedelta(days=1)
    )
    assert added.id in [shift.id for shift in listed] and len(listed) == 4
    assert next(s.user_id for s in roster.on_duty_now(node.ctx, added.authority_id)) == (
        node.people["duty"].id
    )
    roster.remove_shift(node.ctx, actor=node.people["duty"], shift_id=added.id)
    assert (
        len(
            roster.roster(
                node.ctx, actor=node.people["duty"], start=now, end=now + timedelta(days=1)
            )
        )
        == 3
    )
