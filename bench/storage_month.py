"""Issue 18/19 storage figure: a simulated month of polling, database size and rows per table at the end,
this branch's code against today's (main's) in the same run.

    python -m bench.storage_month --sources 200 --days 30      # the issue's scenario
    python -m bench.storage_month --sources 20 --days 30       # a tenth of it, ~10 min a run

Each run polls `--sources` simulated boards (bench/storage_boards.py) every 5 minutes on a fake
clock and writes what it reads through the real store functions (`save_sources`, `save_posts`,
`record_poll_success`, one transaction per 5-minute slot); once a simulated day it runs the real
retention job, and the real evidence steps (`capture_evidence`, `render_screenshots`) for three new
alerting stories of up to six copies, whose pages a local HTTP server serves, under the caps
`--evidence-cap` in total and 512 KiB per page. Today's code runs in a child process with main's
collector/store.py, service/store.py and service/retention.py (read from git) in place of this
branch's. The database is SQLite; its size is the file after a WAL checkpoint (no VACUUM).
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


def run_month(code: str, sources: int, days: int, folder: Path, evidence_cap: str) -> dict[str, object]:
    """Simulate the month with `code` ("branch" or "main") in `folder`; return sizes, rows and timings."""
    if code == "main":
        install_main_code(BASE)
    from sqlalchemy import func, select

    from bench.storage_boards import Boards
    from bench.storage_evidence import PageServer, add_alerting_stories
    from yuqing.collector.models import Snapshot, Source
    from yuqing.collector.store import PollRecord, record_poll_success, save_posts, save_sources
    from yuqing.config.database import create_db_engine, session_factory, transaction
    from yuqing.config.loading import parse_settings
    from yuqing.service.evidence import capture_evidence, render_screenshots
    from yuqing.service.migrate import upgrade
    from yuqing.service.retention import apply_retention

    database = folder / f"{code}.db"
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
    timings = {"polls": 0.0, "retention": 0.0, "evidence": 0.0}
    retention_runs: list[str] = []
    daily: list[dict[str, int]] = []  # at the end of each day: file bytes (+WAL) and snapshot rows
    for slot in range(days * 288):
        boards.step(SLOT / timedelta(minutes=1))
        now = boards.now
        pages = boards.listings(prefix=server.url + "/b{board}")
        started = time.perf_counter()
        with transaction(sessions) as session:
            rows = {row.id: row for row in session.scalars(select(Source))}
            for source_id, page in zip(ids, pages, strict=True):
                row = rows[source_id]
                new, _ = save_posts(session, row, page, now)
                record_poll_success(session, row, PollRecord(started_at=now, finished_at=now, outcome="ok",
                                                            items_found=len(page), items_new=new), interval=SLOT)
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
            with sessions() as session:
                snapshots = session.scalar(select(func.count()).select_from(Snapshot)) or 0
            wal = Path(f"{database}-wal")
            daily.append({"bytes": database.stat().st_size + (wal.stat().st_size if wal.exists() else 0),
                          "snapshots": snapshots})
            print(f"[{code}] day {slot // 288 + 1}: {daily[-1]}; {retention_runs[-1]}", file=sys.stderr, flush=True)
    server.close()
    return measure(engine, database) | {"code": code, "days": days, "daily": daily, "timings_s": {k: round(v, 1) for k, v in timings.items()},
                                        "last_retention": retention_runs[-1] if retention_runs else None}


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
    parser.add_argument("--only", choices=("branch", "main"), help=argparse.SUPPRESS)  # a child's run
    parser.add_argument("--report", type=Path, help="print the table again from a run's saved output")
    args = parser.parse_args()
    if args.report:
        report(json.loads(args.report.read_text().strip().splitlines()[-1]), args)
        return
    folder = args.dir or Path(tempfile.mkdtemp(prefix="yuqing-storage-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.only:
        print(json.dumps(run_month(args.only, args.sources, args.days, folder, args.evidence_cap)))
        return
    base = [sys.executable, "-m", "bench.storage_month", "--sources", str(args.sources),
            "--evidence-cap", args.evidence_cap, "--dir", str(folder)]
    days = {"main": args.baseline_days or args.days, "branch": args.days}
    children = {code: subprocess.Popen([*base, "--days", str(days[code]), "--only", code], cwd=ROOT,
                                       stdout=subprocess.PIPE, text=True)
                for code in ("main", "branch")}  # in parallel: two cores
    results = {code: json.loads(child.communicate()[0]) for code, child in children.items()}
    report(results, args)


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
    print(json.dumps(results))


if __name__ == "__main__":
    main()
