"""The relay's heads of queue: the oldest pending message per recipient State, read from an
index instead of one subquery per pending row (a backlog of a thousand messages after a
partition took minutes to drain).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 02:00:00.000000
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_message_heads", "outbox_message", ["status", "recipient_state", "seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_message_heads", table_name="outbox_message")
