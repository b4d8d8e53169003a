"""Posts upserted by key with snapshots; source health and capped backoff."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.collector.conftest import NOW
from yuqing.collector.items import RawPost
from yuqing.collector.models import Post, Snapshot, SourcePoll
from yuqing.collector.store import (
    PollRecord,
    get_source,
    record_poll_failure,
    record_poll_success,
    save_posts,
    save_sources,
)
from yuqing.config.database import transaction
from yuqing.config.settings import SourceSettings

SOURCE = SourceSettings(name="bbs", kind="discuz", url="http://bbs.example.cn/forum.php?mod=forumdisplay&fid=2")


def _post(url: str, **fields) -> RawPost:
    return RawPost(title=fields.pop("title", "标题"), url=url, site="bbs.example.cn", **fields)


def test_one_post_is_one_row_across_url_forms_and_polls(db) -> None:
    with transaction(db) as session:
        row = save_sources(session, [SOURCE])["bbs"]
        new, updated = save_posts(session, row, [
            _post("http://bbs.example.cn/thread-7-1-1.html", views=10, replies=1),
            _post("http://bbs.example.cn/forum.php?mod=viewthread&tid=7&extra=page%3D1", views=10, replies=1),
            _post("http://bbs.example.cn/thread-8-1-1.html"),
        ], NOW)
        assert (new, updated) == (2, 0)
        new, updated = save_posts(session, row, [
            _post("http://bbs.example.cn/forum.php?mod=viewthread&tid=7", views=25, replies=3, body="正文"),
            _post("http://bbs.example.cn/thread-8-1-1.html"),
        ], NOW + timedelta(minutes=5))
        assert (new, updated) == (0, 1)
    with db() as session:
        post = session.scalars(select(Post).where(Post.key.like("%tid=7"))).one()
        assert post.url == "http://bbs.example.cn/forum.php?mod=viewthread&tid=7"
        assert (post.views, post.replies, post.body) == (25, 3, "正文")
        assert post.first_seen_at == NOW and post.last_seen_at == NOW + timedelta(minutes=5)
        counts = [(s.views, s.replies) for s in post.snapshots]
        assert counts == [(10, 1), (25, 3)]  # one snapshot per poll where counts were known
        assert session.scalar(select(func.count()).select_from(Snapshot)) == 2  # none for tid 8


def test_a_list_poll_without_body_keeps_the_stored_text(db) -> None:
    with transaction(db) as session:
        row = save_sources(session, [SOURCE])["bbs"]
        save_posts(session, row, [_post("http://b.cn/thread-1-1-1.html", body="完整正文" * 20)], NOW)
        save_posts(session, row, [_post("http://b.cn/thread-1-1-1.html", body="", author="张三")], NOW)
    with db() as session:
        post = session.scalars(select(Post)).one()
        assert post.body == "完整正文" * 20 and post.author == "张三"


def test_failures_back_off_exponentially_up_to_the_cap_and_success_resets(db) -> None:
    interval, cap = timedelta(minutes=10), timedelta(hours=1)
    with transaction(db) as session:
        row = save_sources(session, [SOURCE])["bbs"]
        delays = []
        for _ in range(4):
            record_poll_failure(session, row, PollRecord(NOW, NOW, "error", error="HTTP 500"),
                                interval=interval, backoff_max=cap)
            delays.append(row.next_poll_at - NOW)
        assert delays == [timedelta(minutes=20), timedelta(minutes=40), cap, cap]
        record_poll_failure(session, row, PollRecord(NOW, NOW, "error", error="HTTP 429"),
                            interval=interval, backoff_max=cap, retry_after=7200)
        assert row.next_poll_at - NOW == timedelta(hours=2)  # Retry-After wins when longer
        assert row.consecutive_failures == 5 and row.last_error == "HTTP 429"
        record_poll_success(session, row, PollRecord(NOW, NOW, "ok", items_found=3, items_new=1, etag='"e"'),
                            interval=interval)
    with db() as session:
        row = get_source(session, "bbs")
        assert row.consecutive_failures == 0 and row.last_success_at == NOW and row.etag == '"e"'
        assert row.next_poll_at == NOW + interval and row.last_new_item_at == NOW
        assert session.scalar(select(func.count()).select_from(SourcePoll)) == 6


def test_backoff_of_a_daily_source_never_overflows(db) -> None:
    interval, cap = timedelta(days=1), timedelta(days=2)
    with transaction(db) as session:
        row = save_sources(session, [SOURCE])["bbs"]
        row.consecutive_failures = 40
        record_poll_failure(session, row, PollRecord(NOW, NOW, "error", error="HTTP 500"),
                            interval=interval, backoff_max=cap)
        assert row.next_poll_at - NOW == cap
        record_poll_failure(session, row, PollRecord(NOW, NOW, "error", error="HTTP 503"),
                            interval=interval, backoff_max=cap, retry_after=1e15)
        assert row.next_poll_at - NOW == timedelta(days=7)  # a site's absurd Retry-After is bounded


def test_a_snapshot_is_written_only_when_a_count_changes(db) -> None:
    url = "http://bbs.example.cn/thread-9-1-1.html"
    polls = [(0, {"views": 10, "replies": 1}), (5, {"views": 10, "replies": 1}), (10, {"views": 10}),
             (15, {"views": 12, "replies": 1}), (20, {"views": 12, "replies": 1, "title": "改了标题"})]
    with transaction(db) as session:
        row = save_sources(session, [SOURCE])["bbs"]
        for minutes, fields in polls:
            save_posts(session, row, [_post(url, **fields)], NOW + timedelta(minutes=minutes))
    with db() as session:
        post = session.scalars(select(Post)).one()
        series = [(s.taken_at - NOW, s.views, s.replies) for s in post.snapshots]
    # the same counts again, a page that hides a count, a new title: none of them is a change
    assert series == [(timedelta(0), 10, 1), (timedelta(minutes=15), 12, 1)]
    assert post.last_seen_at == NOW + timedelta(minutes=20)
