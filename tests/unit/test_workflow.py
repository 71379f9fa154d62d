"""The whole transition table: every legal pair passes, every other pair is refused."""

from __future__ import annotations

import itertools

import pytest

from comity.domain.errors import IllegalTransitionError, ReasonRequiredError
from comity.domain.values import Side
from comity.domain.workflow import (
    INITIAL,
    REASONED,
    REMOTE_ONLY,
    REQUESTED,
    REQUESTING,
    TABLES,
    Status,
    allowed_next,
    check_local_step,
    check_transition,
    is_open,
)

PAIRS = list(itertools.product(Side, Status, Status))


def _needs_reason(current: Status, target: Status) -> bool:
    return target in REASONED or (current is Status.AWAITING_APPROVAL and target is Status.DRAFT)


@pytest.mark.parametrize(("side", "current", "target"), PAIRS)
def test_every_pair_is_legal_exactly_when_the_table_says_so(
    side: Side, current: Status, target: Status
) -> None:
    legal = target in TABLES[side].get(current, frozenset())
    if legal:
        check_transition(side, current, target, "because")
    else:
        with pytest.raises(IllegalTransitionError):
            check_transition(side, current, target, "because")


@pytest.mark.parametrize(
    ("side", "current", "target"),
    [
        (side, current, target)
        for side, table in TABLES.items()
        for current, targets in table.items()
        for target in sorted(targets)
        if _needs_reason(current, target)
    ],
)
def test_refusals_postponements_conditions_withdrawals_and_send_backs_need_reasons(
    side: Side, current: Status, target: Status
) -> None:
    with pytest.raises(ReasonRequiredError):
        check_transition(side, current, target, "   ")
    check_transition(side, current, target, "written reasons")


def test_the_requesting_side_starts_at_draft_and_cannot_skip_approval() -> None:
    assert INITIAL[Side.REQUESTING] is Status.DRAFT
    assert Status.SENT not in allowed_next(Side.REQUESTING, Status.DRAFT)
    assert Status.SENT not in allowed_next(Side.REQUESTING, Status.AWAITING_APPROVAL)
    assert Status.SENT in allowed_next(Side.REQUESTING, Status.APPROVED)


def test_the_requested_side_starts_at_received_and_registers_before_deciding() -> None:
    assert INITIAL[Side.REQUESTED] is Status.RECEIVED
    assert allowed_next(Side.REQUESTED, Status.RECEIVED) == {Status.REGISTERED, Status.WITHDRAWN}
    assert Status.REFUSED in allowed_next(Side.REQUESTED, Status.UNDER_ASSESSMENT)
    assert Status.INFO_SUPPLIED in allowed_next(Side.REQUESTED, Status.MORE_INFO_REQUESTED)
    assert Status.UNDER_ASSESSMENT in allowed_next(Side.REQUESTED, Status.INFO_SUPPLIED)


def _reachable(table: dict[Status, frozenset[Status]] | object, start: Status) -> set[Status]:
    assert isinstance(table, dict)
    reached, frontier = {start}, [start]
    while frontier:
        for target in table[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    return reached


def test_every_status_of_a_side_is_reachable_from_its_start_and_can_reach_closed() -> None:
    for side, table in TABLES.items():
        assert _reachable(table, INITIAL[side]) == set(table), side
        for status in table:
            assert Status.CLOSED in _reachable(table, status), (side, status)


def test_only_the_requested_side_has_registration_and_only_the_requesting_side_drafts() -> None:
    assert Status.DRAFT not in REQUESTED and Status.RECEIVED not in REQUESTING
    assert allowed_next(Side.REQUESTED, Status.DRAFT) == frozenset()


def test_ended_statuses_are_not_open() -> None:
    for status in (
        Status.CLOSED,
        Status.WITHDRAWN,
        Status.REFUSED,
        Status.EXPIRED,
        Status.EXECUTED,
    ):
        assert not is_open(status)
    assert is_open(Status.IN_EXECUTION) and is_open(Status.DRAFT)
    assert REQUESTING[Status.CLOSED] == frozenset() == REQUESTED[Status.CLOSED]


def test_only_the_other_state_withdraws_or_supplies_information_on_a_received_copy() -> None:
    for target in (Status.WITHDRAWN, Status.INFO_SUPPLIED):
        assert target in REMOTE_ONLY[Side.REQUESTED]
        with pytest.raises(IllegalTransitionError, match="only when the other State"):
            check_local_step(Side.REQUESTED, target, exchanged=True)
        # A request recorded by hand has no node behind it: its officer records the step.
        check_local_step(Side.REQUESTED, target, exchanged=False)
    check_local_step(Side.REQUESTED, Status.REGISTERED, exchanged=True)
    # The requesting State withdraws its own request.
    check_local_step(Side.REQUESTING, Status.WITHDRAWN, exchanged=True)
