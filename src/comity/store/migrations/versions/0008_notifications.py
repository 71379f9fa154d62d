"""Alerts to the people on duty (e-mail, webhooks), sent by the node's notifier thread.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 20:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from comity.store.columns import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=400), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_notification_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_due", "notification", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notification_due", table_name="notification")
    op.drop_table("notification")
