"""Rosters of the 24/7 points of contact, and the record of escalated emergencies.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

from comity.store.columns import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duty_shift",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("authority_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("contact", sa.String(length=256), nullable=True),
        sa.Column("handover_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authority.id"], name=op.f("fk_duty_shift_authority_id_authority")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_duty_shift_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_shift")),
    )
    op.create_index("ix_duty_shift_window", "duty_shift", ["authority_id", "ends_at", "starts_at"])
    op.create_table(
        "emergency_escalation",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("escalated_at", UTCDateTime(), nullable=False),
        sa.Column("alerted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_emergency_escalation_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_emergency_escalation")),
    )


def downgrade() -> None:
    op.drop_table("emergency_escalation")
    op.drop_index("ix_duty_shift_window", table_name="duty_shift")
    op.drop_table("duty_shift")
