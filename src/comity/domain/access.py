"""Who may see and do what: users, their authority, their roles (architecture §1).

A request belongs to an authority of this node. Users see only their own authority's
requests; anything else is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from comity.domain.errors import NotFoundError, PermissionDeniedError
from comity.domain.values import AuthorityKind, Role, Side


@dataclass(frozen=True)
class Authority:
    """An authority of this node's State: central authority, 24/7 point of contact, court…"""

    id: str
    state: str
    code: str
    name: str
    kind: AuthorityKind
    time_zone: str = "UTC"


@dataclass(frozen=True)
class User:
    """A person with an account on this node, acting for one authority."""

    id: str
    username: str
    authority_id: str
    roles: frozenset[Role]
    active: bool = True

    def has(self, *roles: Role) -> bool:
        """True if the user holds at least one of ``roles``."""
        return bool(self.roles.intersection(roles))


class Action(StrEnum):
    """Things a user can try to do with a request."""

    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    WITHDRAW = "withdraw"
    PROCESS = "process"
    # Sending the approved request to the requested State.
    SEND = "send"
    # The requesting side's later steps: supplying information, the formal original, closing.
    FOLLOW_UP = "follow_up"
    # A duty officer taking charge of a request that came through the 24/7 path.
    ACKNOWLEDGE = "acknowledge"
    # Sealing evidence and sending it to the other State of the request.
    SEND_EVIDENCE = "send_evidence"
    # Downloading or opening evidence a request carries, as a decrypted stream.
    OPEN_EVIDENCE = "open_evidence"


# Roles that work on case files; an administrator manages accounts, not cases.
CASE_ROLES = (Role.DRAFTER, Role.APPROVER, Role.EXECUTOR, Role.DUTY_OFFICER, Role.DPO)

_ACTION_ROLES: dict[Action, tuple[tuple[Role, ...], Side | None]] = {
    Action.VIEW: (CASE_ROLES, None),
    Action.CREATE: ((Role.DRAFTER,), Side.REQUESTING),
    Action.EDIT: ((Role.DRAFTER,), Side.REQUESTING),
    Action.SUBMIT: ((Role.DRAFTER,), Side.REQUESTING),
    Action.APPROVE: ((Role.APPROVER,), Side.REQUESTING),
    Action.WITHDRAW: ((Role.DRAFTER, Role.APPROVER), Side.REQUESTING),
    Action.PROCESS: ((Role.EXECUTOR, Role.DUTY_OFFICER), Side.REQUESTED),
    Action.SEND: ((Role.APPROVER,), Side.REQUESTING),
    Action.FOLLOW_UP: ((Role.DRAFTER, Role.APPROVER), Side.REQUESTING),
    Action.ACKNOWLEDGE: ((Role.DUTY_OFFICER,), Side.REQUESTED),
    # Either State may send evidence under a request: the requested one its results, the
    # requesting one supporting material. The DPO supervises; it does not read evidence.
    Action.SEND_EVIDENCE: (
        (Role.DRAFTER, Role.APPROVER, Role.EXECUTOR, Role.DUTY_OFFICER),
        None,
    ),
    Action.OPEN_EVIDENCE: (
        (Role.DRAFTER, Role.APPROVER, Role.EXECUTOR, Role.DUTY_OFFICER),
        None,
    ),
}


def can_see(user: User, authority_id: str) -> bool:
    """True if ``user`` may know that a request of ``authority_id`` exists."""
    return user.active and user.authority_id == authority_id and user.has(*CASE_ROLES)


def require(user: User, action: Action, *, authority_id: str, side: Side) -> None:
    """Raise unless ``user`` may perform ``action`` on a request of that authority and side.

    Invisible requests raise ``NotFoundError`` (anti-enumeration); visible ones the user may
    not act on raise ``PermissionDeniedError``.
    """
    # Creating concerns no existing request, so there is nothing whose existence could leak.
    if action is not Action.CREATE and not can_see(user, authority_id):
        raise NotFoundError("no such request")
    if not user.active or user.authority_id != authority_id:
        raise PermissionDeniedError("users act only for their own authority")
    roles, needed_side = _ACTION_ROLES[action]
    if not user.has(*roles):
        wanted = " or ".join(roles)
        raise PermissionDeniedError(f"{action} needs the role {wanted}")
    if needed_side is not None and side is not needed_side:
        raise PermissionDeniedError(f"{action} applies only to {needed_side} requests")
