"""scheme_posts: relevant posts by scheme and first sight, counted by burst detection (issue 15)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 11:00:00

Filled from the stored analyses: one row per relevant post under each scheme it matched, and one
under "*".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import yuqing.config.database

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ELEMENTS = {"sqlite": "json_each(a.schemes) AS s", "postgresql": "jsonb_array_elements_text(a.schemes) AS s(value)"}


def upgrade() -> None:
    op.create_table(
        "scheme_posts",
        sa.Column("scheme", sa.String(length=200), nullable=False),
        sa.Column("seen_at", yuqing.config.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("post_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_scheme_posts_post_id_posts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scheme", "seen_at", "post_id", name=op.f("pk_scheme_posts")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_scheme_posts_post_id", "scheme_posts", ["post_id"])
    relevant = "FROM post_analyses a JOIN posts p ON p.id = a.post_id WHERE a.relevant"
    op.execute(f"INSERT INTO scheme_posts (scheme, seen_at, post_id) SELECT '*', p.first_seen_at, p.id {relevant}")
    elements = ELEMENTS.get(op.get_bind().dialect.name)
    if elements is not None:
        op.execute(f"INSERT INTO scheme_posts (scheme, seen_at, post_id) "
                   f"SELECT DISTINCT s.value, p.first_seen_at, p.id FROM post_analyses a "
                   f"JOIN posts p ON p.id = a.post_id, {elements} WHERE a.relevant AND s.value <> '*'")


def downgrade() -> None:
    op.drop_index("ix_scheme_posts_post_id", table_name="scheme_posts")
    op.drop_table("scheme_posts")
