"""Every figure of the digest against SQL written independently here, over a built week of data."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session, sessionmaker

from tests.alerts.digest.world import DAY, NOW, World, build_world, digest_settings, local
from yuqing.alerts.digest.data import collect_digest
from yuqing.alerts.digest.model import DigestData
from yuqing.alerts.digest.render import render_html, render_markdown
from yuqing.config.database import UTCDateTime

START, END = local(DAY, 0), local(DAY + timedelta(days=1), 0)
BEFORE = local(DAY - timedelta(days=1), 0)
TIERS = ("general", "significant", "major", "critical")


@dataclass
class Built:
    session: Session
    data: DigestData
    world: World


@pytest.fixture
def built(db: sessionmaker[Session]) -> Iterator[Built]:
    world = build_world(db)
    with db() as session:
        data = collect_digest(session, digest_settings(), DAY, now=NOW)
        yield Built(session, data, world)


def sql(session: Session, query: str, **params: Any) -> list[Any]:
    """Rows of a raw SQL query; datetime parameters are bound as the columns store them."""
    statement = text(query).bindparams(
        *(bindparam(name, type_=UTCDateTime) for name, value in params.items() if isinstance(value, datetime))
    )
    return [tuple(row) for row in session.execute(statement, params)]


def one(session: Session, query: str, **params: Any) -> int:
    return int(sql(session, query, **params)[0][0] or 0)


POSTS_IN = "FROM posts p LEFT JOIN post_analyses a ON a.post_id = p.id WHERE p.first_seen_at >= :s AND p.first_seen_at < :e"


@pytest.mark.parametrize("which", ["today", "before"])
def test_headline_figures_match_sql(built: Built, which: str) -> None:
    s, e = (START, END) if which == "today" else (BEFORE, START)
    figures = getattr(built.data, which)
    q = built.session
    assert figures.posts == one(q, f"SELECT COUNT(*) {POSTS_IN}", s=s, e=e) > 0
    assert figures.relevant == one(q, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant", s=s, e=e) > 0
    assert figures.negative == one(q, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant AND a.negative", s=s, e=e) > 0
    assert figures.unanalysed == one(q, f"SELECT COUNT(*) {POSTS_IN} AND a.post_id IS NULL", s=s, e=e)
    assert figures.new_stories == one(
        q, "SELECT COUNT(*) FROM stories WHERE relevant AND first_seen_at >= :s AND first_seen_at < :e", s=s, e=e)
    for tier in TIERS:
        assert figures.tiers[tier] == one(
            q, "SELECT COUNT(DISTINCT story_id) FROM tier_changes WHERE tier = :t AND raised_at >= :s "
               "AND raised_at < :e", t=tier, s=s, e=e)
    if which == "today":
        assert figures.tiers == {"general": 2, "significant": 1, "major": 1, "critical": 0}
        assert figures.unanalysed > 0


def test_hourly_series_matches_sql(built: Built) -> None:
    assert [p.label for p in built.data.hourly] == [f"{h:02d}" for h in range(24)]
    for hour, point in enumerate(built.data.hourly):
        s, e = START + timedelta(hours=hour), START + timedelta(hours=hour + 1)
        assert point.relevant == one(built.session, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant", s=s, e=e)
        assert point.negative == one(
            built.session, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant AND a.negative", s=s, e=e)
    assert sum(p.relevant for p in built.data.hourly) == built.data.today.relevant


def test_seven_day_series_matches_sql(built: Built) -> None:
    assert len(built.data.daily) == 7
    for back, point in zip(range(6, -1, -1), built.data.daily, strict=True):
        day = DAY - timedelta(days=back)
        s, e = local(day, 0), local(day + timedelta(days=1), 0)
        assert point.label == day.strftime("%m-%d")
        assert point.relevant == one(built.session, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant", s=s, e=e) > 0
        assert point.negative == one(
            built.session, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant AND a.negative", s=s, e=e)


def test_site_and_category_splits_match_sql(built: Built) -> None:
    rows = sql(built.session, "SELECT p.site, COUNT(*), SUM(CASE WHEN a.negative THEN 1 ELSE 0 END) "
               f"{POSTS_IN} AND a.relevant GROUP BY p.site", s=START, e=END)
    assert {(p.label, p.relevant, p.negative) for p in built.data.by_site} == {(r[0], r[1], r[2]) for r in rows}
    labels = {"problem": "问题类", "emergency": "突发事件类", "sensitive": "敏感类", "suggestion": "意见建议类",
              "rumour": "造谣诽谤类", None: "未分类"}
    rows = sql(built.session, "SELECT a.category, COUNT(*), SUM(CASE WHEN a.negative THEN 1 ELSE 0 END) "
               f"{POSTS_IN} AND a.relevant GROUP BY a.category", s=START, e=END)
    assert {(p.label, p.relevant, p.negative) for p in built.data.by_category} == {
        (labels[r[0]], r[1], r[2]) for r in rows}


def test_top_items_match_sql(built: Built) -> None:
    rows = sql(built.session, "SELECT p.id, p.title, p.url, a.negativity, p.views, p.replies, p.reposts "
               f"{POSTS_IN} AND a.relevant AND a.negative ORDER BY a.negativity DESC, "
               "COALESCE(p.views, 0) + COALESCE(p.replies, 0) DESC, p.id LIMIT 10", s=START, e=END)
    assert [(i.post_id, i.title, i.url, i.negativity, i.views, i.replies, i.reposts)
            for i in built.data.top_items] == rows
    titles = {i.title for i in built.data.top_items}
    assert {"边界 edge-b", "边界 edge-c"} <= titles  # 00:00:00 and 23:59:59 belong to the day
    assert not {"边界 edge-a", "边界 edge-d"} & titles  # one second before, and midnight after, do not


def test_attention_stories_match_sql(built: Built) -> None:
    rows = sql(built.session,
               "SELECT id, tier, title, clicks_24h, reposts, posts FROM stories WHERE tier IS NOT NULL "
               "AND NOT archived AND first_seen_at < :e AND (last_post_at >= :s OR id IN "
               "(SELECT story_id FROM tier_changes WHERE raised_at >= :s AND raised_at < :e))", s=START, e=END)
    assert {(s.id, s.tier, s.title, s.clicks_24h, s.reposts, s.posts) for s in built.data.attention} == set(rows)
    assert built.world.stories["stale"] not in {s.id for s in built.data.attention}
    assert [t for t, _label, _stories in built.data.attention_by_tier()] == ["major", "significant", "general"]
    for story in built.data.attention:
        for which, s, e in (("posts_today", START, END), ("posts_before", BEFORE, START)):
            assert getattr(story, which) == one(
                built.session, "SELECT COUNT(*) FROM story_posts sp JOIN posts p ON p.id = sp.post_id "
                "WHERE sp.story_id = :i AND p.first_seen_at >= :s AND p.first_seen_at < :e", i=story.id, s=s, e=e)
        url = sql(built.session, "SELECT p.url FROM stories s JOIN posts p ON p.id = s.first_post_id "
                  "WHERE s.id = :i", i=story.id)[0][0]
        assert story.url == url
        raised = sql(built.session, "SELECT previous_tier, tier FROM tier_changes WHERE story_id = :i AND "
                     "raised_at >= :s AND raised_at < :e ORDER BY raised_at", i=story.id, s=START, e=END)
        assert [(a, b) for a, b, _at in story.raised] == raised
    major = next(s for s in built.data.attention if s.tier == "major")
    assert (major.posts_today, major.posts_before, major.trend) == (3, 1, "up")
    assert major.forecast == "预计约 6 小时后达到特别重大"


def test_new_stories_match_sql(built: Built) -> None:
    rows = sql(built.session, "SELECT id FROM stories WHERE relevant AND first_seen_at >= :s AND "
               "first_seen_at < :e", s=START, e=END)
    assert {s.id for s in built.data.new_stories} == {r[0] for r in rows}
    assert built.data.new_stories_total == len(rows) == built.data.today.new_stories
    assert built.world.stories["unrelated"] not in {s.id for s in built.data.new_stories}


def _judge(due: datetime, done: datetime | None) -> str:
    if done is not None:
        return "met" if done <= due else "late"
    return "missed" if due < NOW else "pending"


def test_incidents_and_deadlines_match_sql(built: Built) -> None:
    statement = text("SELECT id, status, report_by, facts_by, respond_by, acknowledged_at, responded_at "
                     "FROM incidents WHERE opened_at < :e AND (closed_at IS NULL OR closed_at >= :s) "
                     "ORDER BY opened_at").bindparams(
        bindparam("s", type_=UTCDateTime), bindparam("e", type_=UTCDateTime)).columns(
        report_by=UTCDateTime, facts_by=UTCDateTime, respond_by=UTCDateTime, acknowledged_at=UTCDateTime,
        responded_at=UTCDateTime)
    rows = built.session.execute(statement, {"s": START, "e": END}).all()
    assert [(i.id, i.status) for i in built.data.incidents] == [(r[0], r[1]) for r in rows]
    for incident, row in zip(built.data.incidents, rows, strict=True):
        expected = [(kind, due, _judge(due, done)) for kind, due, done in
                    (("report", row[2], row[5]), ("facts", row[3], row[6]), ("respond", row[4], row[6]))
                    if due is not None]
        assert [(d.kind, d.due_at, d.state) for d in incident.deadlines] == expected
    states = {i.id: [d.state for d in i.deadlines] for i in built.data.incidents}
    assert states[built.world.incidents["major"]] == ["met", "late", "late"]
    assert states[built.world.incidents["significant"]] == ["missed", "missed"]
    assert states[built.world.incidents["general"]] == ["met", "pending"]
    assert built.world.incidents["stale"] not in states


def test_blind_spots_match_sql(built: Built) -> None:
    spots = {s.source: s for s in built.data.blind_spots}
    assert set(spots) == {"news-rss", "weibo-like", "new-feed"}  # city-forum is fine, retired is disabled
    assert built.data.sources_total == 4
    assert spots["new-feed"].reasons == ["从未抓取"]
    assert any("连续 3 次抓取失败" in r and "HTTP 503" in r for r in spots["news-rss"].reasons)
    times = [r[0] for r in built.session.execute(
        text("SELECT started_at FROM source_polls sp JOIN sources s ON s.id = sp.source_id WHERE s.name = "
             "'weibo-like' AND items_new > 0 ORDER BY started_at").columns(started_at=UTCDateTime))]
    usual = statistics.median((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False))
    assert spots["weibo-like"].reasons == [f"已 10 小时 没有新内容(通常每 {int(usual // 60)} 分钟 有新内容)"]
    for name, spot in spots.items():
        polls = sql(built.session, "SELECT COUNT(*), SUM(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) "
                    "FROM source_polls sp JOIN sources s ON s.id = sp.source_id WHERE s.name = :n "
                    "AND sp.started_at >= :s AND sp.started_at < :e", n=name, s=START, e=END)[0]
        assert (spot.polls_today, spot.failed_today) == (polls[0], polls[1] or 0)


def test_rendered_digest_shows_the_database_numbers(built: Built) -> None:
    page = BeautifulSoup(render_html(built.data, {}), "html.parser")
    table = page.find("h2", string="一、今日概况").find_next("table")
    cells = {tr.find_all("td")[0].get_text(): [td.get_text() for td in tr.find_all("td")[1:3]]
             for tr in table.find_all("tr")[1:]}
    q = built.session
    for label, condition in (("采集信息(条)", ""), ("相关信息(条)", " AND a.relevant"),
                             ("负面信息(条,相关且负面)", " AND a.relevant AND a.negative")):
        expected = [one(q, f"SELECT COUNT(*) {POSTS_IN}{condition}", s=s, e=e) for s, e in ((START, END), (BEFORE, START))]
        assert cells[label] == [f"{n:,}" for n in expected]
    markdown = render_markdown(built.data)
    for hour in range(24):
        s, e = START + timedelta(hours=hour), START + timedelta(hours=hour + 1)
        n = one(q, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant", s=s, e=e)
        neg = one(q, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant AND a.negative", s=s, e=e)
        share = f"{100 * neg / n:.1f}%" if n else "—"
        assert f"| {hour:02d} | {n} | {neg} | {share} |" in markdown


def test_rendered_series_and_tiers_show_the_database_numbers(built: Built) -> None:
    q = built.session
    markdown = render_markdown(built.data)
    for back in range(7):
        day = DAY - timedelta(days=back)
        s, e = local(day, 0), local(day + timedelta(days=1), 0)
        n = one(q, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant", s=s, e=e)
        neg = one(q, f"SELECT COUNT(*) {POSTS_IN} AND a.relevant AND a.negative", s=s, e=e)
        assert f"| {day:%m-%d} | {n} | {neg} | {100 * neg / n:.1f}% |" in markdown
    for site, n, neg in sql(q, "SELECT p.site, COUNT(*), SUM(CASE WHEN a.negative THEN 1 ELSE 0 END) "
                            f"{POSTS_IN} AND a.relevant GROUP BY p.site", s=START, e=END):
        assert f"| {site} | {n} | {neg} | {100 * neg / n:.1f}% |" in markdown
    page = BeautifulSoup(render_html(built.data, {}), "html.parser")
    rows = {tr.find_all("td")[0].get_text(): tr.find_all("td")[1].get_text()
            for tr in page.find("h2", string="一、今日概况").find_next("table").find_all("tr")[1:]}
    labels = {"critical": "特别重大(I 级)", "major": "重大(II 级)", "significant": "较大(III 级)",
              "general": "一般(IV 级)"}
    for tier, label in labels.items():
        n = one(q, "SELECT COUNT(DISTINCT story_id) FROM tier_changes WHERE tier = :t AND raised_at >= :s "
                   "AND raised_at < :e", t=tier, s=START, e=END)
        assert rows[f"当日升至{label}的事件"] == str(n)
    new = one(q, "SELECT COUNT(*) FROM stories WHERE relevant AND first_seen_at >= :s AND first_seen_at < :e",
              s=START, e=END)
    assert rows["新增相关事件(起)"] == str(new)
