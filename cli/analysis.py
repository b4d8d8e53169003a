"""`yuqing analyze`, `yuqing scheme test`, `yuqing scheme preview`: the analysis stage by hand."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import make_url

from yuqing.analysis.analyzer import AnalysisResult, Analyzer
from yuqing.analysis.preview import SchemePreview, preview_schemes
from yuqing.analysis.query import SchemeError, parse_query
from yuqing.analysis.scheme_store import with_console_schemes
from yuqing.analysis.schemes import Scheme, compile_schemes, explain_schemes
from yuqing.analysis.text import fold_text
from yuqing.cli.context import AppContext, pass_app
from yuqing.cli.output import dumps
from yuqing.config.database import utcnow
from yuqing.config.errors import ConfigError, DatabaseError
from yuqing.config.settings import Settings
from yuqing.config.types import CATEGORY_LABELS

JSON_KEYS = ("text", "negativity", "negative", "category", "schemes", "keywords")


def live_settings(app: AppContext) -> Settings:
    """The settings as the service's next pass sees them: the file's schemes, then the console's.

    The console's schemes live in the database; where there is none yet (a SQLite file not
    created, a schema not at head) the file's schemes are all there is, and no file is made."""
    settings = app.settings
    url = make_url(settings.database.url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return settings
    try:
        sessions = app.sessions()
    except DatabaseError:
        return settings
    with sessions() as session:
        return with_console_schemes(session, settings)


def build_analyzer(app: AppContext) -> Analyzer:
    """The analyzer of the live schemes; a bad query is a ConfigError naming the file."""
    try:
        return Analyzer(live_settings(app))
    except SchemeError as exc:
        raise ConfigError(f"configuration error in {_where(app)}: {exc}") from None


def compiled_schemes(app: AppContext) -> list[Scheme]:
    """The live schemes (the file's, then the console's), compiled; a bad query is a ConfigError."""
    try:
        return compile_schemes(live_settings(app).schemes)
    except SchemeError as exc:
        raise ConfigError(f"configuration error in {_where(app)}: {exc}") from None


def _where(app: AppContext) -> str:
    return str(app.config_path or "the built-in configuration")


@click.command()
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input line.")
@pass_app
def analyze(app: AppContext, text: str | None, as_json: bool) -> None:
    """Analyse TEXT, or every line of standard input ("-"): negativity, category, schemes, keywords."""
    if text is None and sys.stdin.isatty():
        raise click.UsageError('give a TEXT to analyse, or "-" to read one text per line from standard input')
    analyzer = build_analyzer(app)
    if text is not None and text != "-":
        result = analyzer.analyze(text)
        click.echo(_json_line(text, result) if as_json else _describe(text, result, analyzer))
        return
    for line in _stdin_lines():
        result = analyzer.analyze(line)
        sys.stdout.write((_json_line(line, result) if as_json else _row(line, result)) + "\n")
        sys.stdout.flush()  # a consumer reading one answer per line must not wait for a full buffer


def _stdin_lines() -> Iterator[str]:
    """Lines of standard input as UTF-8 (a leading BOM dropped), without their line ends."""
    buffer = getattr(sys.stdin, "buffer", None)
    stream = io.TextIOWrapper(buffer, encoding="utf-8-sig", errors="replace") if buffer else sys.stdin
    for line in stream:
        yield line.rstrip("\r\n")


def _json_line(text: str, result: AnalysisResult) -> str:
    values = {"text": text, "negativity": result.negativity, "negative": result.negative,
              "category": result.category, "schemes": result.schemes, "keywords": result.keywords}
    return json.dumps(values, ensure_ascii=False)


def _describe(text: str, result: AnalysisResult, analyzer: Analyzer) -> str:
    threshold = analyzer.threshold if analyzer.threshold is not None else getattr(analyzer.scorer, "threshold", None)
    at = f" at threshold {threshold:.2f}" if threshold is not None else ""
    category = (f"{result.category} ({CATEGORY_LABELS[result.category]}): {result.guidance}"
                if result.category else "—")
    schemes = ", ".join(result.schemes) or ("— (not relevant)" if analyzer.schemes else "— (no schemes: relevant)")
    return "\n".join([
        f"text:        {text}",
        f"negativity:  {result.negativity:.2f} ({'negative' if result.negative else 'not negative'}{at})",
        f"category:    {category}",
        f"schemes:     {schemes}",
        f"keywords:    {', '.join(result.keywords) or '—'}",
        f"model:       {analyzer.scorer.version}",
    ])


def _row(text: str, result: AnalysisResult) -> str:
    mark = "negative" if result.negative else "-"
    return "\t".join([f"{result.negativity:.2f}", mark, result.category or "-",
                      ",".join(result.schemes) or "-", text])


@click.group()
def scheme() -> None:
    """Try monitoring schemes (监测方案) before they go live."""


def _chosen(app: AppContext, names: tuple[str, ...], query: str | None) -> list[Scheme]:
    """The schemes named (all when none), or only the ad-hoc --query."""
    if query is not None:
        try:
            return [Scheme("--query", parse_query(query))]
        except SchemeError as exc:
            raise click.UsageError(f"--query: {exc}") from None
    schemes = compiled_schemes(app) if not names else _named(app, names)
    if not schemes:
        raise ConfigError(f"no schemes are configured in {_where(app)}; add [[schemes]] tables, "
                          "or try a query with --query")
    return schemes


def _named(app: AppContext, names: tuple[str, ...]) -> list[Scheme]:
    schemes = {s.name: s for s in compiled_schemes(app)}
    unknown = [n for n in names if n not in schemes]
    if unknown:
        raise click.BadParameter(f"no scheme named {unknown[0]!r}; configured: {', '.join(schemes) or 'none'}",
                                 param_hint="--scheme")
    return [schemes[n] for n in names]


@scheme.command("test")
@click.argument("text")
@click.option("--scheme", "names", multiple=True, metavar="NAME", help="Only this scheme (repeatable).")
@click.option("--query", help="Test this query instead of the configured schemes.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def scheme_test(app: AppContext, text: str, names: tuple[str, ...], query: str | None, as_json: bool) -> None:
    """Show which schemes match TEXT and which of their terms were found."""
    found = explain_schemes(_chosen(app, names, query), fold_text(text))
    if as_json:
        click.echo(dumps([{"scheme": name, "matched": e.matched, "found": e.hits, "excluded_by": e.blocked}
                          for name, e in found]))
        return
    for name, e in found:
        if e.matched:
            why = f"found {', '.join(e.hits)}" if e.hits else "none of its NOT terms found"
        elif e.blocked:
            why = f"excluded by {', '.join(e.blocked)}" + (f" (found {', '.join(e.hits)})" if e.hits else "")
        else:
            why = f"found only {', '.join(e.hits)}" if e.hits else "none of its terms found"
        click.echo(f"{name}: {'matched' if e.matched else 'no match'} — {why}")


@scheme.command("preview")
@click.option("--days", default=7, show_default=True, type=click.IntRange(min=1), help="Look back this many days.")
@click.option("--scheme", "names", multiple=True, metavar="NAME", help="Only this scheme (repeatable).")
@click.option("--query", help="Preview this query instead of the configured schemes.")
@click.option("--samples", default=8, show_default=True, type=click.IntRange(0, 100), help="Newest matches shown.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def scheme_preview(app: AppContext, days: int, names: tuple[str, ...], query: str | None, samples: int,
                   as_json: bool) -> None:
    """Run schemes over the stored posts of the last days: counts, share, negatives, samples."""
    schemes = _chosen(app, names, query)
    analyzer = build_analyzer(app)
    with app.sessions()() as session:
        previews = preview_schemes(session, analyzer, schemes, since=utcnow() - timedelta(days=days),
                                   samples=samples)
    if as_json:
        click.echo(dumps([{**_summary(p), "samples": p.samples} for p in previews]))
        return
    for preview in previews:
        _print_preview(app, preview, days)


def _summary(p: SchemePreview) -> dict[str, object]:
    return {"scheme": p.scheme, "query": p.query, "posts": p.posts, "matched": p.matched,
            "share": round(p.share, 4), "negative": p.negative}


def _print_preview(app: AppContext, p: SchemePreview, days: int) -> None:
    app.console.print(
        f"[bold]{escape(p.scheme)}[/]  {escape(p.query)}\n"
        f"  {p.matched} of {p.posts} posts in the last {days} days ({p.share:.1%}), {p.negative} negative"
    )
    if not p.samples:
        return
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    for column in ("first seen", "site", "negativity", "title"):
        table.add_column(column)
    for s in p.samples:
        score = "—" if s.negativity is None else f"{s.negativity:.2f}" + (" neg" if s.negative else "")
        table.add_row(s.first_seen_at.strftime("%Y-%m-%d %H:%M"), escape(s.site), score, escape(s.title))
    app.console.print(table)


COMMANDS = [analyze, scheme]
