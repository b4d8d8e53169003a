"""Tables of the collection stage: sources and their health, posts, engagement snapshots, and the
kept pages (evidence) of alerted posts with their deletion watch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuqing.config.database import Base, JSONType, UTCDateTime, utcnow


class Source(Base):
    """The health and fetch state of one configured source (the config holds its definition)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    site: Mapped[str] = mapped_column(String(255))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_new_item_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_warning: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_reason: Mapped[str | None] = mapped_column(Text)  # set while the site refuses us
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when this blocked episode began
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    polls: Mapped[list[SourcePoll]] = relationship(back_populates="source", passive_deletes=True)


class SourcePoll(Base):
    """One poll of a source: outcome, HTTP status, items found and stored, error text."""

    __tablename__ = "source_polls"
    __table_args__ = (Index("ix_source_polls_source_id_started_at", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20))  # ok | not_modified | partial | error
    http_status: Mapped[int | None] = mapped_column(Integer)
    items_found: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship(back_populates="polls")


class Post(Base):
    """One item (feed entry, thread, post); identity is its canonical URL or feed guid."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_first_seen_at", "first_seen_at"),
        Index("ix_posts_published_at", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), index=True
    )
    site: Mapped[str] = mapped_column(String(255), index=True)
    url: Mapped[str] = mapped_column(Text)
    guid: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(255))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    views: Mapped[int | None] = mapped_column(BigInteger)
    replies: Mapped[int | None] = mapped_column(BigInteger)
    reposts: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)

    snapshots: Mapped[list[Snapshot]] = relationship(
        back_populates="post", passive_deletes=True, order_by="Snapshot.taken_at"
    )


class Snapshot(Base):
    """Engagement counts of a post at one poll; the time series behind velocity."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_post_id_taken_at", "post_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    views: Mapped[int | None] = mapped_column(BigInteger)
    replies: Mapped[int | None] = mapped_column(BigInteger)
    reposts: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)

    post: Mapped[Post] = relationship(back_populates="snapshots")


class EvidencePage(Base):
    """A post's page as first fetched once its story was alerted (zlib bytes, SHA-256 of the raw
    bytes), and its deletion watch: when it was last checked, first seen gone, confirmed deleted."""

    __tablename__ = "evidence_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [[name, value], …] as sent
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the raw bytes as fetched
    raw_size: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_size: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib; None when not kept (note says why)
    note: Mapped[str | None] = mapped_column(Text)  # why the bytes were not kept, or the fetch error
    screenshot: Mapped[bytes | None] = mapped_column(LargeBinary)  # PNG, where Chromium rendered one
    screenshot_note: Mapped[str | None] = mapped_column(Text)  # why there is none (not tried again)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    gone_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first observation of a gone page
    gone_reason: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # = gone_since once re-checked gone
    watching: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
