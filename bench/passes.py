"""What one service pass costs on bench/web.py's stored data (issue 15): wall time and CPU of each step
of `pipeline.process`, the thread's CPU (on SQLite the database's work runs in it too; PostgreSQL's runs
in its own server processes and is not counted).

    .venv/bin/python -m bench.passes                       # SQLite in a temporary folder
    .venv/bin/python -m bench.passes --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.passes --posts 20000 --stories 5000 --passes 3   # a quick look

200,000 posts in 50,000 stories stored by bench/web_data.py, then `--passes` passes one after the
other, each after 20 new posts (as bench/web.py's service thread); the first pass, which analyses
and assigns more than the others, is reported apart. Run it in a checkout of the baseline (the
script copied in) for the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from bench.web import database
from bench.web_data import populate
from yuqing.analysis.analyzer import Analyzer
from yuqing.analysis.scheme_store import with_console_schemes
from yuqing.collector.models import Post
from yuqing.config.database import create_db_engine, session_factory, transaction, utcnow
from yuqing.config.settings import Settings
from yuqing.service.migrate import upgrade
from yuqing.service.pipeline import STEPS


def one_pass(settings: Settings, sessions: sessionmaker[Session], serial: int) -> dict[str, tuple[float, float]]:
    """20 new posts, then each step of a pass: step name → (wall s, thread CPU s)."""
    now = utcnow()
    rows = [{"key": f"live-{serial + i}", "site": "live.example.cn", "url": f"http://live.example.cn/{serial + i}",
             "title": f"实时帖子 {serial + i} 交通局", "body": "交通局窗口排长队", "first_seen_at": now,
             "last_seen_at": now, "views": 10, "replies": 1, "reposts": 0} for i in range(20)]
    with transaction(sessions) as session:
        session.execute(insert(Post), rows)
    costs = {}
    wall, cpu = time.perf_counter(), time.thread_time()
    with sessions() as session:
        settings = with_console_schemes(session, settings)
    costs["(schemes)"] = (time.perf_counter() - wall, time.thread_time() - cpu)
    for name, step in STEPS:
        wall, cpu = time.perf_counter(), time.thread_time()
        step(settings, sessions, now=now)
        costs[name] = (time.perf_counter() - wall, time.thread_time() - cpu)
    return costs


def main() -> None:
    """Populate, run the passes, print the medians per step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--stories", type=int, default=50_000)
    parser.add_argument("--passes", type=int, default=6)
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args()
    with database(args.postgres) as url:
        engine = create_db_engine(url)
        upgrade(engine)
        settings = Settings.model_validate({"database": {"url": url}, "schemes": [{"name": "交通局", "query": "交通局"}],
                                            "evidence": {"enabled": False}})
        populate(engine, args.posts, args.stories, Analyzer(settings).version)
        sessions = session_factory(engine)
        runs = [one_pass(settings, sessions, 20 * n) for n in range(args.passes)]
        engine.dispose()
    print(f"{engine.dialect.name}: {args.posts:,} posts, {args.stories:,} stories; {args.passes} passes")
    first, rest = runs[0], runs[1:] or runs
    total = {"wall": sum(w for w, _ in first.values()), "cpu": sum(c for _, c in first.values())}
    print(f"first pass: wall {total['wall']:.2f} s, CPU {total['cpu']:.2f} s")
    totals = [(sum(w for w, _ in r.values()), sum(c for _, c in r.values())) for r in rest]
    print(f"later passes (median of {len(rest)}): wall {statistics.median(w for w, _ in totals):.2f} s, "
          f"CPU {statistics.median(c for _, c in totals):.2f} s")
    for name in rest[0]:
        wall, cpu = statistics.median(r[name][0] for r in rest), statistics.median(r[name][1] for r in rest)
        if wall >= 0.005:
            print(f"  {name:30} wall {wall:6.3f} s  CPU {cpu:6.3f} s")


if __name__ == "__main__":
    main()
