"""likes counts and blocked sources (issue 17)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import yuqing.config.database

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("likes", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("likes", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocked_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("blocked_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("blocked_at")
        batch_op.drop_column("blocked_reason")
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("likes")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("likes")
