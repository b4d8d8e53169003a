"""The service's long-lived fetcher: one loop and one `Fetcher` shared by collect calls, closed cleanly."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from tests.collector.conftest import NOW
from tests.collector.site import LocalSite, stall
from tests.collector.test_fetcher import FEED, POLICY
from tests.collector.test_jobs import settings_for
from yuqing.collector import fetcher as fetcher_module
from yuqing.collector.fetch_loop import FetchLoop
from yuqing.collector.fetcher import FetchPolicy
from yuqing.collector.jobs import collect


def test_collect_calls_sharing_a_loop_read_robots_txt_once(db, site: LocalSite) -> None:
    site.routes["/robots.txt"] = lambda h: h.send_simple(200, b"User-agent: *\nDisallow: /private/\n")
    site.serve("/a.xml", FEED, "application/rss+xml")
    site.serve("/b.xml", FEED, "application/rss+xml")
    settings = settings_for({"name": "a", "kind": "rss", "url": site.url("/a.xml")},
                            {"name": "b", "kind": "rss", "url": site.url("/b.xml")})
    with FetchLoop(FetchPolicy.from_settings(settings.fetch)) as shared:
        first = collect(settings, db, names=["a"], now=NOW, fetch_loop=shared)
        second = collect(settings, db, names=["b"], now=NOW, fetch_loop=shared)
    assert [r.outcome for r in first.results + second.results] == ["ok", "ok"]
    assert len(site.requests_to("/robots.txt")) == 1  # kept for the loop's life, not per call
    collect(settings, db, names=["a"], now=NOW)  # without a shared loop: a fetcher of its own
    assert len(site.requests_to("/robots.txt")) == 2


def test_robots_txt_is_read_again_after_its_time_to_live(site: LocalSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site.serve("/feed.xml", FEED, "application/rss+xml")
    with FetchLoop(POLICY) as shared:
        shared.run(shared.fetcher.fetch(site.url("/feed.xml")))
        monkeypatch.setattr(fetcher_module, "ROBOTS_TTL", 0.0)
        shared.run(shared.fetcher.fetch(site.url("/feed.xml")))
    assert len(site.requests_to("/robots.txt")) == 2


def test_per_host_spacing_holds_across_calls(site: LocalSite) -> None:
    site.serve("/feed.xml", FEED, "application/rss+xml")
    with FetchLoop(replace(POLICY, per_host_delay=0.5)) as shared:
        for _ in range(2):
            shared.run(shared.fetcher.fetch(site.url("/feed.xml"), obey_robots=False))
    first, second = site.requests_to("/feed.xml")
    assert second.at - first.at >= 0.45


def test_close_cancels_what_is_in_flight_and_refuses_more(site: LocalSite) -> None:
    site.routes["/slow"] = stall(30)
    shared = FetchLoop(replace(POLICY, timeout=30.0))
    errors: list[BaseException] = []

    def fetch_slowly() -> None:
        try:
            shared.run(shared.fetcher.fetch(site.url("/slow"), obey_robots=False))
        except BaseException as exc:  # the cancelled fetch, handed to this thread
            errors.append(exc)

    caller = threading.Thread(target=fetch_slowly)
    caller.start()
    while not site.requests_to("/slow"):
        time.sleep(0.02)
    began = time.monotonic()
    shared.close()
    caller.join(timeout=5)
    assert time.monotonic() - began < 3 and not caller.is_alive()
    assert len(errors) == 1 and type(errors[0]).__name__ == "CancelledError"
    with pytest.raises(RuntimeError, match="closed"):
        shared.run(shared.fetcher.fetch(site.url("/slow")))
    shared.close()  # a second close does nothing
