"""The fetcher against a real server on 127.0.0.1: validators, retries, limits, robots, politeness."""

from __future__ import annotations

import asyncio
import socket
import time
import zlib
from dataclasses import replace

import pytest

from tests.collector.site import LocalSite, drip, endless, gzip_bomb, redirect_to, stall, status, then
from yuqing.collector.fetcher import Fetcher, FetchPolicy, FetchResult, HttpStatusError
from yuqing.config.errors import FetchError

POLICY = FetchPolicy(user_agent="yuqing-test/1.0", timeout=2.0, retries=2, backoff=0.05,
                     max_bytes=10 * 1024 * 1024, max_redirects=5, per_host_concurrency=4,
                     per_host_delay=0.0, max_retry_wait=5.0)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def fetch(url: str, policy: FetchPolicy = POLICY, **options: object) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(policy) as fetcher:
            return await fetcher.fetch(url, **options)  # type: ignore[arg-type]

    return asyncio.run(run())


def failure(url: str, policy: FetchPolicy = POLICY, **options: object) -> tuple[FetchError, float]:
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(url, policy, **options)
    return caught.value, time.monotonic() - started


def test_conditional_get_gets_304_and_sends_validators(site: LocalSite) -> None:
    site.serve("/feed.xml", FEED, "application/rss+xml")
    first = fetch(site.url("/feed.xml"))
    assert first.status == 200 and first.content == FEED and first.etag and first.last_modified
    again = fetch(site.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.content == b""
    sent = site.requests_to("/feed.xml")[1].headers
    assert sent["If-None-Match"] == first.etag and sent["If-Modified-Since"] == first.last_modified
    assert sent["User-Agent"] == "yuqing-test/1.0"


def test_429_retry_after_is_honoured_then_succeeds(site: LocalSite) -> None:
    site.routes["/busy"] = then(status(429, {"Retry-After": "1"}),
                                lambda h: h.send_document(FEED, "application/rss+xml"))
    assert fetch(site.url("/busy")).content == FEED
    first, second = site.requests_to("/busy")
    assert second.at - first.at >= 0.95


def test_long_retry_after_ends_the_poll_at_once_and_says_how_long(site: LocalSite) -> None:
    site.routes["/later"] = status(429, {"Retry-After": "3600"})
    error, seconds = failure(site.url("/later"))
    assert isinstance(error, HttpStatusError) and error.retry_after == 3600
    assert "HTTP 429 Too Many Requests; the site asks to wait 3600s" in str(error)
    assert seconds < 1 and len(site.requests_to("/later")) == 1


def test_5xx_is_retried_with_backoff_then_reported(site: LocalSite) -> None:
    site.routes["/broken"] = status(500)
    error, _ = failure(site.url("/broken"))
    assert str(error) == "HTTP 500 Internal Server Error (after 3 attempts)"
    assert len(site.requests_to("/broken")) == 3


def test_4xx_is_not_retried(site: LocalSite) -> None:
    error, _ = failure(site.url("/missing"))
    assert str(error) == "HTTP 404 Not Found" and len(site.requests_to("/missing")) == 1


def test_redirect_loop_stops_at_the_limit(site: LocalSite) -> None:
    site.routes["/loop"] = redirect_to("/loop")
    error, _ = failure(site.url("/loop"))
    assert "more than 5 redirects" in str(error) and len(site.requests_to("/loop")) == 6


def test_endless_body_is_cut_at_the_cap(site: LocalSite) -> None:
    site.routes["/huge"] = endless(60 * 1024 * 1024)
    error, seconds = failure(site.url("/huge"), replace(POLICY, max_bytes=1024 * 1024))
    assert "larger than 1 MiB after decompression" in str(error) and seconds < 2


def test_gzip_bomb_is_cut_after_decompression(site: LocalSite) -> None:
    site.routes["/bomb"] = gzip_bomb()
    error, seconds = failure(site.url("/bomb"))
    assert "larger than 10 MiB after decompression" in str(error) and seconds < 5


@pytest.mark.parametrize("route", [stall(100), drip(100)], ids=["silent", "one-byte-at-a-time"])
def test_a_stall_costs_only_the_timeout(site: LocalSite, route) -> None:
    site.routes["/stall"] = route
    error, seconds = failure(site.url("/stall"), replace(POLICY, timeout=1.0))
    assert "no complete answer within 1s" in str(error)
    assert 0.9 < seconds < 2.5 and len(site.requests_to("/stall")) == 1  # a stall is not retried


def test_robots_txt_is_obeyed_unless_the_source_says_otherwise(site: LocalSite) -> None:
    site.routes["/robots.txt"] = lambda h: h.send_simple(200, b"User-agent: *\nDisallow: /private/\n")
    site.serve("/private/feed.xml", FEED, "application/rss+xml")
    site.serve("/public/feed.xml", FEED, "application/rss+xml")

    async def run() -> tuple[str, bytes, bytes]:
        async with Fetcher(POLICY) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.fetch(site.url("/private/feed.xml"))
            public = await fetcher.fetch(site.url("/public/feed.xml"))
            forced = await fetcher.fetch(site.url("/private/feed.xml"), obey_robots=False)
            return str(caught.value), public.content, forced.content

    message, public, forced = asyncio.run(run())
    assert "robots.txt of 127.0.0.1" in message and "disallows /private/feed.xml" in message
    assert public == forced == FEED
    assert len(site.requests_to("/robots.txt")) == 1  # cached per host for the pass


def test_requests_to_one_host_keep_the_minimum_delay(site: LocalSite) -> None:
    for n in range(3):
        site.serve(f"/f{n}.xml", FEED, "application/rss+xml")
    policy = replace(POLICY, per_host_delay=0.3)

    async def run() -> None:
        async with Fetcher(policy) as fetcher:
            await asyncio.gather(*(fetcher.fetch(site.url(f"/f{n}.xml")) for n in range(3)))

    asyncio.run(run())
    starts = sorted(s.at for s in site.seen if s.path.startswith("/f"))
    assert all(b - a >= 0.28 for a, b in zip(starts, starts[1:], strict=False))


def test_refused_connection_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error, _ = failure(f"http://127.0.0.1:{port}/feed.xml", obey_robots=False)
    assert str(error).startswith("could not connect") and "(after 3 attempts)" in str(error)


@pytest.mark.parametrize("encoding", ["gzip", "deflate-zlib", "deflate-raw"])
def test_compressed_bodies_are_decoded(site: LocalSite, encoding: str) -> None:
    wbits = {"gzip": 31, "deflate-zlib": 15, "deflate-raw": -15}[encoding]
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    packed = packer.compress(FEED * 100) + packer.flush()
    site.routes["/z"] = lambda h: h.send_simple(200, packed, {"Content-Encoding": encoding.split("-")[0]})
    assert fetch(site.url("/z")).content == FEED * 100


def test_corrupt_compression_is_reported(site: LocalSite) -> None:
    site.routes["/z"] = lambda h: h.send_simple(200, b"\x1f\x8b\x08\x00garbage" * 10, {"Content-Encoding": "gzip"})
    error, _ = failure(site.url("/z"))
    assert "could not be decoded" in str(error)
