"""Federation: outbox, inbox, delivery evidences, quarantine, signature nonces.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:55:05.015117
"""

import sqlalchemy as sa
from alembic import op

from comity.store.columns import UTCDateTime, json_type

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantine_record",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_sender", sa.String(length=80), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_record")),
    )
    op.create_table(
        "signature_nonce",
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_signature_nonce")),
    )
    with op.batch_alter_table("signature_nonce", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signature_nonce_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "delivery_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("message_type", sa.String(length=40), nullable=False),
        sa.Column("counterpart_state", sa.String(length=2), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("signed", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_delivery_evidence_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_evidence")),
    )
    with op.batch_alter_table("delivery_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_evidence_message", ["message_id"], unique=False)
        batch_op.create_index("ix_delivery_evidence_request", ["request_id", "at"], unique=False)

    op.create_table(
        "inbox_message",
        sa.Column("sender_state", sa.String(length=2), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_inbox_message_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("sender_state", "message_id", name=op.f("pk_inbox_message")),
    )
    with op.batch_alter_table("inbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_message_request", ["request_id"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("recipient_state", sa.String(length=2), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("relayed_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_outbox_message_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_message_id")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_outbox_message_request", ["request_id"], unique=False)

    with op.batch_alter_table("cooperation_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exchange_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("remote_status", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("original_received_at", UTCDateTime(), nullable=True))
        batch_op.create_index(
            "ix_cooperation_request_exchange", ["requesting_state", "exchange_id"], unique=True
        )

    with op.batch_alter_table("request_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", json_type(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("request_history", schema=None) as batch_op:
        batch_op.drop_column("detail")

    with op.batch_alter_table("cooperation_request", schema=None) as batch_op:
        batch_op.drop_index("ix_cooperation_request_exchange")
        batch_op.drop_column("original_received_at")
        batch_op.drop_column("acknowledged_by")
        batch_op.drop_column("acknowledged_at")
        batch_op.drop_column("remote_status")
        batch_op.drop_column("exchange_id")

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_request")
        batch_op.drop_index("ix_outbox_message_due")

    op.drop_table("outbox_message")
    with op.batch_alter_table("inbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_message_request")

    op.drop_table("inbox_message")
    with op.batch_alter_table("delivery_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_evidence_request")
        batch_op.drop_index("ix_delivery_evidence_message")

    op.drop_table("delivery_evidence")
    with op.batch_alter_table("signature_nonce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signature_nonce_seen_at"))

    op.drop_table("signature_nonce")
    op.drop_table("quarantine_record")
