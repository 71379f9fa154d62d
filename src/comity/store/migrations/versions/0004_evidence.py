"""Evidence packages and their custody chains.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 13:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from comity.store.columns import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_package",
        sa.Column("package_id", sa.String(length=128), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("peer_state", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("merkle_root", sa.String(length=64), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sealed_bytes", sa.BigInteger(), nullable=False),
        sa.Column("chunks_done", sa.Integer(), nullable=False),
        sa.Column("bytes_done", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("released_at", UTCDateTime(), nullable=True),
        sa.Column("failure_code", sa.String(length=40), nullable=True),
        sa.Column("failure_detail", sa.Text(), nullable=True),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["cooperation_request.id"],
            name=op.f("fk_evidence_package_request_id_cooperation_request"),
        ),
        sa.PrimaryKeyConstraint("package_id", name=op.f("pk_evidence_package")),
    )
    op.create_index("ix_evidence_package_request", "evidence_package", ["request_id"])
    op.create_index("ix_evidence_package_status", "evidence_package", ["direction", "status"])
    op.create_table(
        "evidence_custody",
        sa.Column("package_id", sa.String(length=128), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("previous", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("place", sa.String(length=2), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("token", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["evidence_package.package_id"],
            name=op.f("fk_evidence_custody_package_id_evidence_package"),
        ),
        sa.PrimaryKeyConstraint("package_id", "sequence", name=op.f("pk_evidence_custody")),
    )


def downgrade() -> None:
    op.drop_table("evidence_custody")
    op.drop_index("ix_evidence_package_status", table_name="evidence_package")
    op.drop_index("ix_evidence_package_request", table_name="evidence_package")
    op.drop_table("evidence_package")
