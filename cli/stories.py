"""`yuqing stories` and `yuqing replay`: stories with their tiers, and tiering re-run on stored data."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from yuqing.alerts.payload import format_local
from yuqing.analysis.models import Story
from yuqing.analysis.store import list_replayed_changes, list_stories
from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.output import dumps
from yuqing.cli.tables import STORY_COLUMNS, Column, build_table, tier_cell
from yuqing.config.database import utcnow
from yuqing.config.errors import ConfigError
from yuqing.config.settings import TierSettings
from yuqing.config.types import CATEGORY_LABELS, TIER_LABELS, TIER_ORDER, parse_duration


def _duration(value: str | None, option: str) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def describe_story(story: Story) -> dict[str, Any]:
    """The JSON shape of one story (docs/spec.md §7 keys, then the extras)."""
    metrics = story.metrics or {}
    return {
        "id": story.id, "title": story.title, "tier": story.tier,
        "tier_label": TIER_LABELS.get(story.tier or ""), "reason": story.tier_reason,
        "tier_at": story.tier_at, "negativity": story.negativity, "negative": story.negative,
        "relevant": story.relevant, "sites": list(story.sites or []), "posts": story.posts,
        "clicks_24h": story.clicks_24h, "reposts": story.reposts,
        "clicks_per_hour": story.clicks_per_hour, "reposts_per_hour": story.reposts_per_hour,
        "first_seen_at": story.first_seen_at, "last_post_at": story.last_post_at,
        "first_site": story.first_site, "first_url": metrics.get("first_url"),
        "timeline": metrics.get("timeline", []), "forecast": story.forecast,
        "schemes": list(story.schemes or []), "category": story.category,
        "category_label": CATEGORY_LABELS.get(story.category or ""), "metrics_at": story.metrics_at,
    }


@click.command()
@click.option("--tier", type=click.Choice([*TIER_ORDER, "none"]), help="Only stories at this tier.")
@click.option("--since", metavar="DURATION", help='Only stories with a post in this period, e.g. "24h".')
@click.option("--limit", type=int, default=200, show_default=True, help="At most this many (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.option("--wide", is_flag=True, help="Every column (posts, clicks/h, first seen, forecast), for wide terminals.")
@pass_app
def stories(app: AppContext, tier: str | None, since: str | None, limit: int, as_json: bool, wide: bool) -> None:
    """List stories, highest tier and hottest first, with sites, clicks_24h, reposts and forecast."""
    period = _duration(since, "--since")
    with app.sessions()() as session:
        found = list_stories(session, tier=tier, since=utcnow() - period if period else None,
                             limit=limit or None)
        views = [describe_story(s) for s in found]
    if as_json:
        click.echo(dumps(views))
        return
    if not views:
        click.echo("no stories yet; they appear once posts are collected and analysed")
        return
    timezone = app.settings.digest.timezone
    columns = (*STORY_COLUMNS, Column("posts", True, True), Column("clicks/h", True, True),
               Column("first seen", True), Column("forecast / reason", True))
    rows = [
        (escape(v["title"]), tier_cell(v["tier"], v["tier_label"], wide=wide), str(len(v["sites"])),
         f"{v['clicks_24h']:,}", f"{v['reposts']:,}", str(v["id"]), str(v["posts"]), f"{v['clicks_per_hour']:,.0f}",
         format_local(v["first_seen_at"], timezone), escape((v["forecast"] or {}).get("text") or v["reason"] or ""))
        for v in views
    ]
    table = build_table("stories", columns, rows, wide=wide)
    app.console.print(table)


def load_thresholds(path: str) -> TierSettings:
    """The [tiers] table of a TOML file (a whole configuration file will do), validated."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"thresholds file {path} cannot be read: {exc.strerror}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"thresholds file {path} is not valid UTF-8 TOML: {exc}.") from None
    if not isinstance(data.get("tiers"), dict):
        raise ConfigError(f"thresholds file {path} has no [tiers] table; write it like the configuration's.")
    try:
        return TierSettings.model_validate(data["tiers"])
    except ValidationError as exc:
        problems = "; ".join(f"key tiers.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"thresholds file {path}: {problems}") from None


@click.command()
@click.option("--since", metavar="DURATION", required=True, help='Period to replay, e.g. "7d".')
@click.option("--thresholds", "thresholds", metavar="FILE", help="TOML with a [tiers] table (default: the configuration's).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@pass_app
def replay(app: AppContext, since: str, thresholds: str | None, as_json: bool) -> None:
    """Re-run tiering over stored posts and snapshots and list the alerts that would have fired; sends nothing."""
    period = _duration(since, "--since") or timedelta(0)
    rules = load_thresholds(thresholds) if thresholds else app.settings.tiers
    until = utcnow()
    with app.sessions()() as session:
        rows = list_replayed_changes(session, rules, until - period, until)
        session.rollback()  # a replay writes nothing
    if as_json:
        click.echo(dumps([{"at": r.at, "story_id": r.story_id, "title": r.title, "tier": r.tier,
                           "tier_label": TIER_LABELS[r.tier], "previous_tier": r.previous_tier,
                           "reason": r.reason, "metrics": r.metrics, "actual_at": r.actual_at}
                          for r in rows]))
        return
    if not rows:
        click.echo(f"no tier would have been raised in the last {since}")
        return
    timezone = app.settings.digest.timezone
    table = Table(title=f"alerts these thresholds would have raised in the last {since}", header_style="bold")
    for column in ("time", "story", "title", "tier", "reason", "actually raised"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(format_local(r.at, timezone), str(r.story_id), escape(r.title[:40]),
                      f"{r.tier} {TIER_LABELS[r.tier]}", r.reason, format_local(r.actual_at, timezone))
    app.console.print(table)


COMMANDS = [stories, replay]
