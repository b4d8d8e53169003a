"""Reasons read in Chinese wherever people read them, and stay in the spec's grammar in the payload."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.alerts.factories import sample_payload
from yuqing.alerts.reasons import reason_zh
from yuqing.alerts.render import render_email, render_markdown
from yuqing.analysis.metrics import StoryMetrics
from yuqing.analysis.tiers import classify_tier
from yuqing.config.settings import TierSettings

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


def _metrics(sites: int, clicks: int, reposts: int, likes: int = 0) -> StoryMetrics:
    return StoryMetrics(at=datetime(2026, 12, 4, tzinfo=UTC), sites=[f"s{i}.example.cn" for i in range(sites)],
                        posts=sites, clicks_24h=clicks, reposts=reposts, clicks_per_hour=0.0,
                        clicks_per_hour_6h=0.0, reposts_per_hour=0.0, reposts_per_hour_6h=0.0,
                        first_post_id=None, first_site=None, first_url=None, first_seen_at=None, likes=likes)


@pytest.mark.parametrize(("metrics", "negative", "relevant"), [
    (_metrics(3, 12_430, 0), True, True),
    (_metrics(9, 900_000, 0), True, True),
    (_metrics(1, 10, 5_000), True, True),
    (_metrics(1, 10, 0), True, True),
    (_metrics(1, 10, 0), False, True),
    (_metrics(1, 10, 0), True, False),
])
def test_every_tier_reason_the_rules_give_reads_in_chinese(metrics: StoryMetrics, negative: bool,
                                                           relevant: bool) -> None:
    reason = classify_tier(metrics, negative, relevant, TierSettings()).reason
    assert ENGLISH_WORD.search(reason)  # stored in the spec's grammar …
    assert not ENGLISH_WORD.search(reason_zh(reason)), reason_zh(reason)  # … read in Chinese


def test_the_figures_and_comparisons_are_kept() -> None:
    text = reason_zh("sites 3 ≥ 2 and clicks_24h 12,430 > 10,000")
    assert text == "站点 3 ≥ 2 且 24小时点击 12,430 > 10,000"
    assert reason_zh("major: reposts 5,001 > 5,000") == "重大:转发 5,001 > 5,000"


@pytest.mark.parametrize(("reason", "expected"), [
    ("report_by passed: due 2026-12-04 10:30", "快报已超时,期限 2026-12-04 10:30"),
    ("respond_by is near: due 2026-12-04 22:00", "正面回复即将到期,期限 2026-12-04 22:00"),
    ("facts_by due 2026-12-04 12:00", "发布事实期限 2026-12-04 12:00"),
    (f"no new copies or engagement for {timedelta(hours=12)}", "12 小时内没有新的转载或互动"),
    (f"no new copies or engagement for {timedelta(days=1, hours=6, minutes=30)}", "30 小时 30 分钟内没有新的转载或互动"),
    ("no growth since 2026-12-03 08:00 UTC", "自 2026-12-03 08:00 (UTC) 起没有增长"),
    ("4 new copies of a closed story's statement", "已结束的事件又出现 4 份新转载"),
    ("2 new cop(ies) after closing", "结束后又出现 2 份新转载"),
])
def test_deadline_and_incident_notes_read_in_chinese(reason: str, expected: str) -> None:
    assert reason_zh(reason) == expected


@pytest.mark.parametrize("text", ["已赶赴现场, see http://a.example/x", "blocked by the platform: 403", "", None])
def test_other_text_comes_back_as_it_was(text: str | None) -> None:
    assert reason_zh(text) == (text or "")


def test_channels_show_the_chinese_reason_and_the_payload_keeps_the_grammar() -> None:
    payload = sample_payload()
    payload["reason"] = "sites 3 ≥ 2 and clicks_24h 12,430 > 10,000"
    _, markdown = render_markdown([payload])
    _, html, text = render_email([payload])
    for rendered in (markdown, html, text):
        assert "24小时点击 12,430" in rendered and "clicks_24h" not in rendered
    assert payload["reason"].startswith("sites 3")
