"""The access matrix walked (plan §6 A-01, A-02, A-05): every cell of
``comity.domain.access_matrix``, through the API and through the officers' pages, on real
requests in every status of both sides.

Each cell is one call as a user of one role, of the request's authority or of another
authority of the same node. The answer must be the matrix's: done; 404 outside the user's
scope; 403 on a request the user may see but not act on; 409 with the workflow's code where
the status does not allow the step. A refused call must leave the request's row, its history,
the audit log and the outbox as they were. Every wrong cell is listed, not just the first.

A-03 (mass assignment): read-only fields in a create or edit body are refused by the API and
ignored by the draft form, never applied.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from comity.domain.access_matrix import (
    OPERATION,
    OPERATIONS,
    Cell,
    Expected,
    Operation,
    Outcome,
    Relation,
    cells,
    expected,
    object_states,
)
from comity.domain.values import Role, Side
from comity.domain.workflow import Status
from comity.services import data_protection
from tests.faults.access_walk import (
    Answer,
    Api,
    Builder,
    Channel,
    Handle,
    Pages,
    Trace,
    open_pair,
    trace,
    username,
)
from tests.federation_harness import FedNode
from tests.figures import record

# The HTTP status each refusal has on both channels (the pages give the API's status).
REFUSAL_STATUS = {Outcome.FORBIDDEN: 403, Outcome.NOT_FOUND: 404, Outcome.CONFLICT: 409}

State = tuple[Side, Status]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[FedNode, FedNode]]:
    xa, xb = open_pair(tmp_path)
    try:
        yield xa, xb
    finally:
        xa.container.close()
        xb.container.close()


def _order(cell: Cell, outcome: Outcome) -> int:
    """Readings first (the requested State's first reading is its retrieval, told to the
    other State: it must not be counted against a refused call), then the refusals, then the
    steps that leave the status as it is, then those that move the request."""
    if cell.operation.name == "view":
        return 0
    if outcome is not Outcome.ALLOWED:
        return 1
    return 2 if cell.operation.moves_to is None else 3


def _plan() -> tuple[list[Cell], dict[State, list[Cell]], dict[State, int]]:
    """The creation cells, each status's cells in walking order, and how many requests of
    each status the walk needs beyond the shared one (one per step that moves it, but one)."""
    creations: list[Cell] = []
    by_state: dict[State, list[Cell]] = defaultdict(list)
    for cell in cells(operations=_operations()):
        if cell.status is None:
            creations.append(cell)
        else:
            by_state[(cell.side, cell.status)].append(cell)
    extra: dict[State, int] = {}
    for state, walked in by_state.items():
        walked.sort(key=lambda cell: _order(cell, expected(cell).outcome))
        moving = [c for c in walked if _order(c, expected(c).outcome) == 3]
        extra[state] = max(len(moving) - 1, 0)
    return creations, by_state, extra


def _changes(before: Trace, after: Trace) -> str:
    """What differs between two traces, as ``name: before -> after``."""
    return ", ".join(
        f"{name}: {getattr(before, name)} -> {getattr(after, name)}"
        for name in before.__dataclass_fields__
        if getattr(before, name) != getattr(after, name)
    )


def _check(
    channel: Channel, cell: Cell, want: Expected, answer: Answer, moved: str, done_right: bool
) -> str:
    """Why the answer is wrong for the cell, or an empty string."""
    if want.outcome is Outcome.ALLOWED:
        ok = answer.status in (200, 201, 303)
        if not ok:
            return f"wanted allowed, got {answer.status} {answer.code} {answer.text[:160]!r}"
        return "" if done_right else "answered as done but the request is not as the step says"
    status = REFUSAL_STATUS[want.outcome]
    problems = []
    if answer.status != status:
        problems.append(f"wanted {status} {want.code}, got {answer.status} {answer.text[:160]!r}")
    elif channel.name == "api" and answer.code != want.code:
        problems.append(f"wanted code {want.code}, got {answer.code}")
    if moved:
        problems.append(f"a refused call changed {moved}")
    return "; ".join(problems)


async def _walk_one(
    channel: Channel, xa: FedNode, cell: Cell, request_id: str, last: dict[str, Trace]
) -> str:
    """Walk one cell; ``last`` keeps the newest trace, which is the next call's ``before``
    when that call is about the same request (nothing else runs between two calls)."""
    want = expected(cell)
    known = await channel.prepare(cell, request_id)
    before = last.get(request_id) or trace(xa, request_id)
    answer = await channel.call(cell, request_id, known)
    after = trace(xa, request_id)
    last.clear()
    last[request_id] = after
    moved = _changes(before, after)
    target = cell.operation.moves_to
    if cell.operation.name == "create":
        done_right = after.requests == before.requests + 1
    elif target is not None:
        done_right = after.status == str(target) and after.history > before.history
    else:
        done_right = True
    return _check(channel, cell, want, answer, moved, done_right)


def _operations() -> tuple[Operation, ...]:
    """The operations walked: all by default; ``COMITY_ACCESS_OPERATIONS=edit,accept`` for a
    few (while working on one of them)."""
    chosen = os.environ.get("COMITY_ACCESS_OPERATIONS", "")
    names = [name.strip() for name in chosen.split(",") if name.strip()]
    return tuple(OPERATION[name] for name in names) if names else OPERATIONS


def _channels() -> tuple[str, ...]:
    """The channels walked: both by default; ``COMITY_ACCESS_CHANNELS=api`` for one."""
    chosen = os.environ.get("COMITY_ACCESS_CHANNELS", "api,pages").split(",")
    return tuple(name.strip() for name in chosen if name.strip())


async def _walk(
    channel: Channel,
    xa: FedNode,
    creations: list[Cell],
    by_state: dict[State, list[Cell]],
    handles: dict[State, list[Handle]],
) -> tuple[int, list[str]]:
    """Walk every cell through ``channel``; how many, and the wrong ones."""
    wrong: list[str] = []
    walked = 0
    last: dict[str, Trace] = {}
    for relation in Relation:
        for role in Role:
            await channel.sign_in(username(role, relation))
    try:
        for cell in creations:
            reason = await _walk_one(channel, xa, cell, "-", last)
            walked += 1
            if reason:
                wrong.append(f"{channel.name} {cell.label}: {reason}")
        for state, walked_cells in by_state.items():
            spare = list(handles[state])
            shared = spare.pop(0)
            # The requested State's first reading of a received request is its retrieval,
            # told to the other State: taken here, so that no cell's trace counts it.
            data_protection.read(xa.ctx, actor=xa.people["executor"], request_id=shared.xa_id)
            last.clear()
            moving = [c for c in walked_cells if _order(c, expected(c).outcome) == 3]
            for cell in walked_cells:
                # The last step that moves the request takes the shared one; the others each
                # take a request of their own in the same status.
                handle = shared
                if cell in moving and cell is not moving[-1]:
                    handle = spare.pop(0)
                reason = await _walk_one(channel, xa, cell, handle.xa_id, last)
                walked += 1
                if reason:
                    wrong.append(f"{channel.name} {cell.label}: {reason}")
    finally:
        await channel.close()
    return walked, wrong


def test_every_cell_of_the_access_matrix_through_the_api_and_the_pages(
    pair: tuple[FedNode, FedNode],
) -> None:
    xa, xb = pair
    creations, by_state, extra = _plan()
    names = _channels()
    states = [state for state in object_states() if state in by_state]
    # Every request the walk needs, built at once: per channel the shared one of each status,
    # then the extra ones for the steps that move a request.
    wanted: list[State] = []
    for _ in names:
        for state in states:
            wanted.extend([state] * (1 + extra[state]))
    built = iter(Builder(xa, xb).build(wanted) if wanted else [])
    pools = {
        name: {state: [next(built) for _ in range(1 + extra[state])] for state in states}
        for name in names
    }

    kinds: dict[str, type[Channel]] = {"api": Api, "pages": Pages}
    wrong: list[str] = []
    walked = 0
    for name in names:
        channel = kinds[name](name, xa)
        count, mistakes = asyncio.run(_walk(channel, xa, creations, by_state, pools[name]))
        walked += count
        wrong.extend(mistakes)
    record("access_cells", walked)
    record("access_cells_wrong", len(wrong))
    assert walked == len(names) * sum(1 for _ in cells(operations=_operations()))
    assert not wrong, f"{len(wrong)} wrong cells:\n" + "\n".join(wrong)


# -- mass assignment ----------------------------------------------------------------------

READ_ONLY = {
    "status": "approved",
    "approved_by": "someone",
    "retention_until": "2099-01-01",
    "purpose": "intelligence",
    "owner": "walk-other-drafter",
    "originating_state": "XC",
    "authority_id": "elsewhere",
    "version": 99,
}


def test_read_only_fields_in_a_body_are_refused_or_ignored_never_applied(
    pair: tuple[FedNode, FedNode],
) -> None:
    xa, xb = pair
    (draft,) = Builder(xa, xb).build([(Side.REQUESTING, Status.DRAFT)])
    with xa.ctx.uow() as uow:
        original = uow.requests.get(draft.xa_id)
    assert original is not None
    asyncio.run(_mass_assignment(xa, draft.xa_id))
    with xa.ctx.uow() as uow:
        request = uow.requests.get(draft.xa_id)
        central = next(a for a in uow.authorities.list() if a.code == "central")
    assert request is not None
    assert request.status is Status.DRAFT and request.approved_by is None
    assert request.requesting_state == "XA" and request.authority_id == central.id
    assert request.fields == original.fields and request.version == original.version


async def _mass_assignment(xa: FedNode, request_id: str) -> None:
    drafter = username(Role.DRAFTER, Relation.OWN)
    api = Api("api", xa)
    await api.sign_in(drafter)
    client = api.clients[drafter]
    base = f"/api/v1/requests/{request_id}"
    try:
        for name, value in READ_ONLY.items():
            before = trace(xa, request_id)
            patched = await client.patch(base, json={name: value, "fields": {}})
            if name == "version":
                # The version is the optimistic lock's input, never written: a stale one is a
                # conflict.
                assert patched.status_code == 409, patched.text
                assert patched.json()["code"] == "CONCURRENT_UPDATE"
            else:
                assert patched.status_code == 422, (name, patched.text)
            assert trace(xa, request_id) == before, name
            body = {"type": "mla", "requested_state": "XB", name: value}
            created = await client.post("/api/v1/requests", json=body)
            assert created.status_code == 422, (name, created.text)
            assert trace(xa, request_id).requests == before.requests
    finally:
        await api.close()
    # The draft form takes the fields of its step; anything else posted is ignored.
    pages = Pages("pages", xa)
    await pages.sign_in(drafter)
    try:
        version = str(trace(xa, request_id).version)
        form = {"csrf_token": pages.extra[drafter], "step": "1", "version": version}
        ignored = {name: str(value) for name, value in READ_ONLY.items() if name != "version"}
        posted = {**form, **ignored}
        answer = await pages.clients[drafter].post(f"/drafts/{request_id}", data=posted)
        assert answer.status_code in (303, 422), answer.text[:300]
    finally:
        await pages.close()
