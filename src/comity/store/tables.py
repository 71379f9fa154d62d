"""Table definitions. Names are singular snake case; timestamps end in ``_at`` and are UTC."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from comity.store.columns import UTCDateTime, json_type

# Stable constraint names make Alembic's diffs identical on SQLite and PostgreSQL, and let
# batch migrations on SQLite drop constraints by name.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 36  # A UUID in its canonical text form.

authority = Table(
    "authority",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("state", String(2), nullable=False),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("time_zone", String(64), nullable=False),
)

user_account = Table(
    "user_account",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("authority_id", String(ID), ForeignKey("authority.id"), nullable=False),
    Column("roles", json_type(), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_token = Table(
    "api_token",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("user_id", String(ID), ForeignKey("user_account.id"), nullable=False, index=True),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

cooperation_request = Table(
    "cooperation_request",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("reference", String(40), nullable=False, unique=True),
    Column("side", String(12), nullable=False),
    Column("type_code", String(40), nullable=False),
    Column("profile", String(40), nullable=False),
    Column("requesting_state", String(2), nullable=False),
    Column("requested_state", String(2), nullable=False),
    Column("authority_id", String(ID), ForeignKey("authority.id"), nullable=False),
    Column("urgency", String(12), nullable=False),
    Column("channel", String(24), nullable=False),
    Column("status", String(24), nullable=False),
    Column("fields", json_type(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(ID), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("submitted_by", String(ID)),
    Column("approved_by", String(ID)),
    Column("approval_digest", String(64)),
    Index("ix_cooperation_request_scope", "authority_id", "status", "updated_at"),
)

request_history = Table(
    "request_history",
    metadata,
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("from_status", String(24)),
    Column("to_status", String(24), nullable=False),
    Column("actor_id", String(ID), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
)

deadline = Table(
    "deadline",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), nullable=False),
    Column("code", String(80), nullable=False),
    Column("label", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("basis", json_type(), nullable=False),
    Index("ix_deadline_request", "request_id"),
    Index("ix_deadline_due", "due_at"),
)

# The text a request is found by (accents folded, case folded). On PostgreSQL a GIN index over
# its tsvector serves searches; on SQLite an FTS5 table kept in step by triggers does
# (both created by the migration, since neither is expressible portably here).
request_search = Table(
    "request_search",
    metadata,
    Column("request_id", String(ID), ForeignKey("cooperation_request.id"), primary_key=True),
    Column("body", Text, nullable=False),
)

audit_entry = Table(
    "audit_entry",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("tag", String(80), nullable=False),
    Column("actor_id", String(ID), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("details", json_type(), nullable=False),
    Column("entry_digest", String(64), nullable=False),
    Column("chain_digest", String(64), nullable=False),
    UniqueConstraint("chain_digest"),
)
