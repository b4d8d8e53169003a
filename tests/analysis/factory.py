"""Rows the story tests start from: posts with analyses and snapshots, written directly."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

from sqlalchemy.orm import Session

from yuqing.analysis.burst_store import replace_scheme_posts
from yuqing.analysis.models import PostAnalysis
from yuqing.collector.models import Post, Snapshot

T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
_keys = count(1)

STATEMENT = (
    "11月20日晚8点左右,市交通局门口的人行道上一辆渣土车失控冲上路边,撞倒三名等公交的市民,"
    "其中一名老人当场昏迷被送往医院。目击者称司机当时在打电话,事发路段施工围挡占了一半车道,"
    "居民多次向交通局投诉无人处理。"
)
OFFICIAL_REPLY = (
    "关于11月20日交通局附近渣土车事故的情况通报:经初步调查,肇事车辆属某建筑公司,"
    "驾驶员已被公安机关依法控制,三名受伤群众均已得到救治,其中一人仍在观察。"
    "市交通局已责成相关单位整改施工围挡,感谢广大市民监督。"
)


def add_post(
    session: Session,
    *,
    site: str,
    title: str,
    body: str = "",
    seen: datetime,
    published: datetime | None = None,
    views: int | None = None,
    replies: int | None = None,
    reposts: int | None = None,
    negativity: float = 0.9,
    negative: bool | None = None,
    relevant: bool = True,
    schemes: list[str] | None = None,
    category: str | None = "emergency",
    analysed: bool = True,
) -> Post:
    """A post first seen at `seen` with one snapshot of its counts and (by default) an analysis."""
    number = next(_keys)
    post = Post(
        key=f"https://{site}/t/{number}", site=site, url=f"https://{site}/t/{number}", title=title,
        body=body, published_at=published, first_seen_at=seen, last_seen_at=seen,
        views=views, replies=replies, reposts=reposts,
    )
    session.add(post)
    session.flush()
    if views is not None or replies is not None or reposts is not None:
        session.add(Snapshot(post_id=post.id, taken_at=seen, views=views, replies=replies, reposts=reposts))
    if analysed:
        matched = ["交通局"] if schemes is None and relevant else (schemes or [])
        session.add(PostAnalysis(
            post_id=post.id, model_version="test", analyzed_at=seen, negativity=negativity,
            negative=negativity >= 0.5 if negative is None else negative, relevant=relevant,
            category=category, schemes=matched, keywords=[],
        ))
        replace_scheme_posts(session, [(post.id, relevant, matched)])  # as save_analyses keeps them
    session.flush()
    return post


def add_snapshot(session: Session, post: Post, at: datetime, *, views: int | None = None,
                 replies: int | None = None, reposts: int | None = None) -> None:
    """A later poll of a post's counts."""
    session.add(Snapshot(post_id=post.id, taken_at=at, views=views, replies=replies, reposts=reposts))
    post.views, post.replies, post.reposts = views, replies, reposts
    post.last_seen_at = at
    session.flush()
