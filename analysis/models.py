"""Tables of the analysis stage: post analyses, stories, membership, LSH bands, tier history, bursts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuqing.config.database import Base, JSONType, UTCDateTime, utcnow


class PostAnalysis(Base):
    """What the analysis stage concluded about one post, and with which model version."""

    __tablename__ = "post_analyses"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(64))
    analyzed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    negativity: Mapped[float] = mapped_column(Float)
    negative: Mapped[bool] = mapped_column(Boolean)
    relevant: Mapped[bool] = mapped_column(Boolean, index=True)
    category: Mapped[str | None] = mapped_column(String(20))
    schemes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)


class Story(Base):
    """A cluster of posts carrying the same statement across sites, with its metrics and tier."""

    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_last_post_at", "last_post_at"),
        # the console's story list: per tier (or none), hottest first, without sorting the table (migration 0003)
        Index("ix_stories_heat", "tier", "clicks_24h", "last_post_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    first_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    first_site: Mapped[str | None] = mapped_column(String(255))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    negativity: Mapped[float] = mapped_column(Float, default=0.0)
    negative: Mapped[bool] = mapped_column(Boolean, default=False)
    relevant: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str | None] = mapped_column(String(20))
    schemes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    sites: Mapped[list[str]] = mapped_column(JSONType, default=list)
    posts: Mapped[int] = mapped_column(Integer, default=0)
    clicks_24h: Mapped[int] = mapped_column(BigInteger, default=0)
    reposts: Mapped[int] = mapped_column(BigInteger, default=0)
    clicks_per_hour: Mapped[float] = mapped_column(Float, default=0.0)
    reposts_per_hour: Mapped[float] = mapped_column(Float, default=0.0)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    metrics_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dirty: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    tier: Mapped[str | None] = mapped_column(String(20), index=True)
    tier_reason: Mapped[str | None] = mapped_column(Text)
    tier_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forecast: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    members: Mapped[list[StoryPost]] = relationship(back_populates="story", passive_deletes=True)
    tier_changes: Mapped[list[TierChange]] = relationship(
        back_populates="story", passive_deletes=True, order_by="TierChange.raised_at"
    )


class StoryPost(Base):
    """Membership: a post belongs to exactly one story."""

    __tablename__ = "story_posts"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    similarity: Mapped[float] = mapped_column(Float, default=1.0)

    story: Mapped[Story] = relationship(back_populates="members")


class StoryBand(Base):
    """One MinHash LSH band hash of a post, for candidate look-up inside the window.

    The primary key (day, band, hash, post_id) is the look-up index: a look-up asks for a
    band hash on each day the window covers. `day` (whole days since 1970, UTC, of the post's
    first sight) leads so that a batch's rows all go to today's part of the B-tree — a few
    thousand pages rewritten per commit, not most pages of a table holding 21 rows for every
    post in the window — and pruning drops whole days. `seen_hour` keeps the window exact to
    the hour. No foreign keys: rows leave by day, long before retention deletes their posts,
    and checking two parents per row would cost more than the insert itself; a row left by a
    post deleted early only yields a candidate that is then skipped (no sketch, no text).
    """

    __tablename__ = "story_bands"
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(Integer)
    seen_hour: Mapped[int] = mapped_column(Integer)


class SiteSegment(Base):
    """How many posts of one site carried one line or sentence of folded text (`boilerplate.py`):
    text a site repeats in many posts — footers, adverts, template titles — is left out of story
    matching. `key` hashes the site and the segment together; rows of rare segments leave once
    their `last_day` (days since 1970, UTC) is older than the window.
    """

    __tablename__ = "site_segments"
    __table_args__ = (Index("ix_site_segments_last_day", "last_day"), {"sqlite_with_rowid": False})

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    posts: Mapped[int] = mapped_column(Integer)
    last_day: Mapped[int] = mapped_column(Integer)


class PostSignature(Base):
    """A post's MinHash signature and shingle count: candidates are screened by estimated
    containment before their text is read and compared exactly."""

    __tablename__ = "post_signatures"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    shingles: Mapped[int] = mapped_column(Integer)
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # NUM_PERM little-endian uint32


class TierChange(Base):
    """A tier a story reached, once per tier ever; the event the alert outbox is built from."""

    __tablename__ = "tier_changes"
    __table_args__ = (UniqueConstraint("story_id", "tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    tier: Mapped[str] = mapped_column(String(20))
    previous_tier: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    story: Mapped[Story] = relationship(back_populates="tier_changes")


class Burst(Base):
    """A surge of a scheme's post volume against its hour-of-week baseline."""

    __tablename__ = "bursts"
    __table_args__ = (UniqueConstraint("scheme", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(String(200))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class SchemePost(Base):
    """A relevant post under one scheme it matched, and under "*" (every relevant post): what burst
    detection counts, kept by the analysis stage as it stores analyses (`burst_store`).

    The primary key (scheme, seen_at, post_id) is the look-up: a burst test reads one scheme's rows
    first seen in its 8-day window. `seen_at` is the post's `first_seen_at`, which never changes;
    the time a post counts at (published, if before it was seen) is read from the post itself.
    """

    __tablename__ = "scheme_posts"
    __table_args__ = (Index("ix_scheme_posts_post_id", "post_id"), {"sqlite_with_rowid": False})

    scheme: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)


class SchemeVersion(Base):
    """One saved state of a scheme edited in the web console: every change is a new row, kept.

    The newest row of a name is the scheme in force (none when it is `deleted`); schemes from the
    configuration file are not stored here and cannot be changed from the console.
    """

    __tablename__ = "scheme_versions"
    __table_args__ = (Index("ix_scheme_versions_name_id", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)
    recipients: Mapped[list[str]] = mapped_column(JSONType, default=list)
    escalate_to: Mapped[list[str]] = mapped_column(JSONType, default=list)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
