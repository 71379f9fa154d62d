"""Who may see and do what, per role, authority and side."""

from __future__ import annotations

import pytest

from comity.domain.access import Action, can_see, require
from comity.domain.errors import NotFoundError, PermissionDeniedError
from comity.domain.values import Role, Side
from tests.builders import a_user

ALLOWED = {
    # Auditors read the audit log, never case content.
    (Action.VIEW, Side.REQUESTING): set(Role) - {Role.ADMIN, Role.AUDITOR},
    (Action.VIEW, Side.REQUESTED): set(Role) - {Role.ADMIN, Role.AUDITOR},
    (Action.CREATE, Side.REQUESTING): {Role.DRAFTER},
    (Action.EDIT, Side.REQUESTING): {Role.DRAFTER},
    (Action.SUBMIT, Side.REQUESTING): {Role.DRAFTER},
    (Action.APPROVE, Side.REQUESTING): {Role.APPROVER},
    (Action.WITHDRAW, Side.REQUESTING): {Role.DRAFTER, Role.APPROVER},
    (Action.PROCESS, Side.REQUESTED): {Role.EXECUTOR, Role.DUTY_OFFICER},
    (Action.SEND, Side.REQUESTING): {Role.APPROVER},
    (Action.FOLLOW_UP, Side.REQUESTING): {Role.DRAFTER, Role.APPROVER},
    (Action.ACKNOWLEDGE, Side.REQUESTED): {Role.DUTY_OFFICER},
    **{
        (action, side): {Role.DRAFTER, Role.APPROVER, Role.EXECUTOR, Role.DUTY_OFFICER}
        for action in (Action.SEND_EVIDENCE, Action.OPEN_EVIDENCE)
        for side in Side
    },
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("side", list(Side))
def test_the_role_matrix(role: Role, action: Action, side: Side) -> None:
    user = a_user("u", role, authority_id="A")
    allowed = role in ALLOWED.get((action, side), set())
    if allowed:
        require(user, action, authority_id="A", side=side)
    elif role in (Role.ADMIN, Role.AUDITOR) and action is not Action.CREATE:
        # An administrator manages accounts and an auditor reads the audit log; case files
        # stay invisible to both.
        with pytest.raises(NotFoundError):
            require(user, action, authority_id="A", side=side)
    else:
        with pytest.raises(PermissionDeniedError):
            require(user, action, authority_id="A", side=side)


@pytest.mark.parametrize("role", list(Role))
def test_another_authoritys_requests_are_not_found_for_every_role(role: Role) -> None:
    user = a_user("u", role, authority_id="A")
    assert not can_see(user, "B")
    with pytest.raises(NotFoundError):
        require(user, Action.VIEW, authority_id="B", side=Side.REQUESTING)


def test_a_deactivated_user_sees_nothing() -> None:
    user = a_user("u", Role.DRAFTER, authority_id="A")
    inactive = type(user)(user.id, user.username, user.authority_id, user.roles, active=False)
    assert can_see(user, "A") and not can_see(inactive, "A")


def test_creating_for_another_authority_or_while_inactive_is_forbidden() -> None:
    user = a_user("u", Role.DRAFTER, authority_id="A")
    with pytest.raises(PermissionDeniedError):
        require(user, Action.CREATE, authority_id="B", side=Side.REQUESTING)
    inactive = type(user)(user.id, user.username, user.authority_id, user.roles, active=False)
    with pytest.raises(PermissionDeniedError):
        require(inactive, Action.CREATE, authority_id="A", side=Side.REQUESTING)
