"""Collection throughput: RSS feeds × 20 items served by a local process, items stored per second.

Compares `collector.jobs.collect` with a naive baseline measured in the same run: one feed
after another with httpx and feedparser, each row inserted on its own. Each side writes into
a fresh SQLite database. Two settings, each with its own baseline:

- no latency: `--feeds` feeds (500) from one host, 127.0.0.1, answering at once — this measures
  parsing and storing on one core, nothing else;
- realistic latency: `--latency-feeds` feeds (200) spread over `--hosts` hosts (20 loopback
  addresses 127.0.0.2 …), every answer 100–300 ms late and `--slow-hosts` hosts (3) 1–2 s late.

Besides items/s, items per CPU-second of the collecting process (its threads and any child
processes but the server's): items/s per core kept busy.
Run: `.venv/bin/python bench/collect_throughput.py [--feeds N] [--latency-feeds N] [--hosts N] [--slow-hosts N]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import httpx
from sqlalchemy import func, insert, select

from yuqing.collector.jobs import collect
from yuqing.collector.models import Post
from yuqing.collector.normalize import post_key
from yuqing.config.database import create_db_engine, session_factory, transaction
from yuqing.config.settings import Settings
from yuqing.service.migrate import upgrade

ITEMS = 20


def feed_bytes(n: int) -> bytes:
    """One RSS 2.0 feed of ITEMS Chinese items, distinct per feed."""
    start = datetime(2026, 11, 21, tzinfo=UTC)
    items = "".join(
        f"<item><title>第{n}号源的第{i}条消息：滨江大桥交通管制通告</title>"
        f"<link>http://news{n % 7}.example.cn/local/{n}/{i}.html?utm_source=rss</link>"
        f"<guid>feed-{n}-item-{i}</guid><pubDate>{(start - timedelta(minutes=i)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        f"</pubDate><description>11月23日至12月6日每日22时至次日5时，滨江大桥南行方向封闭施工，请绕行。第{i}条。"
        f"</description></item>"
        for i in range(ITEMS)
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>源{n}</title>'
            f"<link>http://news{n % 7}.example.cn/</link>{items}</channel></rss>").encode()


@dataclass(frozen=True)
class Layout:
    """Which host serves which feed, and how late each host answers (seconds, low–high)."""

    feeds: int
    hosts: list[str]
    latency: dict[str, tuple[float, float]]

    def url(self, n: int) -> str:
        return f"http://{self.hosts[n % len(self.hosts)]}:{{port}}/feed/{n}.xml"


def instant(feeds: int) -> Layout:
    """Every feed from 127.0.0.1, no delay: what the figure of issue 3 measured."""
    return Layout(feeds, ["127.0.0.1"], {"127.0.0.1": (0.0, 0.0)})


def realistic(feeds: int, hosts: int, slow: int) -> Layout:
    """Feeds over `hosts` loopback addresses, 100–300 ms per answer, the last `slow` hosts 1–2 s."""
    names = [f"127.0.0.{2 + h}" for h in range(hosts)]
    return Layout(feeds, names, {name: (1.0, 2.0) if h >= hosts - slow else (0.1, 0.3) for h, name in enumerate(names)})


def serve(layout: Layout, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The local sites, in their own process so they do not share the collector's GIL; one port,
    one listening socket per host address, each answer delayed as the layout says (seeded)."""
    bodies = {f"/feed/{n}.xml": feed_bytes(n) for n in range(layout.feeds)}
    dice, dice_lock = random.Random(18), threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def do_GET(self) -> None:
            low, high = layout.latency[self.server.server_address[0]]
            if high:
                with dice_lock:
                    delay = dice.uniform(low, high)
                time.sleep(delay)
            body = bodies.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    first = ThreadingHTTPServer((layout.hosts[0], 0), Handler)
    port = first.server_address[1]
    servers = [first, *(ThreadingHTTPServer((host, port), Handler) for host in layout.hosts[1:])]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.put(port)
    threading.Event().wait()


def cpu_seconds(server_pid: int) -> float:
    """CPU time of this process (all threads) and of its children, the feed server excepted."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == server_pid:
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # a live child: a parsing pool, say
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@dataclass(frozen=True)
class Run:
    """One side of one setting: wall seconds, CPU seconds, items stored."""

    seconds: float
    cpu: float
    items: int

    def line(self, label: str) -> str:
        return (f"{label}: {self.seconds:.2f} s, {self.items / self.seconds:,.0f} items/s, "
                f"{self.items / self.cpu:,.0f} items per CPU-second ({self.cpu / self.seconds:.2f} cores busy)")


def fresh_database(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def run_collect(url: str, port: int, layout: Layout, server_pid: int) -> Run:
    settings = Settings(
        database={"url": url},
        fetch={"obey_robots": False, "per_host_delay": "0s", "per_host_concurrency": 16, "concurrency": 32},
        sources=[{"name": f"feed-{n}", "kind": "rss", "url": layout.url(n).format(port=port)}
                 for n in range(layout.feeds)],
    )
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    started, cpu = time.perf_counter(), cpu_seconds(server_pid)
    report = collect(settings, sessions)
    seconds, cpu = time.perf_counter() - started, cpu_seconds(server_pid) - cpu
    assert not report.failed, report.failed[:3]
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Post)) or 0
    engine.dispose()
    return Run(seconds, cpu, stored)


def run_baseline(url: str, port: int, layout: Layout, server_pid: int) -> Run:
    """The naive way: sequential GETs, feedparser, one INSERT per row, a commit per feed."""
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    started, cpu = time.perf_counter(), cpu_seconds(server_pid)
    with httpx.Client() as client:
        for n in range(layout.feeds):
            parsed = feedparser.parse(client.get(layout.url(n).format(port=port)).content)
            with transaction(sessions) as session:
                for entry in parsed.entries:
                    now = datetime.now(UTC)
                    session.execute(insert(Post).values(
                        key=post_key(entry.link, entry.get("id")), site="127.0.0.1", url=entry.link,
                        guid=entry.get("id"), title=entry.title, body=entry.get("summary", ""),
                        first_seen_at=now, last_seen_at=now,
                    ))
    seconds, cpu = time.perf_counter() - started, cpu_seconds(server_pid) - cpu
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Post)) or 0
    engine.dispose()
    return Run(seconds, cpu, stored)


def measure(title: str, layout: Layout) -> None:
    """Serve the layout, run the baseline then `collect` against it, print both and the ratio."""
    ready: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(layout, ready), daemon=True)
    server.start()
    port = ready.get(timeout=30)
    assert server.pid is not None
    try:
        with tempfile.TemporaryDirectory() as folder:
            base = run_baseline(fresh_database(Path(folder), "baseline.db"), port, layout, server.pid)
            ours = run_collect(fresh_database(Path(folder), "collect.db"), port, layout, server.pid)
    finally:
        server.terminate()
        server.join()
    expected = layout.feeds * ITEMS
    assert base.items == ours.items == expected, (base.items, ours.items, expected)
    slow = [h for h, (low, _) in layout.latency.items() if low >= 1]
    print(f"## {title}: {layout.feeds} feeds x {ITEMS} items = {expected} items from {len(layout.hosts)} host(s)"
          + (f", {len(slow)} slow" if slow else ""))
    print(base.line("baseline (sequential httpx + feedparser, row-by-row INSERT)"))
    print(ours.line("yuqing collect (concurrent fetch, one writer, upsert + source health)"))
    print(f"ratio: {base.seconds / ours.seconds:.2f}x items/s; "
          f"{(ours.items / ours.cpu) / (base.items / base.cpu):.2f}x items per CPU-second")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500, help="feeds of the no-latency setting")
    parser.add_argument("--latency-feeds", type=int, default=200, help="feeds of the realistic-latency setting")
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--slow-hosts", type=int, default=3)
    args = parser.parse_args()
    measure("no latency", instant(args.feeds))
    measure("realistic latency (100-300 ms, slow hosts 1-2 s)",
            realistic(args.latency_feeds, args.hosts, args.slow_hosts))


if __name__ == "__main__":
    main()
