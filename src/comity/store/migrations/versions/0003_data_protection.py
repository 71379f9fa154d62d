"""Data protection: usage policies on requests, the data-access register, deletion records.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from comity.store.columns import UTCDateTime, json_type

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns are only added (nullable): SQLite does this in place, without recreating the
    # table. Requests stored before this revision have no policy until they are next written.
    with op.batch_alter_table("cooperation_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("usage_policy", json_type(), nullable=True))
        batch_op.add_column(sa.Column("retention_until", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
    op.create_index("ix_cooperation_request_retention", "cooperation_request", ["retention_until"])

    op.create_table(
        "data_access",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("purpose_code", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("recipient_state", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_data_access_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_access")),
    )
    op.create_index("ix_data_access_request", "data_access", ["request_id", "at"])
    op.create_index("ix_data_access_at", "data_access", ["at"])

    op.create_table(
        "deletion_record",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_deletion_record_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_deletion_record")),
    )


def downgrade() -> None:
    op.drop_table("deletion_record")
    op.drop_index("ix_data_access_at", table_name="data_access")
    op.drop_index("ix_data_access_request", table_name="data_access")
    op.drop_table("data_access")
    op.drop_index("ix_cooperation_request_retention", table_name="cooperation_request")
    with op.batch_alter_table("cooperation_request", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("retention_until")
        batch_op.drop_column("usage_policy")
