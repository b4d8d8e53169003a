"""distributed mode: its tasks (done once per key) and its processes (issue 18)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import yuqing.config.database

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dist_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("queues", yuqing.config.database.JSONType(), nullable=True),
        sa.Column("started_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tasks_done", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dist_nodes")),
        sa.UniqueConstraint("name", name=op.f("uq_dist_nodes_name")),
    )
    op.create_table(
        "dist_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("args", yuqing.config.database.JSONType(), nullable=False),
        sa.Column("enqueued_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("deadline_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("finished_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dist_tasks")),
        sa.UniqueConstraint("key", name=op.f("uq_dist_tasks_key")),
    )
    with op.batch_alter_table("dist_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_dist_tasks_open", ["finished_at", "queue", "enqueued_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dist_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_dist_tasks_open")

    op.drop_table("dist_tasks")
    op.drop_table("dist_nodes")
