"""skipped (coalesced) runs per job, counted per service life (issue 18)

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-04 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import yuqing.config.database

revision: str = "0009"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skipped_runs", yuqing.config.database.JSONType(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_runs", schema=None) as batch_op:
        batch_op.drop_column("skipped_runs")
