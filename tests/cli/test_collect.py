"""Acceptance of `yuqing collect` (issue 3): good and misbehaving sources on 127.0.0.1, in one pass.

The command runs as a real subprocess so its wall time and peak memory are its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.collector.site import (
    LocalSite,
    drip,
    endless,
    gzip_bomb,
    redirect_to,
    stall,
    start_site,
    status,
    stop_site,
    then,
)
from tests.conftest import fixture_path
from yuqing.collector.models import Post, Snapshot

GOOD = {  # name: (path, area, fixture, content type, kind, expected items)
    "news": ("/news/rss.xml", "feeds", "rss-utf8.xml", "application/rss+xml; charset=utf-8", "rss", 4),
    "blog": ("/blog/atom.xml", "feeds", "atom-utf8.xml", "application/atom+xml", "rss", 2),
    "bbs-rss": ("/bbs/rss.xml", "feeds", "rss-gb18030.xml", "application/rss+xml", "rss", 2),
    "broken": ("/broken/rss.xml", "feeds", "rss-broken-tail.xml", "application/rss+xml", "rss", 4),
    "bbs": ("/bbs/forum.php", "discuz", "list-gbk.html", "text/html", "discuz", 7),
    "bbs-utf8": ("/forum/forum.php", "discuz", "list-utf8.html", "text/html; charset=utf-8", "discuz", 5),
}
BAD = {  # name: (path, the reason `yuqing sources --json` must give)
    "rate-limited": ("/bad/429", "HTTP 429 Too Many Requests; the site asks to wait 3600s"),
    "server-error": ("/bad/500", "HTTP 500 Internal Server Error (after 2 attempts)"),
    "redirect-loop": ("/bad/loop", "more than 5 redirects"),
    "huge-body": ("/bad/huge", "larger than 10 MiB after decompression"),
    "gzip-bomb": ("/bad/bomb", "larger than 10 MiB after decompression"),
    "stall": ("/bad/stall", "no complete answer within 2s"),
    "drip": ("/bad/drip", "no complete answer within 2s"),
    "not-a-feed": ("/bad/not-a-feed", "HTML page"),
    "forbidden": ("/private/feed.xml", "robots.txt of 127.0.0.1"),
}


@pytest.fixture
def bad_site() -> Iterator[LocalSite]:
    site = start_site()
    for path, area, name, content_type, _, _ in GOOD.values():
        site.serve(path, fixture_path("collector", area, name).read_bytes(), content_type)
    site.routes["/robots.txt"] = lambda h: h.send_simple(200, b"User-agent: *\nDisallow: /private/\n")
    site.routes["/slow-down"] = then(status(429, {"Retry-After": "1"}),
                                     lambda h: h.send_document(b"<rss version='2.0'><channel><title>t</title>"
                                                               b"<item><title>a</title><link>http://x.cn/1</link>"
                                                               b"</item></channel></rss>", "application/rss+xml"))
    site.routes["/bad/429"] = status(429, {"Retry-After": "3600"})
    site.routes["/bad/500"] = status(500)
    site.routes["/bad/loop"] = redirect_to("/bad/loop")
    site.routes["/bad/huge"] = endless(60 * 1024 * 1024)
    site.routes["/bad/bomb"] = gzip_bomb(1024)
    site.routes["/bad/stall"] = stall(100)
    site.routes["/bad/drip"] = drip(100)
    site.serve("/bad/not-a-feed", fixture_path("collector", "feeds", "html-as-feed.xml").read_bytes(),
               "application/rss+xml")
    site.serve("/private/feed.xml", b"<rss/>", "application/rss+xml")
    yield site
    stop_site(site)


def _config(site: LocalSite, db_url: str) -> str:
    lines = [f'[database]\nurl = "{db_url}"\n',
             '[fetch]\ntimeout = "2s"\nretries = 1\nbackoff = "0.1s"\nper_host_delay = "0s"\n'
             'per_host_concurrency = 32\nconcurrency = 32\nmax_retry_wait = "5s"\n']
    sources = [(n, site.url(p), kind) for n, (p, _, _, _, kind, _) in GOOD.items()]
    sources += [(n, site.url(p), "rss") for n, (p, _) in BAD.items()] + [("slow-down", site.url("/slow-down"), "rss")]
    for name, url, kind in sources:
        # the boards' <base href> names their own hosts: their thread pages are not fetched here
        threads = "fetch_threads = false\n" if kind == "discuz" else ""
        lines.append(f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n{threads}')
    return "\n".join(lines)


# The child reports its own peak resident memory (VmHWM belongs to the exec'd image; the
# rusage of wait4 would also count the forked copy of this, much larger, test process).
_PEAK_WRAPPER = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as status, open(sys.argv[1], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(_peak)
from yuqing.cli import main
main(sys.argv[2:])
"""


def _run_collect(config: Path) -> tuple[int, str, float, float]:
    """Run `yuqing collect` in a child process: exit code, output, seconds, peak RSS in MB."""
    root = Path(__file__).resolve().parents[2]
    peak = config.with_suffix(".peak")
    with open(config.with_suffix(".out"), "w+", encoding="utf-8") as out:
        started = time.monotonic()
        child = subprocess.run(
            [sys.executable, "-c", _PEAK_WRAPPER, str(peak), "--config", str(config), "collect"],
            cwd=root, stdout=out, stderr=subprocess.STDOUT, env={**os.environ}, check=False,
        )
        seconds = time.monotonic() - started
        out.seek(0)
        return child.returncode, out.read(), seconds, int(peak.read_text()) / 1024


@pytest.mark.slow
def test_one_pass_survives_every_misbehaviour(bad_site: LocalSite, db, db_url, write_config, yuqing) -> None:
    config = write_config(_config(bad_site, db_url))
    code, output, seconds, peak_mb = _run_collect(config)
    assert code == 0, output
    assert seconds < 20, f"the pass took {seconds:.1f}s"
    assert peak_mb < 300, f"peak memory {peak_mb:.0f} MB"
    for name in [*GOOD, *BAD, "slow-down"]:
        assert f"\n{name} (" in "\n" + output, f"no summary line for {name}:\n{output}"
    # the broken feed repeats news's four posts: found again, stored once; the board's list names its
    # threads under its <base href> (bbs.example.cn), so thread 2044 is the one its RSS feed carries
    assert "collected 16 sources: 7 read, 0 not modified, 9 failed; 25 items, 20 new" in output

    with db() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 20
        snapshots = session.scalar(select(func.count()).select_from(Snapshot))

    health = {row["name"]: row for row in json.loads(yuqing("--config", str(config), "sources", "--json").out)}
    for name, (_, reason) in BAD.items():
        assert health[name]["ok"] is False and health[name]["consecutive_failures"] == 1
        assert reason in (health[name]["last_error"] or ""), (name, health[name]["last_error"])
    for name in [*GOOD, "slow-down"]:
        assert health[name]["ok"] is True, (name, health[name]["last_error"])
    assert "malformed" in health["broken"]["last_warning"]

    code, output, _, _ = _run_collect(config)  # unchanged feeds: conditional requests, nothing new
    assert code == 0
    assert "news (rss): not modified" in output and "bbs (discuz): not modified" in output
    assert "0 items, 0 new" in output
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Snapshot)) == snapshots
    assert all("If-None-Match" in s.headers for s in bad_site.requests_to("/news/rss.xml")[1:])


def test_unknown_source_exits_2_and_lists_the_known_ones(yuqing, write_config, db_url) -> None:
    config = write_config(f'[database]\nurl = "{db_url}"\n\n[[sources]]\nname = "news"\nkind = "rss"\n'
                          'url = "http://127.0.0.1:9/rss.xml"\n')
    result = yuqing("--config", str(config), "collect", "--source", "nope")
    assert result.code == 2
    assert "unknown source 'nope'" in result.err and "news" in result.err


def test_collect_requires_channel_secrets_first(yuqing, write_config, db_url, monkeypatch) -> None:
    monkeypatch.delenv("YUQING_TEST_HOOK", raising=False)
    config = write_config(f'[database]\nurl = "{db_url}"\n\n[[channels]]\nname = "hook"\nkind = "webhook"\n'
                          'url = "http://127.0.0.1:9/"\nsecret_env = "YUQING_TEST_HOOK"\n')
    result = yuqing("--config", str(config), "collect")
    assert result.code == 2 and "YUQING_TEST_HOOK" in result.err
