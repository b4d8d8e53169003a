"""site_segments: how many posts of a site carried each line or sentence (issue 14, boilerplate)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_segments",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_segments")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_site_segments_last_day", "site_segments", ["last_day"])


def downgrade() -> None:
    op.drop_index("ix_site_segments_last_day", table_name="site_segments")
    op.drop_table("site_segments")
