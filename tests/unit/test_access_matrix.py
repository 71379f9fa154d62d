"""The access matrix says what the access rules and the workflow say: 404 outside the user's
scope, 403 for a role or side that may not act, 409 with the workflow's code for a status that
does not allow the step, and it prints as one table."""

from __future__ import annotations

from comity.domain.access_matrix import (
    OPERATION,
    OPERATIONS,
    Cell,
    Expected,
    Outcome,
    Relation,
    cells,
    expected,
    object_states,
    render,
)
from comity.domain.values import Role, Side
from comity.domain.workflow import TABLES, Status, allowed_next

R, S = Role, Status
REQUESTING, REQUESTED = Side.REQUESTING, Side.REQUESTED


def outcome(
    role: Role,
    side: Side,
    status: Status | None,
    operation: str,
    relation: Relation = Relation.OWN,
) -> Expected:
    return expected(Cell(role, relation, side, status, OPERATION[operation]))


def test_a_draft_is_edited_by_its_authoritys_drafter_only_and_only_while_a_draft() -> None:
    assert outcome(R.DRAFTER, REQUESTING, S.DRAFT, "edit") == Expected(Outcome.ALLOWED)
    assert outcome(R.APPROVER, REQUESTING, S.DRAFT, "edit") == Expected(
        Outcome.FORBIDDEN, "FORBIDDEN"
    )
    assert outcome(R.DRAFTER, REQUESTING, S.SENT, "edit") == Expected(
        Outcome.CONFLICT, "REQUEST_NOT_EDITABLE"
    )
    assert outcome(R.DRAFTER, REQUESTING, S.DRAFT, "edit", Relation.OTHER) == Expected(
        Outcome.NOT_FOUND, "NOT_FOUND"
    )
    # A received request is the other State's: nobody here edits it.
    assert outcome(R.DRAFTER, REQUESTED, S.RECEIVED, "edit").code == "FORBIDDEN"


def test_steps_follow_the_transition_table_of_their_side() -> None:
    assert outcome(R.EXECUTOR, REQUESTED, S.RECEIVED, "register").outcome is Outcome.ALLOWED
    assert outcome(R.DUTY_OFFICER, REQUESTED, S.RECEIVED, "register").outcome is Outcome.ALLOWED
    assert outcome(R.EXECUTOR, REQUESTED, S.CLOSED, "register") == Expected(
        Outcome.CONFLICT, "ILLEGAL_TRANSITION"
    )
    # The side is checked before the status: a requesting-side request is never processed.
    assert outcome(R.EXECUTOR, REQUESTING, S.CLOSED, "register").code == "FORBIDDEN"
    assert outcome(R.APPROVER, REQUESTING, S.AWAITING_APPROVAL, "approve").outcome is (
        Outcome.ALLOWED
    )
    assert outcome(R.APPROVER, REQUESTING, S.DRAFT, "approve").code == "ILLEGAL_TRANSITION"
    assert outcome(R.APPROVER, REQUESTING, S.APPROVED, "send").outcome is Outcome.ALLOWED
    assert outcome(R.DRAFTER, REQUESTING, S.EXECUTED, "close").outcome is Outcome.ALLOWED
    assert outcome(R.DRAFTER, REQUESTING, S.SENT, "close").code == "ILLEGAL_TRANSITION"


def test_nobody_outside_the_authority_or_without_a_case_role_learns_a_request_exists() -> None:
    for cell in cells():
        if cell.status is None:
            continue
        hidden = cell.relation is Relation.OTHER or cell.role in (R.AUDITOR, R.ADMIN)
        assert (expected(cell).outcome is Outcome.NOT_FOUND) is hidden, cell.label


def test_creation_concerns_no_request_and_is_the_drafters() -> None:
    created = {cell.role: expected(cell) for cell in cells() if cell.status is None}
    assert created.pop(R.DRAFTER) == Expected(Outcome.ALLOWED)
    assert set(created) == set(Role) - {R.DRAFTER}
    assert all(found == Expected(Outcome.FORBIDDEN, "FORBIDDEN") for found in created.values())


def test_every_step_allowed_is_one_the_table_has_and_every_conflict_one_it_lacks() -> None:
    for cell in cells():
        target, found = cell.operation.moves_to, expected(cell)
        if target is None or cell.status is None:
            continue
        if found.outcome is Outcome.ALLOWED:
            assert target in allowed_next(cell.side, cell.status), cell.label
        if found.code == "ILLEGAL_TRANSITION":
            # Refused by the table, or from a status other than the one the step starts from.
            only = cell.operation.only_from
            assert target not in allowed_next(cell.side, cell.status) or (
                only is not None and cell.status is not only
            ), cell.label


def test_a_request_is_sent_only_from_approved_even_where_the_table_returns_it_to_sent() -> None:
    send = OPERATION["send"]
    for status in (Status.APPROVED, Status.MORE_INFO_REQUESTED):
        cell = Cell(Role.APPROVER, Relation.OWN, Side.REQUESTING, status, send)
        assert Status.SENT in allowed_next(Side.REQUESTING, status)
        allowed = expected(cell).outcome is Outcome.ALLOWED
        assert allowed is (status is Status.APPROVED)


def test_the_matrix_covers_every_role_relation_status_and_operation() -> None:
    states = list(object_states())
    assert len(states) == sum(len(table) for table in TABLES.values())
    on_requests = [operation for operation in OPERATIONS if operation.on_request]
    every = list(cells())
    assert len(every) == len(Role) * (len(Relation) * len(states) * len(on_requests) + 1)
    assert len({cell.label for cell in every}) == len(every)
    assert every[0].label == "drafter/own/requesting/-/create"


def test_the_matrix_prints_as_a_table_with_a_column_per_role() -> None:
    table = render().splitlines()
    header = [name.strip() for name in table[0].split("|")]
    assert header == ["relation", "side", "status", "operation", *(str(role) for role in Role)]
    rows = [line for line in table[2:] if line.split("|")[3].strip() == "edit"]
    draft = next(row for row in rows if "| requesting | draft " in row and row.startswith("own"))
    assert [part.strip() for part in draft.split("|")][4:] == [
        "allowed",
        *["FORBIDDEN"] * 4,
        *["NOT_FOUND"] * 2,
    ]
    few = render(cells(roles=[R.EXECUTOR], operations=[OPERATION["register"]])).splitlines()
    assert few[0].split("|")[-1].strip() == "executor"
    assert len(few) == 2 + len(Relation) * len(list(object_states()))
