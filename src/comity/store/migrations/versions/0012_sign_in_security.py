"""Sign-in security: enrolled authenticators, session freshness and idle time, failed sign-ins.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from comity.store.columns import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("totp_secret", sa.String(length=200), nullable=True))
    op.add_column("user_account", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.add_column("api_token", sa.Column("authenticated_at", UTCDateTime(), nullable=True))
    op.add_column("api_token", sa.Column("last_seen_at", UTCDateTime(), nullable=True))
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    op.create_index("ix_sign_in_failure_subject", "sign_in_failure", ["subject", "at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failure_subject", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("authenticated_at")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
