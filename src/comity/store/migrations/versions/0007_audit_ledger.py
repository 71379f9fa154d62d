"""The audit log becomes an RFC 9162 Merkle tree with signed, witnessed checkpoints.

The hash-chained ``audit_entry`` rows are carried over, in their order, as the first leaves
of the tree, so a node keeps its history across the upgrade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 19:00:00.000000
"""

import hashlib
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from comity.domain.ledger.leaves import Leaf
from comity.domain.ledger.merkle import Frontier, leaf_hash
from comity.store.columns import UTCDateTime, json_type

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_old = sa.table(
    "audit_entry",
    sa.column("seq", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("tag", sa.String()),
    sa.column("actor_id", sa.String()),
    sa.column("object_id", sa.String()),
    sa.column("details", json_type()),
    sa.column("entry_digest", sa.String()),
    sa.column("chain_digest", sa.String()),
)


def upgrade() -> None:
    leaf_table = op.create_table(
        "audit_leaf",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("tag", sa.String(length=80), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("details", json_type(), nullable=False),
        sa.Column("leaf", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_audit_leaf")),
    )
    op.create_index(op.f("ix_audit_leaf_object_id"), "audit_leaf", ["object_id"])
    op.create_index(op.f("ix_audit_leaf_request_id"), "audit_leaf", ["request_id"])
    node_table = op.create_table(
        "audit_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_node")),
    )
    head_table = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", json_type(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_audit_checkpoint")),
    )
    op.create_table(
        "audit_cosignature",
        sa.Column("checkpoint_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("witness_state", sa.String(length=2), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_size"],
            ["audit_checkpoint.size"],
            name=op.f("fk_audit_cosignature_checkpoint_size_audit_checkpoint"),
        ),
        sa.PrimaryKeyConstraint(
            "checkpoint_size", "witness_state", name=op.f("pk_audit_cosignature")
        ),
    )
    op.create_table(
        "witnessed_log",
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("witnessed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_witnessed_log")),
    )
    op.create_table(
        "audit_alert",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("evidence", json_type(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_alert")),
    )
    _carry_entries_over(leaf_table, node_table, head_table)
    op.drop_table("audit_entry")


def _carry_entries_over(leaf_table: Any, node_table: Any, head_table: Any) -> None:
    """The old entries become the first leaves, in their order (their chain is not needed:
    the tree, and the checkpoints signed over it from now on, replace it)."""
    connection = op.get_bind()
    frontier = Frontier()
    for row in connection.execute(sa.select(_old).order_by(_old.c.seq)).mappings():
        leaf = Leaf(
            index=frontier.size,
            at=row["at"],
            tag=row["tag"],
            actor_id=row["actor_id"],
            object_id=row["object_id"],
            request_id=None,
            details=row["details"],
        )
        text = leaf.text()
        nodes = frontier.append(leaf_hash(text.encode("ascii")))
        connection.execute(
            sa.insert(leaf_table).values(
                leaf_index=leaf.index,
                at=leaf.at,
                tag=leaf.tag,
                actor_id=leaf.actor_id,
                object_id=leaf.object_id,
                request_id=None,
                details=leaf.details,
                leaf=text,
            )
        )
        connection.execute(
            sa.insert(node_table),
            [{"level": level, "idx": index, "hash": digest} for (level, index), digest in nodes],
        )
    if frontier.size:
        connection.execute(
            sa.insert(head_table).values(
                id=1,
                size=frontier.size,
                frontier=[h.hex() for h in frontier.hashes],
                root=frontier.root().hex(),
            )
        )


def downgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("tag", sa.String(length=80), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("details", json_type(), nullable=False),
        sa.Column("entry_digest", sa.String(length=64), nullable=False),
        sa.Column("chain_digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entry")),
        sa.UniqueConstraint("chain_digest", name=op.f("uq_audit_entry_chain_digest")),
    )
    _chain_leaves_back()
    op.drop_table("audit_alert")
    op.drop_table("witnessed_log")
    op.drop_table("audit_cosignature")
    op.drop_table("audit_checkpoint")
    op.drop_table("audit_head")
    op.drop_table("audit_node")
    op.drop_index(op.f("ix_audit_leaf_request_id"), table_name="audit_leaf")
    op.drop_index(op.f("ix_audit_leaf_object_id"), table_name="audit_leaf")
    op.drop_table("audit_leaf")


def _chain_leaves_back() -> None:
    """The leaves become hash-chained entries again, as revision 0006 wrote them."""
    connection = op.get_bind()
    leaves = sa.table(
        "audit_leaf",
        sa.column("leaf_index", sa.BigInteger()),
        sa.column("at", UTCDateTime()),
        sa.column("tag", sa.String()),
        sa.column("actor_id", sa.String()),
        sa.column("object_id", sa.String()),
        sa.column("details", json_type()),
    )
    previous = "0" * 64
    for row in connection.execute(sa.select(leaves).order_by(leaves.c.leaf_index)).mappings():
        at: datetime = row["at"]
        entry = {
            "at": at.isoformat(),
            "tag": row["tag"],
            "actor_id": row["actor_id"],
            "object_id": row["object_id"],
            "details": row["details"],
        }
        entry_digest = _sha256(json.dumps(entry, sort_keys=True, separators=(",", ":")))
        previous = _sha256(previous + entry_digest)
        connection.execute(
            sa.insert(_old).values(
                at=at,
                tag=row["tag"],
                actor_id=row["actor_id"],
                object_id=row["object_id"],
                details=row["details"],
                entry_digest=entry_digest,
                chain_digest=previous,
            )
        )


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
