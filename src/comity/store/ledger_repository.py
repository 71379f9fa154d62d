"""Reading the audit log and keeping its checkpoints, cosignatures and witness records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comity.domain.ledger.merkle import EMPTY_ROOT, NodeId
from comity.services.ledger_ports import (
    AuditAlert,
    LedgerHead,
    StoredCheckpoint,
    StoredCosignature,
    StoredLeaf,
    WitnessedLog,
)
from comity.store.audit_log import HEAD_ID
from comity.store.tables import (
    audit_alert,
    audit_checkpoint,
    audit_cosignature,
    audit_head,
    audit_leaf,
    audit_node,
    witnessed_log,
)

# Rows fetched per round trip when streaming the log (verification, exports).
STREAM_BATCH = 5000
# Bound parameters per node lookup: far under SQLite's and PostgreSQL's limits.
PARAMETERS_PER_QUERY = 900


class SQLLedgerRepository:
    """Implements ``services.ledger_ports.LedgerRepository`` over one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def head(self) -> LedgerHead:
        row = self._session.execute(
            select(audit_head.c.size, audit_head.c.root).where(audit_head.c.id == HEAD_ID)
        ).one_or_none()
        if row is None:
            return LedgerHead(0, EMPTY_ROOT)
        return LedgerHead(row.size, bytes.fromhex(row.root))

    def stored_frontier(self) -> tuple[int, list[bytes], bytes]:
        row = self._session.execute(
            select(audit_head).where(audit_head.c.id == HEAD_ID)
        ).one_or_none()
        if row is None:
            return 0, [], EMPTY_ROOT
        return row.size, [bytes.fromhex(h) for h in row.frontier], bytes.fromhex(row.root)

    def nodes(self, ids: Iterable[NodeId]) -> dict[NodeId, bytes]:
        by_level: dict[int, list[int]] = {}
        for level, index in set(ids):
            by_level.setdefault(level, []).append(index)
        if not by_level:
            return {}
        # One ``level = ? AND idx IN (…)`` per level, OR-ed: both engines then search the
        # primary key for each. A row-value ``(level, idx) IN (…)`` made SQLite scan every
        # node of the tree (two million at 10^6 leaves: 200 ms a proof instead of a few).
        # A proof needs two dozen levels; an export of many leaves is sent in batches that
        # stay under every engine's limit on bound parameters.
        clauses = [
            (level, chunk)
            for level, indexes in sorted(by_level.items())
            for chunk in _chunks(sorted(indexes), PARAMETERS_PER_QUERY)
        ]
        found: dict[NodeId, bytes] = {}
        batch: list[tuple[int, list[int]]] = []
        for clause in clauses:
            if batch and sum(len(c) + 1 for _, c in batch) + len(clause[1]) > PARAMETERS_PER_QUERY:
                found.update(self._fetch_nodes(batch))
                batch = []
            batch.append(clause)
        found.update(self._fetch_nodes(batch))
        return found

    def _fetch_nodes(self, clauses: list[tuple[int, list[int]]]) -> dict[NodeId, bytes]:
        condition = or_(
            *(
                and_(audit_node.c.level == level, audit_node.c.idx.in_(indexes))
                for level, indexes in clauses
            )
        )
        rows = self._session.execute(
            select(audit_node.c.level, audit_node.c.idx, audit_node.c.hash).where(condition)
        )
        return {(row.level, row.idx): bytes(row.hash) for row in rows}

    def leaves(self, start: int = 0, end: int | None = None) -> Iterator[StoredLeaf]:
        position = start
        while end is None or position < end:
            query = (
                select(audit_leaf)
                .where(audit_leaf.c.leaf_index >= position)
                .order_by(audit_leaf.c.leaf_index)
                .limit(STREAM_BATCH)
            )
            if end is not None:
                query = query.where(audit_leaf.c.leaf_index < end)
            rows = self._session.execute(query).mappings().all()
            if not rows:
                return
            for row in rows:
                yield _leaf(row)
            position = rows[-1]["leaf_index"] + 1

    def level(self, level: int) -> Iterator[tuple[int, bytes]]:
        position = 0
        while True:
            rows = self._session.execute(
                select(audit_node.c.idx, audit_node.c.hash)
                .where(audit_node.c.level == level, audit_node.c.idx >= position)
                .order_by(audit_node.c.idx)
                .limit(STREAM_BATCH)
            ).all()
            if not rows:
                return
            for row in rows:
                yield row.idx, bytes(row.hash)
            position = rows[-1].idx + 1

    def leaves_of_request(self, request_id: str) -> list[StoredLeaf]:
        rows = self._session.execute(
            select(audit_leaf)
            .where(or_(audit_leaf.c.request_id == request_id, audit_leaf.c.object_id == request_id))
            .order_by(audit_leaf.c.leaf_index)
        ).mappings()
        return [_leaf(row) for row in rows]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        row = self._session.execute(
            select(audit_checkpoint).order_by(audit_checkpoint.c.size.desc()).limit(1)
        ).one_or_none()
        return None if row is None else _checkpoint(row)

    def checkpoints(self) -> list[StoredCheckpoint]:
        rows = self._session.execute(select(audit_checkpoint).order_by(audit_checkpoint.c.size))
        return [_checkpoint(row) for row in rows]

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        self._session.execute(
            insert(audit_checkpoint).values(
                size=checkpoint.size,
                root=checkpoint.root.hex(),
                signed_at=checkpoint.signed_at,
                note=checkpoint.note,
            )
        )

    def cosignatures(self, size: int | None = None) -> list[StoredCosignature]:
        query = select(audit_cosignature).order_by(
            audit_cosignature.c.checkpoint_size, audit_cosignature.c.witness_state
        )
        if size is not None:
            query = query.where(audit_cosignature.c.checkpoint_size == size)
        return [
            StoredCosignature(
                checkpoint_size=row.checkpoint_size,
                witness_state=row.witness_state,
                received_at=row.received_at,
                line=row.line,
            )
            for row in self._session.execute(query)
        ]

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        row = self._session.execute(
            select(audit_checkpoint).where(audit_checkpoint.c.size == size)
        ).one_or_none()
        return None if row is None else _checkpoint(row)

    def last_cosigned(self, state: str) -> int:
        found = self._session.scalar(
            select(func.max(audit_cosignature.c.checkpoint_size)).where(
                audit_cosignature.c.witness_state == state
            )
        )
        return int(found or 0)

    def add_cosignature(self, cosignature: StoredCosignature) -> None:
        exists = self._session.scalar(
            select(func.count()).where(
                and_(
                    audit_cosignature.c.checkpoint_size == cosignature.checkpoint_size,
                    audit_cosignature.c.witness_state == cosignature.witness_state,
                )
            )
        )
        if exists:
            return
        try:
            with self._session.begin_nested():
                self._session.execute(
                    insert(audit_cosignature).values(
                        checkpoint_size=cosignature.checkpoint_size,
                        witness_state=cosignature.witness_state,
                        received_at=cosignature.received_at,
                        line=cosignature.line,
                    )
                )
        except IntegrityError:
            # Another round stored the same witness's cosignature first: one is enough.
            return

    def witnessed(self, state: str, *, lock: bool = False) -> WitnessedLog | None:
        query = select(witnessed_log).where(witnessed_log.c.state == state)
        if lock:
            query = query.with_for_update()
        row = self._session.execute(query).one_or_none()
        return None if row is None else _witnessed(row)

    def witnessed_all(self) -> list[WitnessedLog]:
        rows = self._session.execute(select(witnessed_log).order_by(witnessed_log.c.state))
        return [_witnessed(row) for row in rows]

    def save_witnessed(self, witnessed: WitnessedLog) -> None:
        values = {
            "size": witnessed.size,
            "root": witnessed.root.hex(),
            "time": witnessed.time,
            "note": witnessed.note,
            "witnessed_at": witnessed.witnessed_at,
        }
        done = self._session.execute(
            update(witnessed_log).where(witnessed_log.c.state == witnessed.state).values(**values)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            self._session.execute(insert(witnessed_log).values(state=witnessed.state, **values))

    def add_alert(self, alert: AuditAlert) -> None:
        self._session.execute(
            insert(audit_alert).values(
                id=alert.id,
                raised_at=alert.raised_at,
                kind=alert.kind,
                state=alert.state,
                detail=alert.detail,
                evidence=dict(alert.evidence),
            )
        )

    def alerts(self, *, limit: int = 100) -> list[AuditAlert]:
        rows = self._session.execute(
            select(audit_alert).order_by(audit_alert.c.raised_at.desc()).limit(limit)
        )
        return [
            AuditAlert(
                id=row.id,
                raised_at=row.raised_at,
                kind=row.kind,
                state=row.state,
                detail=row.detail,
                evidence=row.evidence,
            )
            for row in rows
        ]


def _leaf(row: Any) -> StoredLeaf:
    return StoredLeaf(
        index=row["leaf_index"],
        text=row["leaf"],
        at=row["at"],
        tag=row["tag"],
        actor_id=row["actor_id"],
        object_id=row["object_id"],
        request_id=row["request_id"],
        details=row["details"],
    )


def _checkpoint(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(
        size=row.size, root=bytes.fromhex(row.root), signed_at=row.signed_at, note=row.note
    )


def _witnessed(row: Any) -> WitnessedLog:
    return WitnessedLog(
        state=row.state,
        size=row.size,
        root=bytes.fromhex(row.root),
        time=row.time,
        note=row.note,
        witnessed_at=row.witnessed_at,
    )


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
