"""Analysis stage, a scheme before it is saved: a candidate scheme and stored data in → a live test
on a text, the preview over stored posts, and a replay of the alerts the scheme set would have
raised in the window (against what it raises now). Reads only; nothing is written."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from yuqing.analysis.analyzer import Analyzer, join_text
from yuqing.analysis.band_store import chunks
from yuqing.analysis.post_store import list_recent_posts
from yuqing.analysis.preview import SchemePreview, preview_schemes
from yuqing.analysis.query import Explanation
from yuqing.analysis.replay import replay_story
from yuqing.analysis.scheme_store import with_console_schemes
from yuqing.analysis.schemes import Scheme, compile_schemes
from yuqing.analysis.store import list_active_story_ids, list_story_facts
from yuqing.analysis.text import fold_text
from yuqing.config.settings import SchemeSettings, Settings
from yuqing.config.types import tier_rank


@dataclass
class SchemeCheck:
    """What the console shows before a scheme is saved."""

    explanation: Explanation | None
    preview: SchemePreview
    alerts_after: int
    alerts_before: int
    days: int


def _relevance(session: Session, schemes: list[Scheme], since: datetime) -> dict[int, bool]:
    """Whether each post first seen since `since` is relevant under `schemes` (all are without any)."""
    return {post.id: not schemes or any(s.query.matches(fold_text(join_text(post.title, post.body)))
                                        for s in schemes)
            for post in list_recent_posts(session, since)}


def count_replayed_alerts(session: Session, settings: Settings, schemes: list[Scheme], since: datetime,
                          until: datetime) -> int:
    """Tier raises at or above `incidents.open_tier` in [since, until) with relevance judged by `schemes`.

    Posts seen before `since` keep their stored relevance; each stored story is re-tiered from its
    snapshots (the same replay as `yuqing replay`)."""
    relevant = _relevance(session, schemes, since)
    floor = tier_rank(settings.incidents.open_tier)
    count = 0
    for chunk in chunks(list_active_story_ids(session, since, until), 100):
        facts = list_story_facts(session, chunk, until)
        for members in facts.values():
            judged = [dataclasses.replace(f, relevant=relevant.get(f.post_id, f.relevant)) for f in members]
            count += sum(tier_rank(c.tier) >= floor for c in replay_story(judged, settings.tiers, since, until))
    return count


def check_scheme(session: Session, settings: Settings, candidate: SchemeSettings, text: str, *,
                 now: datetime, days: int = 7) -> SchemeCheck:
    """Test, preview and replay a candidate scheme (SchemeError when its query does not parse)."""
    compiled = compile_schemes([candidate])
    explanation = compiled[0].query.explain(fold_text(text)) if text.strip() else None
    since = now - timedelta(days=days)
    current = with_console_schemes(session, settings).schemes
    after = [s for s in current if s.name != candidate.name] + [candidate]
    analyzer = Analyzer(settings)
    preview = preview_schemes(session, analyzer, compiled, since=since, samples=5)[0]
    return SchemeCheck(
        explanation=explanation, preview=preview, days=days,
        alerts_after=count_replayed_alerts(session, settings, compile_schemes(after), since, now),
        alerts_before=count_replayed_alerts(session, settings, compile_schemes(current), since, now),
    )
