"""Initial schema: authorities, users, tokens, requests, history, deadlines, search, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 09:55:28.346835
"""

import sqlalchemy as sa
from alembic import op

from comity.store.columns import UTCDateTime, json_type

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    op.create_table(
        "authority",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authority")),
        sa.UniqueConstraint("code", name=op.f("uq_authority_code")),
    )
    op.create_table(
        "cooperation_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("side", sa.String(length=12), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("profile", sa.String(length=40), nullable=False),
        sa.Column("requesting_state", sa.String(length=2), nullable=False),
        sa.Column("requested_state", sa.String(length=2), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=False),
        sa.Column("urgency", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("fields", json_type(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(length=36), nullable=True),
        sa.Column("approved_by", sa.String(length=36), nullable=True),
        sa.Column("approval_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["authority.id"],
            name=op.f("fk_cooperation_request_authority_id_authority"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cooperation_request")),
        sa.UniqueConstraint("reference", name=op.f("uq_cooperation_request_reference")),
    )
    with op.batch_alter_table("cooperation_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cooperation_request_scope", ["authority_id", "status", "updated_at"], unique=False
        )

    op.create_table(
        "user_account",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=False),
        sa.Column("roles", json_type(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authority.id"], name=op.f("fk_user_account_authority_id_authority")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "api_token",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_api_token")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "deadline",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("basis", json_type(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_deadline_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline")),
    )
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.create_index("ix_deadline_due", ["due_at"], unique=False)
        batch_op.create_index("ix_deadline_request", ["request_id"], unique=False)

    op.create_table(
        "request_history",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_request_history_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("request_id", "seq", name=op.f("pk_request_history")),
    )
    op.create_table(
        "request_search",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_request_search_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_request_search")),
    )
    _create_search_objects()


def _create_search_objects() -> None:
    """Engine-specific full-text search over ``request_search.body``."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_request_search_body_tsv ON request_search "
            "USING gin (to_tsvector('simple', body))"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE request_fts USING fts5(body, content='request_search', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER request_search_ai AFTER INSERT ON request_search BEGIN "
        "INSERT INTO request_fts(rowid, body) VALUES (new.rowid, new.body); END"
    )
    op.execute(
        "CREATE TRIGGER request_search_ad AFTER DELETE ON request_search BEGIN "
        "INSERT INTO request_fts(request_fts, rowid, body) VALUES ('delete', old.rowid, old.body); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER request_search_au AFTER UPDATE ON request_search BEGIN "
        "INSERT INTO request_fts(request_fts, rowid, body) VALUES ('delete', old.rowid, old.body); "
        "INSERT INTO request_fts(rowid, body) VALUES (new.rowid, new.body); END"
    )


def _drop_search_objects() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_request_search_body_tsv")
        return
    for trigger in ("request_search_ai", "request_search_ad", "request_search_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS request_fts")


def downgrade() -> None:
    _drop_search_objects()
    op.drop_table("request_search")
    op.drop_table("request_history")
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_request")
        batch_op.drop_index("ix_deadline_due")

    op.drop_table("deadline")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    op.drop_table("user_account")
    with op.batch_alter_table("cooperation_request", schema=None) as batch_op:
        batch_op.drop_index("ix_cooperation_request_scope")

    op.drop_table("cooperation_request")
    op.drop_table("authority")
    op.drop_table("audit_entry")
