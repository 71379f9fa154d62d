"""Every way to tamper with a node's stored audit log is found by recomputing it (L-04, L-05),
and the first bad leaf is named. Runs on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, delete, select, update

from comity.bootstrap import Container
from comity.domain.commands import AddUser
from comity.domain.errors import AuditIntegrityError
from comity.domain.events import SignInFailed
from comity.domain.ledger.merkle import Frontier, leaf_hash
from comity.domain.values import Role
from comity.services import users
from comity.services.ledger_verify import verify_log
from comity.store.tables import audit_checkpoint, audit_head, audit_leaf, audit_node

PASSWORD = "correct horse battery"


def _fill(container: Container, count: int) -> None:
    for number in range(count):
        users.add_user(
            container.services,
            command=AddUser(f"user{number}", PASSWORD, frozenset({Role.DRAFTER})),
        )


def _verify(container: Container) -> None:
    with container.services.uow() as uow:
        verify_log(uow.ledger)


def _leaf_text(connection: Connection, index: int) -> str:
    return str(
        connection.execute(
            select(audit_leaf.c.leaf).where(audit_leaf.c.leaf_index == index)
        ).scalar_one()
    )


def _rebuild_tree(connection: Connection) -> None:
    """What an intruder who knows the format does after editing leaves: recompute every
    node and the head from the leaves as they now are, so that the tree agrees with them."""
    connection.execute(delete(audit_node))
    frontier = Frontier()
    texts = connection.execute(
        select(audit_leaf.c.leaf).order_by(audit_leaf.c.leaf_index)
    ).scalars()
    for text in texts:
        for (level, index), digest in frontier.append(leaf_hash(text.encode())):
            connection.execute(audit_node.insert().values(level=level, idx=index, hash=digest))
    connection.execute(
        update(audit_head).values(
            size=frontier.size,
            frontier=[h.hex() for h in frontier.hashes],
            root=frontier.root().hex(),
        )
    )


def _change_details(connection: Connection) -> None:
    connection.execute(
        update(audit_leaf).where(audit_leaf.c.leaf_index == 5).values(details={"roles": ["admin"]})
    )


def _change_text(connection: Connection) -> None:
    text = _leaf_text(connection, 5).replace('"drafter"', '"admin"')
    connection.execute(update(audit_leaf).where(audit_leaf.c.leaf_index == 5).values(leaf=text))


def _delete_row(connection: Connection) -> None:
    connection.execute(delete(audit_leaf).where(audit_leaf.c.leaf_index == 5))


def _delete_last_rows(connection: Connection) -> None:
    size = connection.execute(select(audit_head.c.size)).scalar_one()
    connection.execute(delete(audit_leaf).where(audit_leaf.c.leaf_index >= size - 2))


def _swap_rows(connection: Connection) -> None:
    five, six = _leaf_text(connection, 5), _leaf_text(connection, 6)
    connection.execute(update(audit_leaf).where(audit_leaf.c.leaf_index == 5).values(leaf=six))
    connection.execute(update(audit_leaf).where(audit_leaf.c.leaf_index == 6).values(leaf=five))


def _insert_row(connection: Connection) -> None:
    row = (
        connection.execute(select(audit_leaf).where(audit_leaf.c.leaf_index == 5)).mappings().one()
    )
    size = connection.execute(select(audit_head.c.size)).scalar_one()
    connection.execute(audit_leaf.insert().values({**row, "leaf_index": size}))


def _change_node(connection: Connection) -> None:
    connection.execute(
        update(audit_node)
        .where(audit_node.c.level == 1, audit_node.c.idx == 2)
        .values(hash=b"\x00" * 32)
    )


TAMPERING: dict[str, tuple[Callable[[Connection], None], str]] = {
    "a leaf's columns changed": (_change_details, "leaf 5"),
    "a leaf's text changed": (_change_text, "leaf 5"),
    "a leaf deleted": (_delete_row, "leaf 5 is missing"),
    "the last leaves deleted": (_delete_last_rows, "removed"),
    "two leaves swapped": (_swap_rows, "leaf 5"),
    "a leaf inserted": (_insert_row, "leaf 5"),
    "a tree node changed": (_change_node, "leaf 4"),
}


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_every_tampering_of_a_row_is_found_and_the_first_bad_leaf_named(
    container: Container, name: str
) -> None:
    _fill(container, 12)
    _verify(container)
    tamper, named = TAMPERING[name]
    with container.engine.begin() as connection:
        tamper(connection)
    with pytest.raises(AuditIntegrityError) as caught:
        _verify(container)
    assert named in caught.value.detail, caught.value.detail


def test_a_rebuilt_tree_still_fails_against_the_checkpoint_signed_before(
    container: Container,
) -> None:
    _fill(container, 12)
    with container.services.uow() as uow:
        head = uow.ledger.head()
    # A checkpoint as the node signs it; only its size and root matter to the recomputation.
    with container.engine.begin() as connection:
        connection.execute(
            audit_checkpoint.insert().values(
                size=head.size,
                root=head.root.hex(),
                signed_at=container.services.clock.now(),
                note="(signed note)",
            )
        )
    _verify(container)
    with container.engine.begin() as connection:
        _change_text(connection)
        connection.execute(
            update(audit_leaf)
            .where(audit_leaf.c.leaf_index == 5)
            .values(details={"roles": ["admin"]})
        )
        _rebuild_tree(connection)
    with pytest.raises(AuditIntegrityError) as caught:
        _verify(container)
    assert "checkpoint of that size" in caught.value.detail
    assert f"from 0 to {head.size - 1}" in caught.value.detail


def test_a_rollback_below_a_signed_checkpoint_is_found(container: Container) -> None:
    _fill(container, 12)
    with container.services.uow() as uow:
        head = uow.ledger.head()
    with container.engine.begin() as connection:
        connection.execute(
            audit_checkpoint.insert().values(
                size=head.size,
                root=head.root.hex(),
                signed_at=container.services.clock.now(),
                note="(signed note)",
            )
        )
        connection.execute(delete(audit_leaf).where(audit_leaf.c.leaf_index >= head.size - 3))
        _rebuild_tree(connection)
    with pytest.raises(AuditIntegrityError) as caught:
        _verify(container)
    assert "older backup" in caught.value.detail


def test_an_untouched_log_verifies_and_its_head_matches(container: Container) -> None:
    _fill(container, 40)
    with container.services.uow() as uow:
        report = verify_log(uow.ledger)
        head = uow.ledger.head()
    assert report.size == head.size >= 40
    assert report.root == head.root


def test_node_lookups_of_any_size_find_every_node(container: Container) -> None:
    """An export asks for thousands of nodes at once: they come back in batches, all of them."""
    now = container.services.clock.now()
    with container.services.uow() as uow:
        uow.record(*(SignInFailed("nobody", now, f"attempt-{n}") for n in range(1500)))
        uow.commit()
    with container.services.uow() as uow:
        size = uow.ledger.head().size
        wanted = {(0, index) for index in range(size)} | {(1, index) for index in range(size // 2)}
        found = uow.ledger.nodes(wanted | {(0, size + 5)})
        assert set(found) == wanted
        assert found[(0, 7)] == leaf_hash(next(iter(uow.ledger.leaves(7, 8))).text.encode())
