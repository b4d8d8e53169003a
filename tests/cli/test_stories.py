"""`yuqing stories` and `yuqing replay` through the real entry point, on the real database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.analysis.factory import OFFICIAL_REPLY, STATEMENT, add_post, add_snapshot
from yuqing.analysis.assignment import assign_stories
from yuqing.analysis.jobs import update_stories
from yuqing.analysis.models import Story, TierChange
from yuqing.collector.models import Post
from yuqing.config.database import transaction, utcnow
from yuqing.config.settings import Settings

H = timedelta(hours=1)


def _grow_a_story(db: sessionmaker[Session]) -> None:
    """A statement on two sites whose clicks pass 1,000 then 10,000, and an unrelated positive post."""
    start = utcnow() - 5 * H
    settings = Settings()
    with transaction(db) as s:
        a = add_post(s, site="bbs.a.cn", title="交通局门口渣土车撞人", body=STATEMENT, seen=start,
                     published=start, views=200, replies=10)
        b = add_post(s, site="bbs.b.cn", title="【转】交通局门口<b>渣土车</b>撞人", body=STATEMENT,
                     seen=start + H, published=start + H, views=100)
        add_post(s, site="gov.c.cn", title="情况通报", body=OFFICIAL_REPLY, seen=start + H, published=start + H,
                 views=90_000, negativity=0.05)
    assign_stories(settings, db, now=start + H)
    update_stories(settings, db, now=start + H)
    with transaction(db) as s:
        add_snapshot(s, s.get(Post, a.id), start + 2 * H, views=900, replies=30)
        add_snapshot(s, s.get(Post, b.id), start + 2 * H, views=400)
    update_stories(settings, db, now=start + 2 * H)
    with transaction(db) as s:
        add_snapshot(s, s.get(Post, a.id), start + 3 * H, views=6_000, replies=300)
        add_snapshot(s, s.get(Post, b.id), start + 3 * H, views=4_000)
    update_stories(settings, db, now=start + 3 * H)


def _config(write_config: Callable[..., Path], db_url: str) -> Path:
    return write_config(f'[database]\nurl = "{db_url}"\n')


def test_stories_json_has_the_spec_keys_and_the_tier_history(
    db: sessionmaker[Session], db_url: str, yuqing: Callable, write_config: Callable[..., Path]
) -> None:
    _grow_a_story(db)
    config = _config(write_config, db_url)
    result = yuqing("--config", str(config), "stories", "--json")
    assert result.code == 0, result.err
    stories = json.loads(result.out)
    assert len(stories) == 2
    top, other = stories
    for key in ("id", "title", "tier", "negativity", "sites", "posts", "clicks_24h", "reposts", "first_seen_at",
                "tier_label", "reason", "first_site", "clicks_per_hour", "forecast", "schemes", "category"):
        assert key in top
    assert (top["tier"], top["tier_label"], top["sites"], top["posts"]) == ("major", "重大", ["bbs.a.cn", "bbs.b.cn"], 2)
    assert top["clicks_24h"] == 10_300 and top["reposts"] == 1
    assert top["reason"] == "sites 2 ≥ 2 and clicks_24h 10,300 > 10,000"
    assert top["title"] == "交通局门口渣土车撞人" and top["first_site"] == "bbs.a.cn"
    assert [e["site"] for e in top["timeline"]] == ["bbs.a.cn", "bbs.b.cn"]
    assert other["tier"] is None and other["clicks_24h"] == 90_000
    with db() as s:
        changes = s.scalars(select(TierChange).order_by(TierChange.raised_at)).all()
        assert [(c.tier, c.previous_tier) for c in changes] == [
            ("general", None), ("significant", "general"), ("major", "significant")]

    table = yuqing("--config", str(config), "stories", "--wide")
    assert table.code == 0 and "major 重大" in table.out and "10,300" in table.out
    narrow = yuqing("--config", str(config), "stories")
    assert narrow.code == 0 and "重大" in narrow.out and "major" not in narrow.out and "10,300" in narrow.out
    only = json.loads(yuqing("--config", str(config), "stories", "--tier", "none", "--json").out)
    assert [s["id"] for s in only] == [other["id"]]
    assert json.loads(yuqing("--config", str(config), "stories", "--since", "1m", "--json").out) == []
    bad = yuqing("--config", str(config), "stories", "--since", "soon")
    assert bad.code == 2 and "soon" in bad.err


def test_replay_lists_the_alerts_other_thresholds_would_have_raised_and_writes_nothing(
    db: sessionmaker[Session], db_url: str, yuqing: Callable, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    _grow_a_story(db)
    config = _config(write_config, db_url)
    same = json.loads(yuqing("--config", str(config), "replay", "--since", "1d", "--json").out)
    assert [(r["tier"], r["previous_tier"]) for r in same] == [
        ("general", None), ("significant", "general"), ("major", "significant")]
    assert [r["actual_at"] == r["at"] for r in same] == [False, True, True]  # general: live, at the 2nd poll

    strict = tmp_path / "strict.toml"
    strict.write_text("[tiers.significant]\nclicks_24h = 5000\nreposts = 100\n"
                      "[tiers.major]\nclicks_24h = 20000\nreposts = 300\n", encoding="utf-8")
    with db() as s:
        before = (s.scalar(select(func.count()).select_from(TierChange)), s.scalar(select(Story.tier)))
    result = yuqing("--config", str(config), "replay", "--since", "1d", "--thresholds", str(strict), "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [(r["tier"], r["reason"]) for r in rows] == [
        ("general", "relevant negative story"), ("significant", "sites 2 ≥ 2 and clicks_24h 10,300 > 5,000")]
    assert rows[1]["actual_at"] is not None  # it was really raised, at 1,330 clicks, earlier
    with db() as s:
        assert (s.scalar(select(func.count()).select_from(TierChange)), s.scalar(select(Story.tier))) == before
    table = yuqing("--config", str(config), "replay", "--since", "1d", "--thresholds", str(strict))
    assert table.code == 0 and "significant 较大" in table.out

    broken = tmp_path / "broken.toml"
    broken.write_text("[tiers.significant]\nclicks_24h = -1\nreposts = 1\n", encoding="utf-8")
    bad = yuqing("--config", str(config), "replay", "--since", "1d", "--thresholds", str(broken))
    assert bad.code == 2 and "broken.toml" in bad.err and "clicks_24h" in bad.err
    missing = yuqing("--config", str(config), "replay", "--since", "1d", "--thresholds", str(tmp_path / "no.toml"))
    assert missing.code == 2


def test_the_story_table_fits_80_columns_with_whole_titles(
    db: sessionmaker[Session], db_url: str, yuqing: Callable[..., Any], write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    config = _config(write_config, db_url)
    with transaction(db) as s:
        add_post(s, site="bbs.a.cn", title="江城市交通运输局执法车撞伤小学生后离开家长讨说法遭推诿", body=STATEMENT,
                 seen=utcnow() - H, published=utcnow() - H, views=300)
    assign_stories(Settings(), db, now=utcnow())
    update_stories(Settings(), db, now=utcnow())
    table = yuqing("--config", str(config), "stories")
    lines = table.out.splitlines()
    assert table.code == 0 and max(cell_len(line) for line in lines) <= 80
    folded = "".join(line.split("│")[1].strip() for line in lines if line.startswith("│"))
    assert "江城市交通运输局执法车撞伤小学生后离开家长讨说法遭推诿" in folded
