"""Alerting stage, pure: the service's one-line reasons and notes, in Chinese, for people to read.

Tier decisions, deadline checks and incident events record their reason in the grammar of
docs/spec.md ("sites 3 ≥ 2 and clicks_24h 12,430 > 10,000", "report_by passed: due …"): that
is what the database keeps and the webhook payload carries, so programs can rely on it. Pages,
bot messages, mail, digests and Word reports are read by the office, in Chinese: `reason_zh`
turns each phrase of that grammar into Chinese and leaves any other text as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from yuqing.config.types import TIER_LABELS

_NUMBER = r"(\d[\d,]*)"
_TIER = "|".join(TIER_LABELS)
DEADLINE_NAMES = {"report_by": "快报", "facts_by": "发布事实", "respond_by": "正面回复"}
_DEADLINE = "|".join(DEADLINE_NAMES)
_STATES = {"passed": "已超时", "is near": "即将到期"}


def _duration_zh(text: str) -> str:
    """`str(timedelta)` ("12:00:00", "1 day, 6:30:00") in Chinese ("12 小时", "30 小时 30 分钟")."""
    match = re.fullmatch(r"(?:(\d+) days?, )?(\d+):(\d\d):(\d\d)", text)
    if not match:
        return text
    hours = int(match[1] or 0) * 24 + int(match[2])
    minutes = int(match[3])
    parts = [f"{hours} 小时" if hours else "", f"{minutes} 分钟" if minutes else ""]
    return " ".join(p for p in parts if p) or "0 分钟"


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
RULES: tuple[Rule, ...] = (
    (re.compile(rf"\bsites {_NUMBER} ≥ {_NUMBER} and clicks_24h {_NUMBER} > {_NUMBER}"),
     lambda m: f"站点 {m[1]} ≥ {m[2]} 且 24小时点击 {m[3]} > {m[4]}"),
    (re.compile(rf"\breposts {_NUMBER} > {_NUMBER}"), lambda m: f"转发 {m[1]} > {m[2]}"),
    (re.compile(rf"\blikes {_NUMBER} > {_NUMBER}"), lambda m: f"点赞 {m[1]} > {m[2]}"),
    (re.compile(r"^relevant negative story$"), lambda m: "相关的负面信息"),
    (re.compile(r"^not negative$"), lambda m: "非负面"),
    (re.compile(r"^not relevant: no scheme matches its posts$"), lambda m: "不相关:没有监测方案命中其帖子"),
    (re.compile(rf"^({_TIER}): "), lambda m: f"{TIER_LABELS[m[1]]}:"),
    (re.compile(rf"\b({_DEADLINE}) (passed|is near): due (.+)$"),
     lambda m: f"{DEADLINE_NAMES[m[1]]}{_STATES[m[2]]},期限 {m[3]}"),
    (re.compile(rf"^({_DEADLINE}) due (.+)$"), lambda m: f"{DEADLINE_NAMES[m[1]]}期限 {m[2]}"),
    (re.compile(r"^no new copies or engagement for (.+)$"), lambda m: f"{_duration_zh(m[1])}内没有新的转载或互动"),
    (re.compile(r"^no growth since (.+) UTC$"), lambda m: f"自 {m[1]} (UTC) 起没有增长"),
    (re.compile(r"^(\d+) new copies of a closed story's statement$"), lambda m: f"已结束的事件又出现 {m[1]} 份新转载"),
    (re.compile(r"^(\d+) new cop\(ies\) after closing$"), lambda m: f"结束后又出现 {m[1]} 份新转载"),
)


def reason_zh(text: str | None) -> str:
    """The reason or note with each phrase of the service's grammar in Chinese; other text unchanged.

    None and "" give "". Text that does not follow the grammar (an officer's own note, a
    platform's block message) comes back as it was; escaping stays the renderer's job."""
    if not text:
        return ""
    out = str(text)
    for pattern, replace in RULES:
        out = pattern.sub(replace, out)
    return out
