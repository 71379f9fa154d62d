"""Appending to the audit log: leaves and the tree's new nodes, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from comity.domain.events import Event
from comity.domain.ledger.leaves import leaf_for
from comity.domain.ledger.merkle import Frontier, leaf_hash
from comity.store.tables import audit_head, audit_leaf, audit_node

HEAD_ID = 1


class SQLAuditLog:
    """Append-only audit leaves in an RFC 9162 Merkle tree, written with the change they record.

    The head row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite transactions already
    hold the write lock from their start), so concurrent commits get consecutive leaves and
    never build on the same right edge. Leaves hold ids, codes and digests only.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, event: Event, *, request_id: str | None = None) -> None:
        """Add one leaf for ``event``."""
        self.append_all([(event, request_id)])

    def append_all(self, events: Sequence[tuple[Event, str | None]]) -> None:
        """Add one leaf per event, in order; each pair is the event and its request's id."""
        if not events:
            return
        head = self._session.execute(
            select(audit_head.c.size, audit_head.c.frontier)
            .where(audit_head.c.id == HEAD_ID)
            .with_for_update()
        ).one_or_none()
        frontier = (
            Frontier(head.size, [bytes.fromhex(h) for h in head.frontier]) if head else Frontier()
        )
        leaves: list[dict[str, object]] = []
        nodes: list[dict[str, object]] = []
        for event, request_id in events:
            leaf = leaf_for(event, index=frontier.size, request_id=request_id)
            text = leaf.text()
            for (level, index), digest in frontier.append(leaf_hash(text.encode("ascii"))):
                nodes.append({"level": level, "idx": index, "hash": digest})
            leaves.append(
                {
                    "leaf_index": leaf.index,
                    "at": leaf.at,
                    "tag": leaf.tag,
                    "actor_id": leaf.actor_id,
                    "object_id": leaf.object_id,
                    "request_id": leaf.request_id,
                    "details": leaf.details,
                    "leaf": text,
                }
            )
        self._session.execute(insert(audit_leaf), leaves)
        self._session.execute(insert(audit_node), nodes)
        values = {
            "size": frontier.size,
            "frontier": [h.hex() for h in frontier.hashes],
            "root": frontier.root().hex(),
        }
        if head is None:
            self._session.execute(insert(audit_head).values(id=HEAD_ID, **values))
        else:
            self._session.execute(
                update(audit_head).where(audit_head.c.id == HEAD_ID).values(**values)
            )
