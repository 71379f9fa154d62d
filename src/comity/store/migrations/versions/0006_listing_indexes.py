"""Indexes for the officers' lists: an authority's latest requests and the deadlines that
fall due first, so the dashboard reads them from an index instead of sorting every request
(measured by benchmarks/web.py at 10,000 requests).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 16:10:00.000000
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_cooperation_request_recent",
        "cooperation_request",
        ["authority_id", "updated_at", "id"],
    )
    op.create_index("ix_deadline_order", "deadline", ["due_at", "code", "id"])


def downgrade() -> None:
    op.drop_index("ix_deadline_order", table_name="deadline")
    op.drop_index("ix_cooperation_request_recent", table_name="cooperation_request")
