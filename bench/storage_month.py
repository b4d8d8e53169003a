"""Issue 18/19 storage figure: a simulated month of polling, database size and rows per table at the end,
this branch's code against today's (main's) in the same run.

    python -m bench.storage_month --sources 200 --days 30      # the issue's scenario
    python -m bench.storage_month --sources 20 --days 30       # a tenth of it, ~10 min a run
    python -m bench.storage_month --sources 200 --days 4 --writer replay   # 200 sources, the polls in bulk
    python -m bench.storage_month --sources 5 --days 2 --check            # the bulk writer = the real one?

Each run polls `--sources` simulated boards (bench/storage_boards.py) every 5 minutes on a fake
clock and writes what it reads through the real store functions (`save_sources`, `save_posts`,
`record_poll_success`, one transaction per 5-minute slot); once a simulated day it runs the real
retention job, and the real evidence steps (`capture_evidence`, `render_screenshots`) for three new
alerting stories of up to six copies, whose pages a local HTTP server serves, under the caps
`--evidence-cap` in total and 512 KiB per page. Today's code runs in a child process with main's
collector/store.py, service/store.py and service/retention.py (read from git) in place of this
branch's. The database is SQLite; its size is the file after a WAL checkpoint (no VACUUM).

`--writer replay` writes the polls' rows in bulk (bench/storage_replay.py: ~2.9 s a slot at 200 sources
through the ORM, a simulated day in 14 minutes); `--check` runs both writers with both codes and
compares every row of posts, snapshots, source_polls and sources. Runs shorter than `--project-days`
also print both codes carried on linearly from their last measured day.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = "013e776"  # main's head when this branch started: "today's code"
REPLACED = ("collector/store.py", "service/store.py", "service/retention.py")
START = datetime(2026, 11, 1, tzinfo=UTC)
SLOT = timedelta(minutes=5)


def install_main_code(commit: str) -> None:
    """Put main's versions of the replaced modules in place of this branch's, before anything imports them."""
    import importlib.util
    import types

    for path in REPLACED:
        name = "yuqing." + path.removesuffix(".py").replace("/", ".")
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], check=True,
                                capture_output=True, text=True).stdout
        spec = importlib.util.spec_from_loader(name, loader=None)
        assert spec is not None
        module = types.ModuleType(name)
        module.__file__ = f"{commit}:{path}"
        sys.modules[name] = module
        exec(compile(source, module.__file__, "exec"), module.__dict__)


def run_month(code: str, sources: int, days: int, folder: Path, evidence_cap: str,
              writer: str = "store") -> dict[str, object]:
    """Simulate the month with `code` ("branch" or "main") in `folder`; return sizes, rows and timings.

    `writer`: "store" polls through the real store functions, "replay" writes the same rows in bulk
    (bench/storage_replay.py; retention and evidence stay the real code either way)."""
    if code == "main":
        install_main_code(BASE)
    from sqlalchemy import func, select

    from bench.storage_boards import Boards
    from bench.storage_evidence import PageServer, add_alerting_stories
    from bench.storage_replay import Replay
    from yuqing.collector.models import Snapshot
    from yuqing.collector.store import save_sources
    from yuqing.config.database import create_db_engine, session_factory, transaction
    from yuqing.config.loading import parse_settings
    from yuqing.service.evidence import capture_evidence, render_screenshots
    from yuqing.service.migrate import upgrade
    from yuqing.service.retention import apply_retention
    from yuqing.service.schema import metadata

    database = folder / f"{code}-{writer}.db"
    engine = create_db_engine(f"sqlite:///{database}")
    upgrade(engine)
    sessions = session_factory(engine)
    server = PageServer()
    settings = parse_settings({
        "sources": [{"name": f"board-{b}", "kind": "discuz", "url": f"{server.url}/b{b}/forum.php",
                     "site": f"bbs{b}.example.cn", "interval": "5m"} for b in range(sources)],
        "fetch": {"per_host_delay": "0s", "per_host_concurrency": 8, "obey_robots": False},
        "evidence": {"max_total_bytes": evidence_cap, "max_page_bytes": "512KiB"},
    }, base_dir=folder, origin="bench")
    boards = Boards(sources, START)
    with transaction(sessions) as session:
        ids = [row.id for row in save_sources(session, settings.sources).values()]
    replay = Replay(engine, ids, server.url + "/b{board}", every_poll=code == "main", interval=SLOT)
    timings = {"polls": 0.0, "retention": 0.0, "evidence": 0.0}
    retention_runs: list[str] = []
    daily: list[dict[str, int]] = []  # at the end of each day: file bytes (+WAL) and snapshot rows
    for slot in range(days * 288):
        boards.step(SLOT / timedelta(minutes=1))
        now = boards.now
        started = time.perf_counter()
        if writer == "replay":
            replay.write(boards, now)
        else:
            write_polls(sessions, ids, boards.listings(prefix=server.url + "/b{board}"), now)
        timings["polls"] += time.perf_counter() - started
        if slot % 288 == 287:  # once a simulated day, at the end of it
            started = time.perf_counter()
            with transaction(sessions) as session:
                add_alerting_stories(session, now, seed=slot)
            capture_evidence(settings, sessions, now=now)
            capture_evidence(settings, sessions, now=now)  # a story's copies beyond the first batch
            render_screenshots(settings, sessions, now=now)
            timings["evidence"] += time.perf_counter() - started
            started = time.perf_counter()
            retention_runs.append(str(apply_retention(settings, sessions, now=now)))
            timings["retention"] += time.perf_counter() - started
            replay.reload()  # retention may have removed posts
            with sessions() as session:
                snapshots = session.scalar(select(func.count()).select_from(Snapshot)) or 0
                rows = {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in metadata.sorted_tables}
            wal = Path(f"{database}-wal")
            daily.append({"bytes": database.stat().st_size + (wal.stat().st_size if wal.exists() else 0),
                          "snapshots": snapshots, "rows": {k: v for k, v in rows.items() if v}})
            print(f"[{code}] day {slot // 288 + 1}: {daily[-1]}; {retention_runs[-1]}", file=sys.stderr, flush=True)
    server.close()
    return measure(engine, database) | {"code": code, "days": days, "daily": daily, "timings_s": {k: round(v, 1) for k, v in timings.items()},
                                        "last_retention": retention_runs[-1] if retention_runs else None}


def write_polls(sessions: Any, ids: list[int], pages: list[Any], now: datetime) -> None:
    """One poll of every board through the real `save_posts` and `record_poll_success`, one transaction."""
    from sqlalchemy import select

    from yuqing.collector.models import Source
    from yuqing.collector.store import PollRecord, record_poll_success, save_posts
    from yuqing.config.database import transaction

    with transaction(sessions) as session:
        rows = {row.id: row for row in session.scalars(select(Source))}
        for source_id, page in zip(ids, pages, strict=True):
            row = rows[source_id]
            new, _ = save_posts(session, row, page, now)
            record_poll_success(session, row, PollRecord(started_at=now, finished_at=now, outcome="ok",
                                                        items_found=len(page), items_new=new), interval=SLOT)


def measure(engine: object, database: Path) -> dict[str, object]:
    """Row counts of every table, the evidence archive, and the file size after a WAL checkpoint."""
    from sqlalchemy import func, inspect, select, text

    from yuqing.collector.models import EvidencePage
    from yuqing.service.schema import metadata

    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = {t.name: conn.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables
                if inspect(conn).has_table(t.name)}
        pages = conn.execute(select(func.coalesce(func.sum(EvidencePage.stored_size), 0),
                                    func.count(EvidencePage.content), func.count(EvidencePage.screenshot),
                                    func.max(func.length(EvidencePage.content)))).one()
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()  # type: ignore[attr-defined]
    wal = Path(f"{database}-wal")
    return {"bytes": database.stat().st_size + (wal.stat().st_size if wal.exists() else 0),
            "rows": {k: v for k, v in rows.items() if v},
            "evidence": {"stored_bytes": int(pages[0]), "pages_kept": pages[1], "screenshots": pages[2],
                         "largest_page_bytes": pages[3]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--baseline-days", type=int, help="days of today's code (default --days); the rest projected")
    parser.add_argument("--evidence-cap", default="4MiB", help="evidence.max_total_bytes")
    parser.add_argument("--dir", type=Path, help="keep the databases here (default: a temporary folder)")
    parser.add_argument("--writer", choices=("store", "replay"), default="store",
                        help="polls through the real store functions, or the same rows in bulk (storage_replay.py)")
    parser.add_argument("--project-days", type=int, default=30,
                        help="when --days is shorter, also project both codes to this many days")
    parser.add_argument("--check", action="store_true",
                        help="run both writers with both codes and compare every row they wrote (use small runs)")
    parser.add_argument("--only", choices=("branch", "main"), help=argparse.SUPPRESS)  # a child's run
    parser.add_argument("--report", type=Path, help="print the table again from a run's saved output")
    args = parser.parse_args()
    if args.report:
        report(json.loads(args.report.read_text().strip().splitlines()[-1]), args)
        return
    folder = args.dir or Path(tempfile.mkdtemp(prefix="yuqing-storage-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.only:
        print(json.dumps(run_month(args.only, args.sources, args.days, folder, args.evidence_cap, args.writer)))
        return
    base = [sys.executable, "-m", "bench.storage_month", "--sources", str(args.sources),
            "--evidence-cap", args.evidence_cap, "--dir", str(folder)]
    days = {"main": args.baseline_days or args.days, "branch": args.days}
    began = time.monotonic()
    for writer in ("store", "replay") if args.check else (args.writer,):
        children = {code: subprocess.Popen([*base, "--days", str(days[code]), "--only", code, "--writer", writer],
                                           cwd=ROOT, stdout=subprocess.PIPE, text=True)
                    for code in ("main", "branch")}  # in parallel: two cores
        results = {code: json.loads(child.communicate()[0]) for code, child in children.items()}
        print(f"# writer {writer}: {time.monotonic() - began:.0f} s since the start")
        report(results, args)
    if args.check:
        from bench.storage_replay import compare_databases

        for code in ("main", "branch"):
            print(f"{code}: store vs replay", compare_databases(folder / f"{code}-store.db", folder / f"{code}-replay.db"))


def report(results: dict[str, dict], args: argparse.Namespace) -> None:
    """Print the table BENCHMARKS.md records, and the raw figures as JSON.

    When today's code ran fewer days, its month is projected: snapshot rows exactly (one per listed
    thread per poll, 50 × sources × polls), bytes by its mean growth over its last three days.
    """
    old, new = results["main"], results["branch"]
    polls = args.days * 288 * args.sources
    print(f"# {args.sources} sources × {args.days} days, polled every 5 min (SQLite), evidence cap {args.evidence_cap}")
    if old["days"] < new["days"]:
        shared = old["days"]
        day = new["daily"][shared - 1]
        print(f"## after {shared} days, both measured")
        print(f"{'':24}{'today (main)':>16}{'this branch':>16}{'ratio':>8}")
        for key in ("bytes", "snapshots"):
            a, b = old["daily"][-1][key], day[key]
            print(f"{key:24}{a:>16,}{b:>16,}{b / a:>8.3f}")
        span = min(3, len(old["daily"]) - 1)
        growth = (old["daily"][-1]["bytes"] - old["daily"][-1 - span]["bytes"]) / span
        projected = int(old["daily"][-1]["bytes"] + growth * (args.days - shared))
        print(f"## after {args.days} days: this branch measured, today's code projected (bytes: +{growth:,.0f} a "
              f"day over its last {span} days; snapshot rows: one per listed thread per poll)")
        print(f"{'':24}{'today (main)':>16}{'this branch':>16}{'ratio':>8}")
        last = new["daily"][-1]
        print(f"{'bytes (file + WAL)':24}{projected:>16,}{last['bytes']:>16,}{last['bytes'] / projected:>8.3f}")
        print(f"{'snapshots':24}{50 * polls:>16,}{last['snapshots']:>16,}{last['snapshots'] / (50 * polls):>8.3f}")
        print(f"## this branch after {args.days} days, WAL checkpointed: {new['bytes']:,} bytes; rows "
              + ", ".join(f"{table} {count:,}" for table, count in sorted(new["rows"].items())))
    else:
        print(f"{'':24}{'today (main)':>16}{'this branch':>16}{'ratio':>8}")
        print(f"{'database bytes':24}{old['bytes']:>16,}{new['bytes']:>16,}{new['bytes'] / old['bytes']:>8.3f}")
        for table in sorted(set(old["rows"]) | set(new["rows"])):
            a, b = old["rows"].get(table, 0), new["rows"].get(table, 0)
            print(f"{'rows ' + table:24}{a:>16,}{b:>16,}{(b / a if a else float('nan')):>8.3f}")
    for code in ("main", "branch"):
        print(f"{code}: evidence {results[code]['evidence']}; timings {results[code]['timings_s']}")
    if args.project_days > new["days"] and old["days"] == new["days"] and new["days"] >= 2:
        project(results, args.project_days)
    print(json.dumps(results))


def project(results: dict[str, dict], days: int) -> None:
    """Both codes carried on to `days` at the growth of their last measured day (a projection, printed as one).

    Linear is what the month does from day 3 on: the boards' churn is stationary, the branch's 48 h
    thinning runs from day 3, and 30-day retention removes nothing before day 31."""
    print(f"## projected to {days} days from each code's growth over its last measured day")
    print(f"{'':24}{'today (main)':>16}{'this branch':>16}{'ratio':>8}")
    figures = {}
    for code in ("main", "branch"):
        last, before = results[code]["daily"][-1], results[code]["daily"][-2]
        left = days - len(results[code]["daily"])
        figures[code] = {"bytes": last["bytes"] + (last["bytes"] - before["bytes"]) * left}
        for table in sorted(set(last["rows"]) | set(before["rows"])):
            a, b = before["rows"].get(table, 0), last["rows"].get(table, 0)
            figures[code][f"rows {table}"] = b + (b - a) * left
    for key in figures["branch"]:
        a, b = figures["main"].get(key, 0), figures["branch"][key]
        print(f"{key:24}{a:>16,}{b:>16,}{(b / a if a else float('nan')):>8.3f}")


if __name__ == "__main__":
    main()
