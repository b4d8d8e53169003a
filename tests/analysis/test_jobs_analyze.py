"""`analysis.analyze_posts` over the real database: analysed once, again when the version changes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from yuqing.analysis import sentiment
from yuqing.analysis.jobs import analyze_posts
from yuqing.analysis.models import PostAnalysis, Story, StoryPost
from yuqing.collector.models import Post
from yuqing.config.database import transaction, utcnow
from yuqing.config.errors import AnalysisError
from yuqing.config.settings import AnalysisSettings, SchemeSettings, Settings
from yuqing.service.pipeline import STEPS

POSTS = [
    ("市交通运输局推诿不作为", "网友投诉东站出租车拒载绕路，交通运输局推诿扯皮，太气人了！"),
    ("交通局2024年公开招聘公告", "市交通局公开招聘工作人员10名。"),
    ("沪昆高速追尾事故致2死5伤", "今天上午发生多车追尾事故，伤者已送医。"),
    ("城南公园樱花盛开", "周末游客如织，景色宜人。"),
]


def settings(*queries: str) -> Settings:
    schemes = [SchemeSettings(name=f"s{i}", query=q) for i, q in enumerate(queries)]
    return Settings(analysis=AnalysisSettings(model="snownlp"), schemes=schemes)


def add_posts(db, posts=POSTS) -> list[int]:
    now = utcnow()
    with transaction(db) as session:
        rows = []
        for i, (title, body) in enumerate(posts):
            url = f"https://bbs.example.cn/t/{uuid.uuid4().hex}"
            rows.append(Post(key=url, site="bbs.example.cn", url=url, title=title, body=body,
                             first_seen_at=now - timedelta(hours=i)))
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def analyses(db) -> dict[int, PostAnalysis]:
    with db() as session:
        return {row.post_id: row for row in session.scalars(select(PostAnalysis))}


def test_posts_are_analysed_once_with_their_results(db) -> None:
    ids = add_posts(db)
    config = settings("(交通局 OR 交通运输局) NOT 招聘")
    report = analyze_posts(config, db, now=utcnow(), batch=3)
    assert (report.analyzed, report.reanalyzed, report.relevant) == (4, 0, 1)
    stored = analyses(db)
    complaint = stored[ids[0]]
    assert complaint.schemes == ["s0"] and complaint.relevant and complaint.negative
    assert complaint.category == "problem" and "交通运输局" in complaint.keywords
    assert complaint.model_version == report.version
    assert not stored[ids[1]].relevant  # 招聘 is excluded
    assert stored[ids[2]].schemes == [] and not stored[ids[2]].relevant

    again = analyze_posts(config, db, now=utcnow())
    assert (again.analyzed, again.reanalyzed) == (0, 0)
    assert "analysed 0 new posts" in str(again)


def test_a_changed_scheme_set_reanalyses_and_marks_stories_dirty(db) -> None:
    ids = add_posts(db)
    analyze_posts(settings("(交通局 OR 交通运输局) NOT 招聘"), db, now=utcnow())
    with transaction(db) as session:
        story = Story(title="招聘", dirty=False)
        session.add(story)
        session.flush()
        session.add(StoryPost(post_id=ids[1], story_id=story.id))
        quiet = Story(title="樱花", dirty=False)
        session.add(quiet)
        session.flush()
        session.add(StoryPost(post_id=ids[3], story_id=quiet.id))

    report = analyze_posts(settings("交通局 OR 交通运输局"), db, now=utcnow(), batch=2)
    assert (report.analyzed, report.reanalyzed, report.changed) == (0, 4, 1)
    stored = analyses(db)
    assert stored[ids[1]].schemes == ["s0"] and stored[ids[1]].relevant
    assert {row.model_version for row in stored.values()} == {report.version}
    with db() as session:
        dirty = {s.title: s.dirty for s in session.scalars(select(Story))}
    assert dirty == {"招聘": True, "樱花": False}


def test_reanalysis_is_spread_over_runs_but_new_posts_never_wait(db) -> None:
    add_posts(db)
    analyze_posts(settings("交通局"), db, now=utcnow())
    new_id = add_posts(db, [("卫健委通报", "无新增病例")])[0]
    report = analyze_posts(settings("卫健委"), db, now=utcnow(), batch=2, max_stale=2)
    assert (report.analyzed, report.reanalyzed, report.stale_left) == (1, 2, 2)
    assert "2 left for the next runs" in str(report)
    assert analyses(db)[new_id].schemes == ["s0"]
    rest = analyze_posts(settings("卫健委"), db, now=utcnow(), batch=2, max_stale=2)
    assert (rest.reanalyzed, rest.stale_left) == (2, 0)


def test_a_missing_model_fails_the_step_clearly(db, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    add_posts(db)
    monkeypatch.setattr(sentiment, "MODEL_PATH", tmp_path / "missing.npz")
    monkeypatch.setattr(sentiment, "_default", [])
    with pytest.raises(AnalysisError, match="missing; run `python -m yuqing.analysis.train_sentiment`"):
        analyze_posts(Settings(), db, now=utcnow())
    assert analyses(db) == {}


def test_analysis_is_the_first_pipeline_step() -> None:
    assert STEPS[0] == ("analysis.analyze_posts", analyze_posts)
