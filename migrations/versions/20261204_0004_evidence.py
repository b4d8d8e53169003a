"""evidence pages and their deletion watch (issue 19)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 04:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import yuqing.config.database

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("fetched_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("headers", yuqing.config.database.JSONType(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("raw_size", sa.BigInteger(), nullable=False),
        sa.Column("stored_size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("screenshot", sa.LargeBinary(), nullable=True),
        sa.Column("screenshot_note", sa.Text(), nullable=True),
        sa.Column("checked_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("gone_since", yuqing.config.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("gone_reason", sa.Text(), nullable=True),
        sa.Column("deleted_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("watching", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_evidence_pages_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_pages")),
        sa.UniqueConstraint("post_id", name=op.f("uq_evidence_pages_post_id")),
    )
    with op.batch_alter_table("evidence_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_pages_checked_at"), ["checked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_pages_stored_size"), ["stored_size"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_pages_watching"), ["watching"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_pages_watching"))
        batch_op.drop_index(batch_op.f("ix_evidence_pages_stored_size"))
        batch_op.drop_index(batch_op.f("ix_evidence_pages_checked_at"))
    op.drop_table("evidence_pages")
