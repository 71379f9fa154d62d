"""The audit invariants the e2e scenario asserts can fail: a change committed without its
leaf is named, and a canary that reached a leaf is found."""

from __future__ import annotations

from comity.bootstrap import Container
from comity.domain.commands import AddUser
from comity.domain.events import SignInFailed
from comity.domain.values import Role
from comity.services import node, users
from comity.store.tables import user_account
from tests.ledger_invariants import audit_gaps, canaries_found


def test_a_change_without_its_leaf_is_named(container: Container) -> None:
    users.add_user(
        container.services,
        command=AddUser("ana", "a long enough secret", frozenset({Role.DRAFTER})),
    )
    assert audit_gaps(container.engine) == []
    authority = node.authorities(container.services)[0]
    with container.engine.begin() as connection:
        connection.execute(
            user_account.insert().values(
                id="ghost-user",
                username="ghost",
                password_hash="x",
                authority_id=authority.id,
                roles=["drafter"],
                active=True,
                created_at=container.services.clock.now(),
            )
        )
    assert audit_gaps(container.engine) == ["user ghost-user has no user:account:created leaf"]


def test_a_canary_in_a_leaf_is_found(container: Container) -> None:
    canary = "Zyx Canary-4711"
    assert canaries_found(container.engine, [canary]) == []
    with container.services.uow() as uow:
        uow.record(SignInFailed("nobody", container.services.clock.now(), f"name {canary}"[:64]))
        uow.commit()
    assert canaries_found(container.engine, [canary, "absent text"]) == [canary.casefold()]
