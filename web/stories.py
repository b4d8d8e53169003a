"""The stories screens: the list by tier and heat with filters and title search (refreshed by htmx
while open), and one story's page with tier history, metrics, forecast, chart and every copy."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from yuqing.alerts.reports.evidence import list_evidence
from yuqing.analysis.schemes import compile_schemes, scheme_words
from yuqing.config.types import CATEGORY_GUIDANCE, CATEGORY_LABELS, TIER_LABELS, parse_duration
from yuqing.service.console_store import StoryFilters, get_story_view, list_story_rows
from yuqing.web.app import console_of, page, render
from yuqing.web.chart import build_chart, highlight

SINCE_CHOICES = {"": "不限", "1h": "1 小时", "6h": "6 小时", "24h": "24 小时", "3d": "3 天", "7d": "7 天"}


def _filters(request: Request) -> tuple[StoryFilters, dict[str, str]]:
    query = request.query_params
    raw = {k: query.get(k, "").strip()[:100] for k in ("tier", "scheme", "site", "category", "since", "q", "page")}
    since = None
    if raw["since"] in SINCE_CHOICES and raw["since"]:
        since = console_of(request).now() - parse_duration(raw["since"])
    filters = StoryFilters(
        tier=raw["tier"] if raw["tier"] in (*TIER_LABELS, "none") else None,
        scheme=raw["scheme"] or None, site=raw["site"] or None,
        category=raw["category"] if raw["category"] in CATEGORY_LABELS else None,
        since=since, search=raw["q"] or None, page=int(raw["page"]) if raw["page"].isdigit() else 1)
    return filters, raw


def stories(request: Request) -> Response:
    """The story list; an htmx refresh gets only the table."""
    console = console_of(request)
    filters, raw = _filters(request)
    with console.sessions() as session:
        rows = list_story_rows(session, filters)
    template = "stories_table.html.j2" if request.headers.get("hx-request") else "stories.html.j2"
    return render(request, template, rows=rows, raw=raw, filters=filters, since_choices=SINCE_CHOICES,
                  schemes=[s.name for s in console.settings.schemes], now=console.now(),
                  query=request.url.query)


def story(request: Request) -> Response:
    """One story: metrics, tier history, chart, text with scheme terms marked, every copy, its evidence."""
    console = console_of(request)
    now = console.now()
    with console.sessions() as session:
        view = get_story_view(session, request.path_params["story_id"], now)
        evidence = list_evidence(session, view.story.id) if view is not None else []
    if view is None:
        return render(request, "error.html.j2", status=404, message="没有这条舆情。")
    words = scheme_words(compile_schemes(console.settings.schemes))
    category = view.story.category
    configured = console.settings.analysis.categories.get(category) if category else None
    guidance = (configured.guidance if configured and configured.guidance else None) or \
        CATEGORY_GUIDANCE.get(category or "")
    return render(request, "story.html.j2", view=view, s=view.story, chart=build_chart(view.copies, now),
                  pieces=highlight(view.text[:2000], words), guidance=guidance,
                  forecast=view.story.forecast or {}, window=timedelta(hours=24), evidence=evidence)


ROUTES = [
    page("/stories", stories, "stories"),
    page("/stories/{story_id:int}", story, "story"),
]
