"""Synthetic stored data for bench/web.py: stories of a few copies each across sites, with analyses,
one snapshot per post, rows per scheme, tier history and incidents — the shapes the console reads, inserted in bulk
into a freshly migrated database (ids start at 1)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, insert

from yuqing.alerts.models import Incident, IncidentEvent
from yuqing.analysis.burst_store import scheme_rows
from yuqing.analysis.models import PostAnalysis, SchemePost, Story, StoryPost, TierChange
from yuqing.collector.models import Post, Snapshot
from yuqing.config.database import utcnow

SITES = [f"{name}.example.cn" for name in ("bbs", "news", "life", "tieba", "weibo", "forum", "city", "daily")]
SUBJECTS = ("交通局", "卫健委", "教育局", "市场监管局", "住建局", "公安局")
EVENTS = ("窗口排长队无人管", "违规收费被曝光", "执法人员态度恶劣", "工程停工拖欠工资", "食品抽检不合格", "网传将要拆迁")
TIERS = ("critical", "major", "significant", "general")


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _tier(rng: random.Random) -> str | None:
    roll = rng.random()
    return ("critical" if roll < .002 else "major" if roll < .006 else "significant" if roll < .015
            else "general" if roll < .06 else None)


def populate(engine: Engine, posts: int, stories: int, version: str, seed: int = 15) -> int:
    """Insert `stories` stories sharing `posts` posts, analysed under `version`; return the open incidents."""
    rng, now = random.Random(seed), utcnow()
    per_story = max(1, posts // stories)
    story_rows, post_rows, members, analyses, snapshots, changes, incidents, events = [], [], [], [], [], [], [], []
    scheme_posts: list[dict[str, Any]] = []
    for sid in range(1, stories + 1):
        seen = now - timedelta(minutes=rng.randint(10, 72 * 60))
        title = f"{rng.choice(SUBJECTS)}{rng.choice(EVENTS)}({sid})"
        tier, sites = _tier(rng), rng.sample(SITES, k=min(per_story, len(SITES)))
        first_post = len(post_rows) + 1
        for n in range(per_story):
            pid = len(post_rows) + 1
            at = seen + timedelta(minutes=7 * n)
            views = rng.randint(10, 20000) if tier else rng.randint(0, 500)
            post_rows.append({"key": f"bench-{pid}", "site": sites[n % len(sites)], "url": f"http://{sites[n % len(sites)]}/t/{pid}",
                              "title": title if n == 0 else f"【转】{title}", "body": f"{title}。网友反映情况属实,要求说明。",
                              "first_seen_at": at, "last_seen_at": at, "views": views, "replies": views // 20, "reposts": 0})
            members.append({"post_id": pid, "story_id": sid, "joined_at": at, "similarity": 1.0})
            analyses.append({"post_id": pid, "model_version": version, "analyzed_at": at, "negativity": .8,
                             "negative": True, "relevant": True, "category": "problem", "schemes": ["交通局"],
                             "keywords": []})
            scheme_posts.extend(scheme_rows(pid, at, True, ["交通局"]))  # as the analysis stage keeps them
            snapshots.append({"post_id": pid, "taken_at": at, "views": views, "replies": views // 20, "reposts": 0})
        clicks = sum(p["views"] + p["replies"] for p in post_rows[first_post - 1:])
        story_rows.append({"id": sid, "title": title, "summary": title, "first_site": sites[0], "first_seen_at": seen,
                           "last_post_at": seen + timedelta(minutes=7 * (per_story - 1)), "negativity": .8,
                           "negative": True, "relevant": True, "category": "problem", "schemes": ["交通局"],
                           "sites": sites, "posts": per_story, "clicks_24h": clicks, "reposts": per_story - 1,
                           "clicks_per_hour": clicks / 24, "reposts_per_hour": 0.0, "metrics": {}, "metrics_at": now,
                           "dirty": False, "tier": tier, "tier_reason": f"bench {tier}" if tier else None,
                           "tier_at": seen if tier else None, "archived": False})
        if tier:
            changes.append({"story_id": sid, "tier": tier, "previous_tier": None, "reason": f"bench {tier}",
                            "metrics": {}, "raised_at": seen, "dispatched_at": seen})
        if tier in ("critical", "major", "significant"):
            closed = rng.random() < .7
            iid = len(incidents) + 1
            incidents.append({"id": iid, "story_id": sid, "status": "closed" if closed else "open", "tier": tier,
                              "category": "problem", "opened_at": seen, "report_by": seen + timedelta(minutes=30),
                              "facts_by": None, "respond_by": seen + timedelta(hours=12),
                              "acknowledged_at": seen if closed else None, "acknowledged_by": "bench" if closed else None,
                              "closed_at": now if closed else None, "summary": "bench" if closed else None,
                              "recurrences": 0, "growth": {}, "cycle_started_at": seen})
            events.append({"incident_id": iid, "at": seen, "kind": "opened", "actor": None, "note": tier})
    with engine.begin() as conn:
        for table, rows in ((Story, story_rows), (Post, post_rows), (StoryPost, members), (PostAnalysis, analyses),
                            (SchemePost, scheme_posts), (Snapshot, snapshots), (TierChange, changes), (Incident, incidents),
                            (IncidentEvent, events)):
            for chunk in _chunks(rows):
                conn.execute(insert(table), chunk)
        if engine.dialect.name == "postgresql":
            for table in ("stories", "incidents"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            conn.exec_driver_sql("ANALYZE")
    return sum(1 for i in incidents if i["status"] != "closed")
