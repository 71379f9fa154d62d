"""How fast the audit ledger takes appends and gives proofs, against bare inserts and pure math.

1. Appends per second through the real path: ``uow.record(event)`` + ``uow.commit()`` on a
   ``SQLAlchemyUnitOfWork``, which writes each event's leaf, the tree nodes it completes and
   the new head in the command's transaction (``SQLAuditLog.append_all``). N events
   (``COMITY_BENCH_APPENDS``, 5,000 by default) of one small event with fixed ids, (a) one
   per transaction (each commit waits for the disk) and (b) 100 per transaction (a busy
   node's commits carry several leaves). The baseline is N bare INSERTs of a row of the same
   size (the bytes of the leaf's text and columns) into a scratch table of the same
   database, in transactions of the same sizes, taking turns with the ledger a tenth of N at
   a time. The target of >= 5,000 appends/s is read against (b): (a) is bounded by how many
   commits a second the disk takes, which its baseline shows, not by the ledger.
2. Proofs at 10^6 leaves (``COMITY_BENCH_LEDGER_LEAVES``). The log is filled fast, not
   through 10^6 commits: the leaves (``Leaf(...).text()``, tags and details like the node's
   commonest events) and the nodes ``Frontier.append`` completes are built once in memory,
   then bulk-inserted with the head row, 20,000 rows a transaction (the driver's
   ``executemany`` on SQLite, ``COPY`` on PostgreSQL, values bound by the tables' own column
   types): the rows ``SQLAuditLog`` writes, as the recomputation below confirms. A node built
   by ``bootstrap.build`` then appends through the real path (its authorities, an auditor).
   500 inclusion proofs of random leaves in the whole log (``ledger_audit.inclusion``, what
   GET /api/v1/audit/proof runs) and 500 consistency proofs between random sizes
   (``ledger_audit.consistency``, GET /api/v1/audit/consistency) are timed after 20 of
   warm-up: p50, p95, p99, target p95 < 20 ms. The baseline is the same proofs computed by the
   pure math from an in-memory dict of every node. Then one full recomputation
   (``verify_log(uow.ledger)``, what ``comity audit verify`` runs) is timed; a note follows if
   it took over a minute on SQLite.

On SQLite (a file in a temporary directory) and on PostgreSQL (``COMITY_BENCH_DATABASE_URL``,
else ``COMITY_TEST_DATABASE_URL``, else ``postgresql+psycopg://postgres@127.0.0.1:5432/test``;
a fresh schema, dropped at the end; skipped if unreachable). The whole run should take about 6
minutes on a 2-core machine (``COMITY_BENCH_LEDGER_BUDGET``, seconds): when PostgreSQL's
proof part at 10^6 would not fit in what is left, it runs at 10^5 leaves and says so.

The machines are shared and noisy: compare the ratios between runs, not the absolute
figures. Nothing is asserted about the times; the run exits 1 on a correctness failure only:
a proof that does not verify against the roots the in-memory tree gives, a leaf or proof
that differs from it, a log that does not recompute, or a wrong count of appended leaves or
of baseline rows.
"""

from __future__ import annotations

import math
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    MetaData,
    Table,
    Text,
    create_engine,
    func,
    insert,
    make_url,
    select,
    text,
)

from comity.bootstrap import build
from comity.config import Settings
from comity.domain.access import User
from comity.domain.commands import AddUser
from comity.domain.errors import AuditIntegrityError, ProofInvalidError
from comity.domain.events import TokenIssued
from comity.domain.ledger.leaves import Leaf, leaf_for
from comity.domain.ledger.merkle import (
    Frontier,
    NodeId,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    perfect_nodes,
    range_hash,
    verify_consistency,
    verify_inclusion,
)
from comity.domain.values import Role
from comity.services import ledger_audit, node, users
from comity.services.context import ServiceContext
from comity.services.ledger_verify import verify_log
from comity.store import migrate
from comity.store.audit_log import HEAD_ID
from comity.store.engine import make_engine, make_session_factory
from comity.store.tables import audit_head, audit_leaf, audit_node
from comity.store.uow import SQLAlchemyUnitOfWork

LEAVES = int(os.environ.get("COMITY_BENCH_LEDGER_LEAVES", "1000000"))
APPENDS = int(os.environ.get("COMITY_BENCH_APPENDS", "5000"))
PG_URL = (
    os.environ.get("COMITY_BENCH_DATABASE_URL")
    or os.environ.get("COMITY_TEST_DATABASE_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TRANSACTION_SIZES = (1, 100)
ROUNDS = 10  # the baseline and the ledger take turns, a tenth of the appends each
TARGET_APPENDS = 5000.0
TARGET_TRANSACTION_SIZE = 100  # the target is read against commits of 100 events
TARGET_P95_MS = 20.0
PROOFS = 500
WARM_UP = 20
FILL_BATCH = 20_000
# The whole run should take about 6 minutes at most on a 2-core machine: when PostgreSQL's
# proof part at LEAVES would not fit, it runs at SMALL_LEAVES and says so.
BUDGET_S = float(os.environ.get("COMITY_BENCH_LEDGER_BUDGET", "360"))
SMALL_LEAVES = 100_000
VERIFY_LIMIT_S = 60.0
PASSWORD = "a long enough secret"

# The appended event: fixed ids, so every leaf has the same size.
ACTOR = "7d3c1d7e-8a52-4b8e-9a57-2f4f3f0e6a11"
TOKEN = "0b6f7c55-3f0e-4f5c-bb1e-5f7a3c2d9e40"
EVENT_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

LEAF_COLUMNS = ("leaf_index", "at", "tag", "actor_id", "object_id", "request_id", "details", "leaf")
NODE_COLUMNS = ("level", "idx", "hash")

scratch_metadata = MetaData()
scratch = Table(
    "bench_ledger_scratch",
    scratch_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),
)


@dataclass
class Row:
    """One line of the summary table."""

    backend: str
    measure: str
    figure: str
    baseline: str
    ratio: str
    target: str = ""


@dataclass
class Outcome:
    """What a backend's run measured, and what it found wrong."""

    rows: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    fill_s: float = 0.0
    verify_s: float = 0.0


# --- 1. appends ------------------------------------------------------------------------------


def _event() -> TokenIssued:
    return TokenIssued(ACTOR, EVENT_AT, TOKEN)


def _row_bytes() -> int:
    """The bytes of the appended event's leaf row: its text and the columns beside it."""
    leaf = leaf_for(_event(), index=0, request_id=None)
    return len(leaf.text()) + len(
        leaf.at.isoformat() + leaf.tag + leaf.actor_id + leaf.object_id + "{}"
    )


def appends(label: str, url: str) -> Outcome:
    """Appends per second through the unit of work, against bare inserts, per transaction size.

    The two are interleaved in rounds, so that a slower moment of the shared disk weighs on
    both alike."""
    outcome = Outcome()
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        scratch_metadata.create_all(engine)
        sessions = make_session_factory(engine)
        body = "x" * _row_bytes()

        def bare(first_id: int, count: int, per_transaction: int) -> float:
            start = time.perf_counter()
            for offset in range(0, count, per_transaction):
                size = min(per_transaction, count - offset)
                rows = [{"id": first_id + offset + i, "body": body} for i in range(size)]
                with engine.begin() as connection:
                    connection.execute(insert(scratch), rows if size > 1 else rows[0])
            return time.perf_counter() - start

        def ledger(count: int, per_transaction: int) -> float:
            start = time.perf_counter()
            for offset in range(0, count, per_transaction):
                with SQLAlchemyUnitOfWork(sessions) as uow:
                    for _ in range(min(per_transaction, count - offset)):
                        uow.record(_event())
                    uow.commit()
            return time.perf_counter() - start

        ledger(10, 1)  # warm-up: the head row exists, connections are pooled
        bare(0, 10, 1)
        inserted = appended = 10
        for per_transaction in TRANSACTION_SIZES:
            base_s = ledger_s = 0.0
            chunk = max(per_transaction, APPENDS // ROUNDS // per_transaction * per_transaction)
            done = 0
            while done < APPENDS:
                count = min(chunk, APPENDS - done)
                base_s += bare(inserted, count, per_transaction)
                ledger_s += ledger(count, per_transaction)
                inserted, appended, done = inserted + count, appended + count, done + count
            base_rate, rate = APPENDS / base_s, APPENDS / ledger_s
            target = ""
            if per_transaction == TARGET_TRANSACTION_SIZE:
                met = "met" if rate >= TARGET_APPENDS else "MISSED"
                target = f">= {TARGET_APPENDS:,.0f}/s: {met}"
            outcome.rows.append(
                Row(
                    label,
                    f"appends/s, {per_transaction} per transaction",
                    f"{rate:,.0f}/s",
                    f"{base_rate:,.0f} bare inserts/s",
                    f"{base_rate / rate:.1f}x",
                    target,
                )
            )
        with engine.connect() as connection:
            rows = connection.scalar(select(func.count()).select_from(scratch))
        with SQLAlchemyUnitOfWork(sessions) as uow:
            size = uow.ledger.head().size
            try:
                verified = verify_log(uow.ledger).size
            except AuditIntegrityError as error:
                outcome.failures.append(f"{label}: the appended log does not verify: {error}")
                verified = -1
        if not size == verified == appended:
            outcome.failures.append(
                f"{label}: {appended} events appended, the head says {size}, "
                f"recomputation found {verified}"
            )
        if rows != inserted:
            outcome.failures.append(f"{label}: {inserted} baseline rows inserted, {rows} stored")
        print(
            f"{label}: {appended:,} events appended, the log recomputes to {verified:,} leaves; "
            f"{rows:,} baseline rows: " + ("OK" if not outcome.failures else "FAILED")
        )
    finally:
        engine.dispose()
    return outcome


# --- 2. the log at 10^6 leaves, in memory ----------------------------------------------------


@dataclass
class LogImage:
    """A whole log built in memory: its leaf rows, every node, and its head."""

    rows: list[tuple[Any, ...]]
    tree: dict[NodeId, bytes]  # in the order Frontier.append completed them
    frontier: Frontier
    seconds: float

    def prefix(self, count: int) -> LogImage:
        """The log as it was at ``count`` leaves: its first rows and the nodes they complete
        (``2n - popcount(n)`` of them, the first ones appended), its right edge as head."""
        tree = dict(islice(self.tree.items(), 2 * count - count.bit_count()))
        edge = Frontier(count, [tree[node] for node in perfect_nodes(0, count)])
        return LogImage(self.rows[:count], tree, edge, self.seconds)


def _templates(rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """Tags and details shaped like the node's commonest events."""
    digests = [f"{rng.getrandbits(256):064x}" for _ in range(8)]
    steps = [
        ("draft", "awaiting_approval"),
        ("awaiting_approval", "approved"),
        ("approved", "sent"),
        ("sent", "accepted"),
        ("received", "registered"),
    ]
    return [
        ("request:draft:created", {"type_code": "mla"}),
        *[("request:status:changed", {"from_status": a, "to_status": b}) for a, b in steps],
        *[
            (
                "message:outbound:queued",
                {"recipient_state": "XB", "message_type": "request.submit", "digest": d},
            )
            for d in digests[:4]
        ],
        *[
            ("message:evidence:recorded", {"stage": s, "code": "ok"})
            for s in ("relayed", "delivered")
        ],
        (
            "request:data:accessed",
            {"purpose_code": "execution", "action": "view", "outcome": "granted"},
        ),
        *[("request:content:edited", {"digest": d}) for d in digests[4:]],
        ("user:token:issued", {}),
    ]


def build_image(count: int) -> LogImage:
    """``count`` leaves of assorted events on a thousand requests, hashed into a tree."""
    start = time.perf_counter()
    rng = random.Random(20260302)
    templates = _templates(rng)
    actors = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(50)]
    requests = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(1000)]
    began = datetime(2025, 1, 1, tzinfo=UTC)
    frontier = Frontier()
    tree: dict[NodeId, bytes] = {}
    rows: list[tuple[Any, ...]] = []
    for index in range(count):
        tag, details = templates[rng.randrange(len(templates))]
        request = requests[rng.randrange(len(requests))]
        leaf = Leaf(
            index=index,
            at=began + timedelta(milliseconds=index * 20, microseconds=rng.randrange(1000)),
            tag=tag,
            actor_id=actors[rng.randrange(len(actors))],
            object_id=request,
            request_id=request,
            details=details,
        )
        leaf_text = leaf.text()
        tree.update(frontier.append(leaf_hash(leaf_text.encode("ascii"))))
        rows.append((index, leaf.at, tag, leaf.actor_id, request, request, details, leaf_text))
    return LogImage(rows, tree, frontier, time.perf_counter() - start)


def _binders(table: Table, names: tuple[str, ...], engine: Engine) -> list[Any]:
    """Each column's bind processor on ``engine``: the values SQLAlchemy itself would send."""
    dialect = engine.dialect
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]


def _bound(rows: Iterator[tuple[Any, ...]], binders: list[Any]) -> list[tuple[Any, ...]]:
    return [
        tuple(
            value if bind is None else bind(value) for bind, value in zip(binders, row, strict=True)
        )
        for row in rows
    ]


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    while batch := list(islice(rows, FILL_BATCH)):
        yield batch


def _bulk(
    engine: Engine, table: Table, names: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` a batch a transaction: driver executemany on SQLite, COPY on PostgreSQL."""
    binders = _binders(table, names, engine)
    columns = ", ".join(names)
    for batch in _batches(rows):
        bound = _bound(iter(batch), binders)
        with engine.begin() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            if engine.dialect.name == "postgresql":
                with driver.cursor() as cursor:
                    with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                        for row in bound:
                            copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in names)
                driver.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", bound)


def fill(engine: Engine, image: LogImage) -> float:
    """Store the image's leaves, nodes and head as ``SQLAuditLog`` would; seconds taken."""
    start = time.perf_counter()
    _bulk(engine, audit_leaf, LEAF_COLUMNS, iter(image.rows))
    nodes = ((level, index, digest) for (level, index), digest in image.tree.items())
    _bulk(engine, audit_node, NODE_COLUMNS, nodes)
    with engine.begin() as connection:
        connection.execute(
            insert(audit_head).values(
                id=HEAD_ID,
                size=image.frontier.size,
                frontier=[h.hex() for h in image.frontier.hashes],
                root=image.frontier.root().hex(),
            )
        )
        if engine.dialect.name == "postgresql":
            # Autovacuum would analyse the tables soon after such a load; measure what a
            # node serves once it has, not a planner guessing the sizes of empty tables.
            connection.execute(text("ANALYZE audit_leaf"))
            connection.execute(text("ANALYZE audit_node"))
    took = time.perf_counter() - start
    if engine.dialect.name == "sqlite":
        # Fold the write-ahead log into the database file, so that its size is the data's.
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    return took


# --- 2. proofs -------------------------------------------------------------------------------


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _timed(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[float]]:
    """Run each call, timing it (ms); results of all, times of those after the warm-up."""
    results, samples = [], []
    for position, call in enumerate(calls):
        start = time.perf_counter_ns()
        results.append(call())
        elapsed = (time.perf_counter_ns() - start) / 1e6
        if position >= WARM_UP:
            samples.append(elapsed)
    samples.sort()
    return results, samples


def _proof_row(label: str, what: str, samples: list[float], baseline: list[float], at: int) -> Row:
    p50, p95, p99 = (_percentile(samples, share) for share in (0.5, 0.95, 0.99))
    b50, b95 = _percentile(baseline, 0.5), _percentile(baseline, 0.95)
    return Row(
        label,
        f"{what} proof at {at:,} leaves, ms p50/p95/p99",
        f"{p50:.2f} / {p95:.2f} / {p99:.2f}",
        f"{b50:.3f} / {b95:.3f} in memory",
        f"{p50 / b50:,.0f}x (p50)",
        f"p95 < {TARGET_P95_MS:.0f} ms: " + ("met" if p95 < TARGET_P95_MS else "MISSED"),
    )


def _inclusion_in_memory(
    leaf: int, size: int, tree: dict[NodeId, bytes]
) -> tuple[list[bytes], bytes]:
    """The baseline: the inclusion proof and the root, by the pure math from every node."""
    return inclusion_proof(leaf, size, tree), range_hash(0, size, tree)


def _consistency_in_memory(
    old: int, new: int, tree: dict[NodeId, bytes]
) -> tuple[list[bytes], bytes, bytes]:
    """The baseline: the consistency proof and both roots, by the pure math from every node."""
    return consistency_proof(old, new, tree), range_hash(0, old, tree), range_hash(0, new, tree)


def _inclusions(
    ctx: ServiceContext, auditor: User, image: LogImage, rng: random.Random
) -> tuple[list[float], list[float], int]:
    """Random inclusion proofs in the whole log, served and in memory; how many are wrong."""
    size, tree, root = image.frontier.size, image.tree, image.frontier.root()
    picks = [rng.randrange(size) for _ in range(WARM_UP + PROOFS)]
    served, samples = _timed(
        [partial(ledger_audit.inclusion, ctx, actor=auditor, leaf=i, size=size) for i in picks]
    )
    computed, baseline = _timed([partial(_inclusion_in_memory, i, size, tree) for i in picks])
    wrong = 0
    for leaf, proof, (expected, _) in zip(picks, served, computed, strict=True):
        try:
            digest = leaf_hash(proof.leaf.encode("ascii"))
            if digest != tree[(0, leaf)] or proof.root != root or proof.proof != expected:
                raise ProofInvalidError("not what the in-memory tree gives")
            verify_inclusion(digest, leaf, size, proof.proof, root)
        except ProofInvalidError:
            wrong += 1
    return samples, baseline, wrong


def _consistencies(
    ctx: ServiceContext, auditor: User, image: LogImage, rng: random.Random
) -> tuple[list[float], list[float], int]:
    """Consistency proofs between random sizes, served and in memory; how many are wrong."""
    size, tree = image.frontier.size, image.tree
    pairs = []
    for _ in range(WARM_UP + PROOFS):
        old = rng.randrange(1, size)
        pairs.append((old, rng.randrange(old + 1, size + 1)))
    served, samples = _timed(
        [partial(ledger_audit.consistency, ctx, actor=auditor, old=o, new=n) for o, n in pairs]
    )
    computed, baseline = _timed([partial(_consistency_in_memory, o, n, tree) for o, n in pairs])
    wrong = 0
    for (old, new), proof, (expected, old_root, new_root) in zip(
        pairs, served, computed, strict=True
    ):
        try:
            if (proof.old_root, proof.new_root, proof.proof) != (old_root, new_root, expected):
                raise ProofInvalidError("not what the in-memory tree gives")
            verify_consistency(old, new, old_root, new_root, proof.proof)
        except ProofInvalidError:
            wrong += 1
    return samples, baseline, wrong


def _recompute(ctx: ServiceContext) -> tuple[int, float, str | None]:
    """``verify_log`` over the whole stored log: its size, seconds, and what is wrong."""
    start = time.perf_counter()
    with ctx.uow() as uow:
        head = uow.ledger.head()
        try:
            report = verify_log(uow.ledger)
        except AuditIntegrityError as error:
            return head.size, time.perf_counter() - start, f"the log does not verify: {error}"
    took = time.perf_counter() - start
    if (report.size, report.root) != (head.size, head.root):
        return head.size, took, "the recomputed log disagrees with its head"
    return head.size, took, None


def proofs(label: str, url: str, folder: Path, image: LogImage) -> Outcome:
    """Fill a node's log from ``image``, then time proofs and one full recomputation."""
    outcome = Outcome()
    size = image.frontier.size
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        outcome.fill_s = fill(engine, image)
    finally:
        engine.dispose()
    outcome.rows.append(
        Row(label, f"fill {size:,} leaves (bulk)", f"{outcome.fill_s:.1f} s", "", "")
    )
    if url.startswith("sqlite"):
        database = Path(make_url(url).database or "")
        files = database.parent.glob(database.name + "*")  # with what is left in its -wal
        megabytes = sum(path.stat().st_size for path in files) / 2**20
        outcome.rows.append(
            Row(label, "database size after the fill", f"{megabytes:,.0f} MiB", "", "")
        )
    print(f"{label}: {size:,} leaves filled in {outcome.fill_s:.1f} s")

    settings = Settings(
        state="XA", data_dir=folder, database_url=url, argon2_time_cost=1, argon2_memory_cost=1024
    )
    container = build(settings)
    try:
        ctx = container.services
        # Both append through the real path, after the bulk-filled leaves.
        node.ensure_authorities(ctx)
        command = AddUser("auditor", PASSWORD, frozenset({Role.AUDITOR}))
        auditor = users.add_user(ctx, command=command)
        rng = random.Random(9162)
        for what, measure in (("inclusion", _inclusions), ("consistency", _consistencies)):
            samples, baseline, wrong = measure(ctx, auditor, image, rng)
            outcome.rows.append(_proof_row(label, what, samples, baseline, size))
            if wrong:
                outcome.failures.append(
                    f"{label}: {wrong} of {WARM_UP + PROOFS} {what} proofs are wrong"
                )
        print(
            f"{label}: {2 * (WARM_UP + PROOFS)} proofs checked against the in-memory tree: "
            + ("OK" if not outcome.failures else "FAILED")
        )
        stored, outcome.verify_s, fault = _recompute(ctx)
        if fault:
            outcome.failures.append(f"{label}: {fault}")
        outcome.rows.append(
            Row(
                label,
                f"verify_log, full recomputation of {stored:,} leaves",
                f"{outcome.verify_s:.1f} s",
                "",
                "",
                "FAILED" if fault else "OK",
            )
        )
        print(f"{label}: full recomputation of {stored:,} leaves in {outcome.verify_s:.1f} s")
    finally:
        container.close()
    return outcome


# --- PostgreSQL, the summary, main -----------------------------------------------------------


def postgresql_schema() -> tuple[Callable[[], None], str] | str:
    """A private schema's URL (and how to drop it), or why PostgreSQL is unusable."""
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 5})
        with admin.begin() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        where = make_url(PG_URL).render_as_string(hide_password=True)
        return f"unreachable at {where}: {type(error).__name__}"
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return drop, url.render_as_string(hide_password=False)


def summary(rows: list[Row]) -> None:
    headers = Row("backend", "measure", "figure", "baseline (same run)", "x baseline", "target")
    widths = [
        max(len(getattr(row, name)) for row in [headers, *rows])
        for name in ("backend", "measure", "figure", "baseline", "ratio", "target")
    ]
    for row in [headers, *rows]:
        cells = (row.backend, row.measure, row.figure, row.baseline, row.ratio, row.target)
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        )


def main() -> int:
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    print(
        f"audit ledger: {APPENDS:,} appends per transaction size, then {PROOFS} inclusion and "
        f"{PROOFS} consistency proofs (after {WARM_UP} of warm-up each) at {LEAVES:,} leaves"
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        outcomes.append(appends("SQLite", f"sqlite:///{root / 'appends.db'}"))
        found = postgresql_schema()
        if isinstance(found, str):
            print(f"PostgreSQL: skipped ({found})")
        else:
            drop, url = found
            try:
                outcomes.append(appends("PostgreSQL", url))
            finally:
                drop()

        image = build_image(LEAVES)
        print(
            f"in memory: {LEAVES:,} leaves and {len(image.tree):,} nodes built in "
            f"{image.seconds:.1f} s (not part of the fill times below)"
        )
        (root / "sqlite").mkdir()
        url = f"sqlite:///{root / 'sqlite' / 'comity.db'}"
        sqlite = proofs("SQLite", url, root / "sqlite", image)
        outcomes.append(sqlite)
        if sqlite.verify_s > VERIFY_LIMIT_S:
            print(
                f"SQLite: the full recomputation took over {VERIFY_LIMIT_S:.0f} s at "
                f"{LEAVES:,} leaves; set COMITY_BENCH_LEDGER_LEAVES=100000 to time it at 10^5"
            )

        found = postgresql_schema()
        if isinstance(found, str):
            print(f"PostgreSQL: proofs skipped ({found})")
        else:
            drop, url = found
            # PostgreSQL fills and recomputes about as fast as SQLite; its proofs should take
            # the target's time at most. Over the budget, it runs at 10^5 leaves instead.
            elapsed = time.perf_counter() - started
            needed = sqlite.fill_s + sqlite.verify_s + 2 * (WARM_UP + PROOFS) * TARGET_P95_MS / 1e3
            pg_image = image
            if elapsed + needed > BUDGET_S and LEAVES > SMALL_LEAVES:
                pg_image = image.prefix(SMALL_LEAVES)
                print(
                    f"PostgreSQL: at {SMALL_LEAVES:,} leaves, not {LEAVES:,}: the run has taken "
                    f"{elapsed:.0f} s and {LEAVES:,} leaves would need about {needed:.0f} s "
                    f"more, over the budget of {BUDGET_S:.0f} s (COMITY_BENCH_LEDGER_BUDGET)"
                )
            (root / "postgresql").mkdir()
            try:
                outcomes.append(proofs("PostgreSQL", url, root / "postgresql", pg_image))
            finally:
                drop()

    print()
    summary([row for outcome in outcomes for row in outcome.rows])
    print(
        f"appends target: >= {TARGET_APPENDS:,.0f}/s read against {TARGET_TRANSACTION_SIZE} "
        "events per transaction; one per transaction is bounded by the commits per second the "
        "disk takes (the baseline). Proof target: p95 < "
        f"{TARGET_P95_MS:.0f} ms. x baseline: the ledger's time over the baseline's."
    )
    failures = [failure for outcome in outcomes for failure in outcome.failures]
    for failure in failures:
        print(f"FAILED: {failure}")
    print(f"total {time.perf_counter() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
