"""Practice life cycles: where each request stands in its form's own steps, and the steps.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 21:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from comity.store.columns import UTCDateTime, json_type

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_record",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("lifecycle", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_practice_record_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_practice_record")),
    )
    op.create_index("ix_practice_record_open", "practice_record", ["final", "lifecycle"])
    op.create_table(
        "practice_step",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("step", json_type(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_practice_step_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("request_id", "seq", name=op.f("pk_practice_step")),
    )


def downgrade() -> None:
    op.drop_table("practice_step")
    op.drop_index("ix_practice_record_open", table_name="practice_record")
    op.drop_table("practice_record")
