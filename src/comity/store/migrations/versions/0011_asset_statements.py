"""Asset-disposal statements: issued here, or issued by the other State and recomputed here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from comity.store.columns import UTCDateTime, json_type

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asset_statement",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("issuer_state", sa.String(length=2), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("statement", json_type(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_asset_statement_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_statement")),
    )
    op.create_index(
        "ix_asset_statement_digest", "asset_statement", ["request_id", "sha256"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_asset_statement_digest", table_name="asset_statement")
    op.drop_table("asset_statement")
