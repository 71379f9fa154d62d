"""The access matrix: every cell (role, relation to the request's authority, object state,
operation) with the outcome the node must give, in one printable table (plan §6 A-01, A-05).

Nothing here is a second copy of the rules. Each cell asks ``access.require`` (the roles of
each action, the sides they apply to, the anti-enumeration rule) as a user of that role would,
then the workflow's transition table whether the operation's step is possible from the
request's status. The order is the services' order: first whether the user may know the
request exists (404 outside scope, plan §8 decision 1), then whether the role may act on it
(403), then whether its status allows the step (409, the workflow's own error code).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from comity.domain.access import Action, User, require
from comity.domain.errors import (
    DomainError,
    IllegalTransitionError,
    NotEditableError,
    NotFoundError,
    PermissionDeniedError,
)
from comity.domain.requests import SENT_ONLY_FROM
from comity.domain.values import Role, Side
from comity.domain.workflow import INITIAL, TABLES, Status, allowed_next


class Relation(StrEnum):
    """How the user's authority relates to the request's authority (both on this node)."""

    OWN = "own"
    OTHER = "other"


class Outcome(StrEnum):
    """What the node answers: done, refused for the role, hidden, or impossible now."""

    ALLOWED = "allowed"
    # The user may know the request exists, but the role or side does not allow the action.
    FORBIDDEN = "forbidden"
    # Outside the user's scope: answered as if the request did not exist.
    NOT_FOUND = "not_found"
    # Allowed for the role, but not in the request's status.
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Expected:
    """A cell's outcome and the stable error code a refusal carries (empty when allowed)."""

    outcome: Outcome
    code: str = ""

    def __str__(self) -> str:
        return self.code or str(self.outcome)


@dataclass(frozen=True)
class Operation:
    """One thing an officer can ask of the node about a request.

    ``moves_to`` is the status the step takes the request to (the transition table decides
    whether it may); ``only_from`` the one status the step starts from, where the aggregate
    narrows the table (sending); ``drafts_only`` marks changes allowed only before the
    request's first step (editing); ``on_request`` is False for creation, which concerns no
    existing request.
    """

    name: str
    action: Action
    moves_to: Status | None = None
    drafts_only: bool = False
    on_request: bool = True
    only_from: Status | None = None


# Every operation the walk calls, on the API and on the pages. The requested side's steps are
# those that need no decision detail (refusals, postponements and partial acceptances carry
# grounds, dates and items, which their own tests cover).
OPERATIONS: tuple[Operation, ...] = (
    Operation("create", Action.CREATE, on_request=False),
    Operation("view", Action.VIEW),
    Operation("edit", Action.EDIT, drafts_only=True),
    Operation("submit", Action.SUBMIT, Status.AWAITING_APPROVAL),
    Operation("approve", Action.APPROVE, Status.APPROVED),
    Operation("return", Action.APPROVE, Status.DRAFT),
    Operation("send", Action.SEND, Status.SENT, only_from=SENT_ONLY_FROM),
    Operation("withdraw", Action.WITHDRAW, Status.WITHDRAWN),
    Operation("supply_information", Action.FOLLOW_UP, Status.SENT),
    Operation("accept_conditions", Action.FOLLOW_UP, Status.ACCEPTED),
    Operation("close", Action.FOLLOW_UP, Status.CLOSED),
    Operation("acknowledge", Action.ACKNOWLEDGE),
    Operation("register", Action.PROCESS, Status.REGISTERED),
    Operation("assess", Action.PROCESS, Status.UNDER_ASSESSMENT),
    Operation("ask_information", Action.PROCESS, Status.MORE_INFO_REQUESTED),
    Operation("accept", Action.PROCESS, Status.ACCEPTED),
    Operation("execute", Action.PROCESS, Status.IN_EXECUTION),
    Operation("executed", Action.PROCESS, Status.EXECUTED),
    Operation("close_received", Action.PROCESS, Status.CLOSED),
)

OPERATION: dict[str, Operation] = {operation.name: operation for operation in OPERATIONS}


@dataclass(frozen=True)
class Cell:
    """One combination; ``status`` is None for creation, which has no request yet."""

    role: Role
    relation: Relation
    side: Side
    status: Status | None
    operation: Operation

    @property
    def label(self) -> str:
        """A short name for reports: ``drafter/own/requesting/draft/edit``."""
        status = self.status or "-"
        parts = (self.role, self.relation, self.side, status, self.operation.name)
        return "/".join(str(part) for part in parts)


# The two authorities of the derivation: any two distinct ids will do.
_OWN = "own-authority"
_OTHER = "other-authority"


def expected(cell: Cell) -> Expected:
    """The outcome the node must give for ``cell``, derived from the access rules and the
    workflow's transition table."""
    user = User(id="matrix", username="matrix", authority_id=_OWN, roles=frozenset({cell.role}))
    authority = _OWN if cell.relation is Relation.OWN else _OTHER
    try:
        require(user, cell.operation.action, authority_id=authority, side=cell.side)
    except NotFoundError as error:
        return Expected(Outcome.NOT_FOUND, error.code)
    except PermissionDeniedError as error:
        return Expected(Outcome.FORBIDDEN, error.code)
    return _by_status(cell)


def _by_status(cell: Cell) -> Expected:
    operation, status = cell.operation, cell.status
    if status is None:
        return Expected(Outcome.ALLOWED)
    # Only a request still in its side's first status is a draft its drafter may change.
    if operation.drafts_only and status is not INITIAL[cell.side]:
        return _conflict(NotEditableError)
    if operation.only_from is not None and status is not operation.only_from:
        return _conflict(IllegalTransitionError)
    if operation.moves_to is not None and operation.moves_to not in allowed_next(cell.side, status):
        return _conflict(IllegalTransitionError)
    return Expected(Outcome.ALLOWED)


def _conflict(error: type[DomainError]) -> Expected:
    return Expected(Outcome.CONFLICT, error.code)


def object_states() -> Iterator[tuple[Side, Status]]:
    """Every status a request can have on each side, in the transition tables' order."""
    for side, table in TABLES.items():
        for status in table:
            yield side, status


def cells(
    roles: Iterable[Role] = tuple(Role), operations: Iterable[Operation] = OPERATIONS
) -> Iterator[Cell]:
    """Every cell: each role, relation, side and status, and each operation; creation once
    per role (it concerns the user's own authority and a request not made yet)."""
    roles, operations = tuple(roles), tuple(operations)
    for operation in operations:
        for role in roles:
            if not operation.on_request:
                yield Cell(role, Relation.OWN, Side.REQUESTING, None, operation)
                continue
            for relation in Relation:
                for side, status in object_states():
                    yield Cell(role, relation, side, status, operation)


def render(selected: Iterable[Cell] | None = None) -> str:
    """The matrix as a text table: one row per (relation, side, status, operation), one
    column per role; each entry is ``allowed`` or the refusal's error code."""
    chosen = list(cells() if selected is None else selected)
    roles = list(dict.fromkeys(cell.role for cell in chosen))
    rows: dict[tuple[str, str, str, str], dict[Role, str]] = {}
    for cell in chosen:
        key = (cell.relation, cell.side, cell.status or "-", cell.operation.name)
        rows.setdefault(key, {})[cell.role] = str(expected(cell))
    header = ("relation", "side", "status", "operation", *roles)
    body = [(*key, *(entries.get(role, "") for role in roles)) for key, entries in rows.items()]
    widths = [max(len(str(row[i])) for row in (header, *body)) for i in range(len(header))]
    lines = [" | ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)) for row in body]
    rule = "-+-".join("-" * w for w in widths)
    title = " | ".join(str(v).ljust(w) for v, w in zip(header, widths, strict=True))
    return "\n".join([title, rule, *(line.rstrip() for line in lines)])
