"""The store and services against real databases: concurrent edits, the audit chain, tokens."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from comity.bootstrap import Container
from comity.domain.access import User
from comity.domain.commands import AddUser, CreateDraft, EditDraft, RecordIncoming
from comity.domain.errors import (
    AuthenticationError,
    ConcurrencyError,
    InvalidFieldsError,
    TypeNotAvailableError,
    UnknownAuthorityError,
)
from comity.domain.ledger.leaves import parse_leaf
from comity.domain.ledger.merkle import leaf_hash, root_of
from comity.domain.values import Channel, Role, Urgency
from comity.services import node, requests, users
from comity.services.ports import PasswordHasher
from comity.store.tables import audit_leaf
from comity.store.uow import SQLAlchemyUnitOfWork

PASSWORD = "correct horse battery"


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def test_a_stale_copy_cannot_overwrite_a_newer_save(container: Container) -> None:
    ctx = container.services
    drafter = users.add_user(ctx, command=AddUser("ana", PASSWORD, frozenset({Role.DRAFTER})))
    view = requests.create_draft(ctx, actor=drafter, command=CreateDraft("mla", "XB"))
    with ctx.uow() as uow:
        stale = uow.requests.get(view.request.id)
    with ctx.uow() as uow:
        fresh = uow.requests.get(view.request.id)
        assert fresh is not None
        fresh.fields["purpose"] = "mine"
        uow.requests.save(fresh)
        uow.commit()
    assert stale is not None
    stale.fields["purpose"] = "theirs"
    with ctx.uow() as uow, pytest.raises(ConcurrencyError):
        uow.requests.save(stale)
    stored = requests.get(ctx, actor=drafter, request_id=view.request.id).request
    assert stored.fields["purpose"] == "mine" and stored.version == 1


def test_concurrent_officers_never_get_a_server_error(container: Container) -> None:
    ctx = container.services
    drafter = users.add_user(ctx, command=AddUser("ana", PASSWORD, frozenset({Role.DRAFTER})))
    shared = requests.create_draft(ctx, actor=drafter, command=CreateDraft("mla", "XB")).request.id
    outcomes: list[str] = []

    def work(worker: int) -> None:
        for step in range(5):
            own = requests.create_draft(ctx, actor=drafter, command=CreateDraft("mla", "XB"))
            patch = {"purpose": f"worker {worker} step {step}"}
            requests.edit_draft(ctx, actor=drafter, command=EditDraft(own.request.id, patch))
            try:
                requests.edit_draft(
                    ctx, actor=drafter, command=EditDraft(shared, patch, expected_version=step)
                )
                outcomes.append("saved")
            except ConcurrencyError:
                outcomes.append("conflict")

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(work, worker) for worker in range(4)]:
            future.result()
    assert len(outcomes) == 20 and "saved" in outcomes
    final = requests.get(ctx, actor=drafter, request_id=shared).request
    assert final.version == outcomes.count("saved")


def test_audit_leaves_are_gap_free_canonical_and_make_the_heads_tree(container: Container) -> None:
    ctx = container.services
    drafter = users.add_user(ctx, command=AddUser("ana", PASSWORD, frozenset({Role.DRAFTER})))
    view = requests.create_draft(ctx, actor=drafter, command=CreateDraft("mla", "XB"))
    requests.edit_draft(
        ctx, actor=drafter, command=EditDraft(view.request.id, fields_patch={"language": "en"})
    )
    with container.engine.connect() as connection:
        rows = (
            connection.execute(select(audit_leaf).order_by(audit_leaf.c.leaf_index))
            .mappings()
            .all()
        )
    assert [row["tag"] for row in rows][-3:] == [
        "user:account:created",
        "request:draft:created",
        "request:content:edited",
    ]
    # Gap-free, each leaf's text its canonical form, and the tree over them is the head's.
    assert [row["leaf_index"] for row in rows] == list(range(len(rows)))
    assert all(parse_leaf(row["leaf"]).text() == row["leaf"] for row in rows)
    assert rows[-1]["request_id"] == view.request.id
    with container.services.uow() as uow:
        head = uow.ledger.head()
    assert head.size == len(rows)
    assert head.root == root_of([leaf_hash(row["leaf"].encode()) for row in rows])


def test_a_uow_left_without_commit_rolls_back(container: Container) -> None:
    ctx = container.services
    authority = node.authorities(ctx)[0]
    with ctx.uow() as uow:
        assert isinstance(uow, SQLAlchemyUnitOfWork)
        ghost = User("u1", "ghost", authority.id, frozenset({Role.DPO}))
        uow.users.add(ghost, "hash", datetime.now(UTC))
        assert uow.users.get("u1") == ghost
    assert users.list_users(ctx) == []


def test_tokens_expire_after_their_lifetime(container: Container) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    ctx = replace(container.services, clock=clock)
    users.add_user(ctx, command=AddUser("ana", PASSWORD, frozenset({Role.DRAFTER})))
    issued = users.sign_in(ctx, username="ana", password=PASSWORD)
    assert users.authenticate(ctx, token=issued.access_token).username == "ana"
    clock.current += timedelta(hours=8, seconds=1)
    with pytest.raises(AuthenticationError):
        users.authenticate(ctx, token=issued.access_token)


def test_header_changes_are_checked_like_new_drafts(container: Container) -> None:
    ctx = container.services
    drafter = users.add_user(ctx, command=AddUser("ana", PASSWORD, frozenset({Role.DRAFTER})))
    covert = requests.create_draft(
        ctx, actor=drafter, command=CreateDraft("covert_investigation", "XB")
    )
    with pytest.raises(TypeNotAvailableError):
        requests.edit_draft(
            ctx,
            actor=drafter,
            command=EditDraft(covert.request.id, header={"profile": "uncc-2024"}),
        )
    with pytest.raises(InvalidFieldsError):
        requests.edit_draft(
            ctx,
            actor=drafter,
            command=EditDraft(covert.request.id, header={"requested_state": "XA"}),
        )
    moved = requests.edit_draft(
        ctx,
        actor=drafter,
        command=EditDraft(
            covert.request.id, header={"profile": "budapest", "requested_state": "XC"}
        ),
    )
    assert moved.request.profile == "budapest" and moved.request.requested_state == "XC"
    # Under the Budapest profile covert techniques exist only by treaty, which must be cited.
    assert "fields.legal_basis" in {issue.path for issue in moved.missing}


def test_incoming_requests_must_name_one_of_the_nodes_authorities(container: Container) -> None:
    with pytest.raises(UnknownAuthorityError):
        requests.record_incoming(
            container.services,
            command=RecordIncoming(
                "mla",
                "XB",
                "nobody",
                "ahc-2022-proposal",
                Urgency.ROUTINE,
                Channel.CENTRAL_AUTHORITY,
                {},
            ),
            actor_id="system",
        )


def test_users_without_case_roles_list_nothing(container: Container) -> None:
    ctx = container.services
    admin = users.add_user(ctx, command=AddUser("root", PASSWORD, frozenset({Role.ADMIN})))
    when = datetime(2030, 1, 1, tzinfo=UTC)
    assert requests.deadlines_due(ctx, actor=admin, before=when) == []


@pytest.mark.parametrize(
    ("username", "roles", "path"),
    [(" ", {Role.DPO}, "username"), ("x" * 65, {Role.DPO}, "username"), ("ok", set(), "roles")],
)
def test_accounts_need_a_name_and_a_role(
    container: Container, username: str, roles: set[Role], path: str
) -> None:
    with pytest.raises(InvalidFieldsError) as caught:
        users.add_user(container.services, command=AddUser(username, PASSWORD, frozenset(roles)))
    assert [issue.path for issue in caught.value.issues] == [path]


class CountingHasher:
    """Wraps the real hasher and counts the expensive calls."""

    def __init__(self, inner: PasswordHasher) -> None:
        self.inner, self.expensive = inner, 0

    def hash(self, password: str) -> str:
        return self.inner.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        self.expensive += 1
        return self.inner.verify(hashed, password)

    def verify_nothing(self, password: str) -> None:
        self.expensive += 1
        self.inner.verify_nothing(password)


def test_unknown_names_cost_one_verification_like_wrong_passwords(container: Container) -> None:
    hasher = CountingHasher(container.services.hasher)
    ctx = replace(container.services, hasher=hasher)
    users.add_user(ctx, command=AddUser("ana", PASSWORD, frozenset({Role.DRAFTER})))
    for name in ("ana", "nobody"):
        hasher.expensive = 0
        with pytest.raises(AuthenticationError):
            users.sign_in(ctx, username=name, password="wrong password!")
        assert hasher.expensive == 1, name
