"""Collection-stage queries: source rows and their health, posts (upserted by key) and snapshots."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from yuqing.collector.items import RawPost
from yuqing.collector.models import Post, Snapshot, Source, SourcePoll
from yuqing.collector.normalize import canonical_url, post_key
from yuqing.config.settings import SourceSettings

_IN_CHUNK = 500
COUNTS = ("views", "replies", "reposts", "likes")  # the engagement counts a snapshot holds
_MAX_RETRY_AFTER = 7 * 24 * 3600.0  # seconds; a server's Retry-After: 1e15 must not overflow
# the queries of every poll, built once (building a statement costs more CPU than running it)
_SOURCES_NAMED = select(Source).where(Source.name.in_(bindparam("names", expanding=True)))
_SOURCE_NAMED = select(Source).where(Source.name == bindparam("name"))
_POSTS_KEYED = select(Post).where(Post.key.in_(bindparam("keys", expanding=True)))


@dataclass(frozen=True)
class SourceHealth:
    """A configured source joined with its health row (None where it was never polled)."""

    name: str
    kind: str
    url: str
    site: str
    enabled: bool
    ok: bool
    status: str  # ok | failing | blocked | never polled | disabled
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_new_item_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_warning: str | None
    consecutive_failures: int
    next_poll_at: datetime | None
    blocked_reason: str | None = None
    blocked_at: datetime | None = None


def save_sources(session: Session, sources: list[SourceSettings]) -> dict[str, Source]:
    """Make sure each of these sources has a row with its current kind, URL and site; return the rows
    by name (only these sources' rows are read: a poll of one source reads one row)."""
    names = [source.name for source in sources]
    rows = {row.name: row for row in session.scalars(_SOURCES_NAMED, {"names": names})}
    for source in sources:
        row = rows.get(source.name)
        if row is None:
            row = Source(name=source.name, kind=source.kind, url=source.url, site=source.site_name,
                         consecutive_failures=0)
            session.add(row)
            rows[source.name] = row
        elif (row.kind, row.url, row.site) != (source.kind, source.url, source.site_name):
            if row.url != source.url:
                row.etag = row.last_modified = None  # validators belong to the old URL
            row.kind, row.url, row.site = source.kind, source.url, source.site_name
    session.flush()
    return rows


def current_sources(session: Session, sources: list[SourceSettings]) -> dict[str, Source] | None:
    """The rows of these sources by name when every one exists with its configured kind, URL and site
    (nothing to save; read only); None when one must be added or changed first (`save_sources`)."""
    rows = {row.name: row for row in session.scalars(_SOURCES_NAMED, {"names": [s.name for s in sources]})}
    for source in sources:
        row = rows.get(source.name)
        if row is None or (row.kind, row.url, row.site) != (source.kind, source.url, source.site_name):
            return None
    return rows


def list_source_health(session: Session, sources: list[SourceSettings]) -> list[SourceHealth]:
    """The health of every configured source, in configuration order."""
    rows = {row.name: row for row in session.scalars(select(Source))}
    return [_health(source, rows.get(source.name)) for source in sources]


def _health(source: SourceSettings, row: Source | None) -> SourceHealth:
    failures = row.consecutive_failures if row else 0
    polled = row is not None and row.last_polled_at is not None
    ok = polled and failures == 0 and row is not None and row.last_success_at is not None
    if not source.enabled:
        status = "disabled"
    elif not polled:
        status = "never polled"
    elif row is not None and row.blocked_reason:
        status = "blocked"
    else:
        status = "ok" if ok else "failing"
    return SourceHealth(
        name=source.name,
        kind=source.kind,
        url=source.url,
        site=source.site_name,
        enabled=source.enabled,
        ok=ok,
        status=status,
        last_polled_at=row.last_polled_at if row else None,
        last_success_at=row.last_success_at if row else None,
        last_new_item_at=row.last_new_item_at if row else None,
        last_error=row.last_error if row else None,
        last_error_at=row.last_error_at if row else None,
        last_warning=row.last_warning if row else None,
        consecutive_failures=failures,
        next_poll_at=row.next_poll_at if row else None,
        blocked_reason=row.blocked_reason if row else None,
        blocked_at=row.blocked_at if row else None,
    )


@dataclass(frozen=True)
class PollRecord:
    """What one poll of a source came to, as recorded in `source_polls` and on the source row."""

    started_at: datetime
    finished_at: datetime
    outcome: str  # ok | not_modified | partial | error
    http_status: int | None = None
    items_found: int = 0
    items_new: int = 0
    error: str | None = None
    warning: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def get_source(session: Session, name: str) -> Source:
    """The health row of a source (it exists once `save_sources` has run)."""
    return session.scalars(_SOURCE_NAMED, {"name": name}).one()


def list_known_keys(session: Session, source: Source, min_body: int) -> frozenset[str]:
    """Keys of this source's posts whose body has at least `min_body` characters."""
    query = select(Post.key).where(Post.source_id == source.id, func.length(Post.body) >= min_body)
    return frozenset(session.scalars(query))


def save_posts(session: Session, source: Source, items: Sequence[RawPost], now: datetime) -> tuple[int, int]:
    """Upsert posts by key; return (new, updated).

    A snapshot is written for a new post with a known count and for a known post whose counts
    changed, with the counts it holds from then on: the series is step-wise, each count held
    until the next snapshot (an unchanged poll writes none; docs/spec.md §2).
    """
    by_key: dict[str, RawPost] = {}
    for item in items:
        key = post_key(item.url, item.guid)
        by_key[key] = _merge_duplicate(by_key[key], item) if key in by_key else item
    existing: dict[str, Post] = {}
    keys = list(by_key)
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        existing.update((p.key, p) for p in session.scalars(_POSTS_KEYED, {"keys": chunk}))
    held = {key: _counts(post) for key, post in existing.items()}
    updated = sum(_update_post(existing[key], item, now) for key, item in by_key.items() if key in existing)
    fresh = [_new_row(key, source, item, now) for key, item in by_key.items() if key not in existing]
    ids = {post.key: post.id for post in existing.values()}
    if fresh:  # one multi-row INSERT … RETURNING rather than a statement per post
        ids.update((key, id_) for id_, key in session.execute(insert(Post).returning(Post.id, Post.key), fresh))
    session.flush()
    snapshots = []
    for key, item in by_key.items():
        counts = _counts(existing[key]) if key in existing else _counts(item)
        if item.has_counts and (key not in existing or counts != held[key]):
            snapshots.append({"post_id": ids[key], "taken_at": now, **dict(zip(COUNTS, counts, strict=True))})
    if snapshots:
        session.execute(insert(Snapshot), snapshots)
    return len(fresh), updated


def _counts(row: Post | RawPost) -> tuple[int | None, ...]:
    return tuple(getattr(row, name) for name in COUNTS)


def record_poll_success(session: Session, source: Source, poll: PollRecord, *, interval: timedelta) -> None:
    """Record a poll that read the source (fully or partly): health reset, next poll on schedule."""
    session.add(_poll_row(source, poll))
    source.last_polled_at = source.last_success_at = poll.started_at
    source.consecutive_failures = 0
    source.blocked_reason = source.blocked_at = None  # a blocked episode ends with a poll that reads
    source.last_warning = poll.warning
    source.next_poll_at = poll.started_at + interval
    if poll.items_new:
        source.last_new_item_at = poll.started_at
    if poll.outcome != "not_modified":  # a 304 may omit the validators; keep what we had
        source.etag, source.last_modified = poll.etag, poll.last_modified


def record_poll_failure(session: Session, source: Source, poll: PollRecord, *, interval: timedelta,
                        backoff_max: timedelta, retry_after: float | None = None) -> None:
    """Record a failed poll: the error where users see it, and a capped exponential backoff."""
    session.add(_poll_row(source, poll))
    source.last_polled_at = source.last_error_at = poll.started_at
    source.last_error = poll.error
    source.consecutive_failures = (source.consecutive_failures or 0) + 1
    # in seconds: a timedelta of a daily interval times 2**30 would overflow
    doubled = interval.total_seconds() * 2.0 ** min(source.consecutive_failures, 30)
    delay = max(interval, timedelta(seconds=min(doubled, backoff_max.total_seconds())))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=min(retry_after, _MAX_RETRY_AFTER)))  # the site's figure, bounded
    source.next_poll_at = poll.started_at + delay


def _poll_row(source: Source, poll: PollRecord) -> SourcePoll:
    return SourcePoll(
        source_id=source.id, started_at=poll.started_at, finished_at=poll.finished_at, outcome=poll.outcome,
        http_status=poll.http_status, items_found=poll.items_found, items_new=poll.items_new,
        error=poll.error or poll.warning,
    )


def _content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def _new_row(key: str, source: Source, item: RawPost, now: datetime) -> dict[str, Any]:
    return {
        "key": key, "source_id": source.id, "site": item.site,
        "url": canonical_url(item.url) if item.url else "", "guid": item.guid, "title": item.title,
        "body": item.body, "author": item.author, "published_at": item.published_at,
        "first_seen_at": now, "last_seen_at": now, "content_hash": _content_hash(item.title, item.body),
        "views": item.views, "replies": item.replies, "reposts": item.reposts, "likes": item.likes,
    }


def _update_post(post: Post, item: RawPost, now: datetime) -> bool:
    """Bring a stored post up to date; True when its text or counts changed."""
    post.last_seen_at = now
    before = (post.content_hash, post.views, post.replies, post.reposts, post.likes)
    if item.title:
        post.title = item.title
    if len(item.body) > len(post.body or ""):  # a list poll carries no body; keep the longest text
        post.body = item.body
    post.author = post.author or item.author
    post.published_at = post.published_at or item.published_at
    for name in COUNTS:
        if (value := getattr(item, name)) is not None:
            setattr(post, name, value)
    post.content_hash = _content_hash(post.title, post.body)
    return before != (post.content_hash, post.views, post.replies, post.reposts, post.likes)


def _merge_duplicate(first: RawPost, other: RawPost) -> RawPost:
    """One page listing the same post twice (sticky and normal): fill gaps of the first."""
    return first.merged(**{
        name: getattr(other, name) for name in ("author", "published_at", "views", "replies", "reposts", "likes")
        if getattr(first, name) is None and getattr(other, name) is not None
    }, body=max(first.body, other.body, key=len))


def had_items(session: Session, source: Source) -> bool:
    """Whether the last poll that read the source found items (an empty list next is suspicious)."""
    found = session.scalar(
        select(SourcePoll.items_found).where(SourcePoll.source_id == source.id,
                                             SourcePoll.outcome.in_(("ok", "partial")))
        .order_by(SourcePoll.started_at.desc(), SourcePoll.id.desc()).limit(1))
    return bool(found)


def record_poll_blocked(session: Session, source: Source, poll: PollRecord, *, reason: str, backoff: timedelta,
                        retry_after: float | None = None) -> None:
    """Record a poll the site refused: the source is blocked (a blind spot) and left alone for `backoff`.

    The episode starts at the first refused poll (`blocked_at`) and lasts until a poll reads the
    source again; the alerting stage tells the admins once per episode.
    """
    session.add(_poll_row(source, poll))
    source.last_polled_at = source.last_error_at = poll.started_at
    source.last_error = poll.error
    source.consecutive_failures = (source.consecutive_failures or 0) + 1
    source.blocked_reason = reason
    source.blocked_at = source.blocked_at or poll.started_at
    delay = backoff
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=min(retry_after, _MAX_RETRY_AFTER)))
    source.next_poll_at = poll.started_at + delay


def list_blocked_sources(session: Session) -> list[Source]:
    """Sources the sites refuse right now, oldest episode first."""
    return list(session.scalars(select(Source).where(Source.blocked_at.is_not(None))
                                .order_by(Source.blocked_at, Source.id)))
