"""Console benchmark (issue 15): with 200,000 posts and 50,000 stories stored, the story list, a story
page and the incident desk answer in ≤ 200 ms at the 95th percentile with 8 concurrent clients,
while the service's passes run in the same process (as under `yuqing run` with `[web]`).

    .venv/bin/python -m bench.web                                   # SQLite in a temporary folder
    .venv/bin/python -m bench.web --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.web --idle-first    # the console alone for --seconds, then with the passes
    .venv/bin/python -m bench.web --idle-first --warm-up 1   # passes in their steady state: one pass before
    .venv/bin/python -m bench.web --posts 20000 --stories 5000 --seconds 20   # a quick look
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine, insert
from sqlalchemy import text as sql

from bench.web_data import populate
from yuqing.analysis.analyzer import Analyzer
from yuqing.collector.models import Post
from yuqing.config.database import create_db_engine, session_factory, transaction, utcnow
from yuqing.config.settings import Settings
from yuqing.config.web import WebSettings
from yuqing.service.account_store import save_user
from yuqing.service.migrate import upgrade
from yuqing.service.pipeline import process
from yuqing.web.serve import ConsoleThread

PASSWORD = secrets.token_urlsafe(16)


@contextmanager
def database(postgres: str | None) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a new schema on the PostgreSQL server (dropped after)."""
    if not postgres:
        with tempfile.TemporaryDirectory(prefix="yuqing-bench-web-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    schema = f"bench_web_{secrets.token_hex(4)}"
    admin = create_db_engine(postgres)
    with admin.begin() as conn:
        conn.execute(sql(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres else "?"
    try:
        yield f"{postgres}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sql(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def passes(settings: Settings, engine: Engine, stop: threading.Event, done: list[tuple[float, float]],
           interval: float) -> None:
    """The service meanwhile: every `interval` seconds (from the start of the last), 20 new posts and one
    pipeline pass (analysis → stories → tiers → outbox), as `yuqing run` does every `pipeline_interval`;
    each pass's wall time and the thread's CPU time (with SQLite's work, which runs in the thread) in `done`."""
    sessions = session_factory(engine)
    serial = 0
    while not stop.is_set():
        now = utcnow()
        rows = [{"key": f"live-{serial + i}", "site": "live.example.cn", "url": f"http://live.example.cn/{serial + i}",
                 "title": f"实时帖子 {serial + i} 交通局", "body": "交通局窗口排长队", "first_seen_at": now,
                 "last_seen_at": now, "views": 10, "replies": 1, "reposts": 0} for i in range(20)]
        serial += 20
        with transaction(sessions) as session:
            session.execute(insert(Post), rows)
        began, cpu = time.perf_counter(), time.thread_time()
        process(settings, sessions, now=now)
        done.append((time.perf_counter() - began, time.thread_time() - cpu))
        stop.wait(max(0.0, interval - done[-1][0]))


def client_loop(base: str, password: str, stories: int, seconds: float, seed: int) -> dict[str, list[float]]:
    """One logged-in client asking for the three pages in turn until the time is up; its latencies."""
    rng = random.Random(seed)
    results: dict[str, list[float]] = {"list": [], "story": [], "desk": []}
    with httpx.Client(base_url=base, timeout=30) as client:
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
        answer = client.post("/login", data={"name": "bench", "password": password, "csrf": token})
        assert answer.status_code == 303, (answer.status_code, re.findall(r"class=\"error\"[^<]*", answer.text))
        pages = ("list", "story", "desk")
        end, turn = time.monotonic() + seconds, seed
        while time.monotonic() < end:
            kind = pages[turn % 3]
            turn += 1
            path = {"list": "/stories", "desk": "/incidents",
                    "story": f"/stories/{rng.randint(1, stories)}"}[kind]
            began = time.perf_counter()
            answer = client.get(path)
            results[kind].append(time.perf_counter() - began)
            assert answer.status_code == 200, (path, answer.status_code)
    return results


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    """Populate, serve, load, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--stories", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--pass-interval", type=float, default=60.0,
                        help="seconds between pass starts (service.pipeline_interval; 0 = back to back)")
    parser.add_argument("--no-passes", action="store_true", help="the console alone, no service passes")
    parser.add_argument("--warm-up", type=int, default=0, metavar="N",
                        help="N passes before any client (the stored incidents' first checks, once in a service's life)")
    parser.add_argument("--idle-first", action="store_true",
                        help="measure the console alone first, then with the passes (one database for both)")
    parser.add_argument("--workers", type=int, default=0,
                        help="serve with `yuqing web --workers N` in its own processes instead of a thread "
                             "beside the passes (0, the default: a thread, as under `yuqing run`)")
    args = parser.parse_args()
    with database(args.postgres) as url:
        engine = create_db_engine(url)  # the pool `yuqing run` gets (config.database.POOL_SIZE)
        upgrade(engine)
        began = time.perf_counter()
        # No evidence capture: its pages are on hosts that do not exist (*.example.cn), and a bench reaches
        # nothing beyond 127.0.0.1; the passes' other steps (analysis to delivery) run as in `yuqing run`.
        settings = Settings.model_validate({"database": {"url": url}, "schemes": [{"name": "交通局", "query": "交通局"}],
                                            "evidence": {"enabled": False}})
        incidents = populate(engine, args.posts, args.stories, Analyzer(settings).version)
        print(f"{engine.dialect.name}: {args.posts:,} posts, {args.stories:,} stories, {incidents} open incidents "
              f"stored in {time.perf_counter() - began:.0f} s")
        with transaction(session_factory(engine)) as session:
            save_user(session, "bench", "handler", PASSWORD, utcnow())
        for _ in range(args.warm_up):
            began = time.perf_counter()
            process(settings, session_factory(engine), now=utcnow())
            print(f"warm-up pass: {time.perf_counter() - began:.1f} s")
        port = free_port()
        web = WebSettings(listen=f"127.0.0.1:{port}", login_attempts=100)
        console = start_console(settings.model_copy(update={"web": web}), engine, url, args.workers)
        stop, pass_times = threading.Event(), []  # (wall, CPU) per pass
        service = threading.Thread(target=passes, args=(settings, engine, stop, pass_times, args.pass_interval),
                                   daemon=True)
        clients = [(f"http://127.0.0.1:{port}", PASSWORD, args.stories, args.seconds, n) for n in range(args.clients)]
        phases = []
        if args.idle_first or args.no_passes:
            phases.append(("the console alone", load(clients)))
        if not args.no_passes:
            service.start()
            phases.append(("the service's passes running", load(clients)))
        stop.set()
        if service.is_alive():
            service.join(timeout=120)
        stop_console(console)
        engine.dispose()
    walls, cpus = [w for w, _ in pass_times] or [0.0], [c for _, c in pass_times] or [0.0]
    print(f"{len(pass_times)} passes, one every {args.pass_interval:.0f} s (median {statistics.median(walls):.2f} s "
          f"each, {statistics.median(cpus):.2f} s of the thread's CPU; wall {min(walls):.2f}–{max(walls):.2f} s)")
    for title, results in phases:
        print(f"{args.clients} clients for {args.seconds:.0f} s, {title}: "
              f"{sum(len(v) for v in results.values()) / args.seconds:.1f} requests/s")
        for kind, label in (("list", "story list"), ("story", "story page"), ("desk", "incident desk")):
            values = results[kind]
            print(f"  {label:14} {len(values):6,} requests  p50 {percentile(values, .5):6.1f} ms  "
                  f"p95 {percentile(values, .95):6.1f} ms  max {1000 * max(values):7.1f} ms")


def load(clients: list[tuple[str, str, int, float, int]]) -> dict[str, list[float]]:
    """Run the clients at once, each in its own process (their Python must not share the server's
    interpreter lock); every latency by page kind."""
    with multiprocessing.get_context("spawn").Pool(len(clients)) as pool:
        per_client = pool.starmap(client_loop, clients)
    return {kind: [v for r in per_client for v in r[kind]] for kind in ("list", "story", "desk")}


def start_console(settings: Settings, engine: Engine, url: str, workers: int) -> ConsoleThread | subprocess.Popen[str]:
    """The console in a thread of this process, or `yuqing web --workers N` beside it."""
    web = settings.web or WebSettings()
    if not workers:
        console = ConsoleThread(settings, engine, secrets.token_urlsafe(32))
        console.start()
        return console
    folder = Path(tempfile.mkdtemp(prefix="yuqing-bench-web-config-"))
    config = folder / "yuqing.toml"
    config.write_text(f'[database]\nurl = "{url}"\n\n[web]\nlisten = "{web.listen}"\nlogin_attempts = 100\n',
                      encoding="utf-8")
    env = {**os.environ, "YUQING_WEB_SECRET": secrets.token_urlsafe(32)}
    process = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "web",
                                "--workers", str(workers)], env=env, text=True)
    for _ in range(300):
        try:
            httpx.get(f"http://{web.listen}/login")
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("yuqing web did not start")


def stop_console(console: ConsoleThread | subprocess.Popen[str]) -> None:
    """Stop the thread, or terminate the `yuqing web` process and its workers."""
    if isinstance(console, ConsoleThread):
        console.stop()
    else:
        console.terminate()
        console.wait(timeout=30)


def free_port() -> int:
    """A port nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
