"""Collection throughput: 500 feeds × 20 items served on 127.0.0.1, items stored per second.

Compares `collector.jobs.collect` with a naive baseline measured in the same run: one feed
after another with httpx and feedparser, each row inserted on its own. Each side writes into
a fresh SQLite database. Run: `.venv/bin/python bench/collect_throughput.py [--feeds N]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
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


def serve(feeds: int, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The local site, in its own process so it does not share the collector's GIL."""
    bodies = {f"/feed/{n}.xml": feed_bytes(n) for n in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def do_GET(self) -> None:
            body = bodies.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ready.put(server.server_address[1])
    server.serve_forever()


def fresh_database(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def run_collect(url: str, port: int, feeds: int) -> tuple[float, int]:
    settings = Settings(
        database={"url": url},
        fetch={"obey_robots": False, "per_host_delay": "0s", "per_host_concurrency": 16, "concurrency": 32},
        sources=[{"name": f"feed-{n}", "kind": "rss", "url": f"http://127.0.0.1:{port}/feed/{n}.xml"}
                 for n in range(feeds)],
    )
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    started = time.perf_counter()
    report = collect(settings, sessions)
    seconds = time.perf_counter() - started
    assert not report.failed, report.failed[:3]
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Post)) or 0
    engine.dispose()
    return seconds, stored


def run_baseline(url: str, port: int, feeds: int) -> tuple[float, int]:
    """The naive way: sequential GETs, feedparser, one INSERT per row, a commit per feed."""
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    started = time.perf_counter()
    with httpx.Client() as client:
        for n in range(feeds):
            parsed = feedparser.parse(client.get(f"http://127.0.0.1:{port}/feed/{n}.xml").content)
            with transaction(sessions) as session:
                for entry in parsed.entries:
                    now = datetime.now(UTC)
                    session.execute(insert(Post).values(
                        key=post_key(entry.link, entry.get("id")), site="127.0.0.1", url=entry.link,
                        guid=entry.get("id"), title=entry.title, body=entry.get("summary", ""),
                        first_seen_at=now, last_seen_at=now,
                    ))
    seconds = time.perf_counter() - started
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Post)) or 0
    engine.dispose()
    return seconds, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    args = parser.parse_args()
    ready: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(args.feeds, ready), daemon=True)
    server.start()
    port = ready.get(timeout=30)
    try:
        with tempfile.TemporaryDirectory() as folder:
            base_s, base_n = run_baseline(fresh_database(Path(folder), "baseline.db"), port, args.feeds)
            ours_s, ours_n = run_collect(fresh_database(Path(folder), "collect.db"), port, args.feeds)
    finally:
        server.terminate()
    expected = args.feeds * ITEMS
    assert base_n == ours_n == expected, (base_n, ours_n, expected)
    print(f"feeds: {args.feeds} x {ITEMS} items = {expected} items")
    print(f"baseline (sequential httpx + feedparser, row-by-row INSERT): {base_s:.2f} s, {base_n / base_s:,.0f} items/s")
    print(f"yuqing collect (concurrent fetch, one writer, upsert + source health): {ours_s:.2f} s, "
          f"{ours_n / ours_s:,.0f} items/s")
    print(f"ratio: {base_s / ours_s:.2f}x")


if __name__ == "__main__":
    main()
