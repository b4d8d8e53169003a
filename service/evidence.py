"""Evidence steps of the pipeline: copies of alerted stories → their pages kept as fetched
(`capture_evidence`); kept pages → re-checked, deleted copies marked once confirmed and written into
their incident's record (`watch_deletions`). Both fetch through the collector's `Fetcher`.

A page is marked deleted only after two consecutive gone observations (404/410, a deleted-notice
page, or a login wall where a public post that has left its list was); a timeout, a refusal or a 5xx
answer is no observation at all.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.jobs import queue_copy_deleted
from yuqing.alerts.store import get_incident, has_incident_event, record_incident_event
from yuqing.analysis.models import Story
from yuqing.collector.evidence import PageFetch, Verdict, fetch_page, judge_page, pack_page, unpack_page
from yuqing.collector.fetcher import Fetcher, FetchPolicy
from yuqing.collector.models import EvidencePage
from yuqing.collector.screenshot import ScreenshotError, find_chromium, header_charset, render_screenshot
from yuqing.config.database import transaction
from yuqing.config.settings import Settings
from yuqing.service.evidence_store import (
    PageTarget,
    count_stored_bytes,
    list_pages_to_check,
    list_pages_to_render,
    list_posts_to_capture,
    stop_watching_before,
)

log = logging.getLogger(__name__)

BATCH = 50  # pages fetched per run of a step; the rest wait for the next run
SHOTS = 3  # screenshots per run: each starts a Chromium
DELETED_EVENT = "copy_deleted"


@dataclass
class EvidenceSummary:
    """What one run of an evidence step did."""

    captured: int = 0
    not_kept: int = 0
    checked: int = 0
    gone_once: int = 0
    deleted: int = 0
    screenshots: int = 0

    def __str__(self) -> str:
        return (f"{self.captured} pages kept, {self.not_kept} not kept, {self.checked} re-checked, "
                f"{self.gone_once} seen gone once, {self.deleted} marked deleted, {self.screenshots} screenshots")


def _fetch_all(settings: Settings, targets: list[PageTarget], now: datetime) -> list[PageFetch]:
    """Fetch each target's page once, concurrently within `[fetch]`'s limits, in order."""
    policy = FetchPolicy.from_settings(settings.fetch)
    obey = {s.name: settings.fetch.obey_robots if s.obey_robots is None else s.obey_robots
            for s in settings.sources}

    async def run() -> list[PageFetch]:
        slots = asyncio.Semaphore(settings.fetch.concurrency)
        async with Fetcher(policy) as fetcher:
            async def one(target: PageTarget) -> PageFetch:
                async with slots:
                    return await fetch_page(fetcher, target.url, now,
                                            obey_robots=obey.get(target.source or "", settings.fetch.obey_robots))
            return await asyncio.gather(*(one(t) for t in targets))

    return asyncio.run(run()) if targets else []


def _keep(settings: Settings, page: EvidencePage, fetched: PageFetch, used: int) -> int:
    """Write a successful fetch into `page`, its bytes only within the caps; return bytes added."""
    packed = pack_page(fetched.content)
    page.url, page.final_url, page.fetched_at = fetched.url, fetched.final_url, fetched.fetched_at
    page.status, page.headers = fetched.status, [list(pair) for pair in fetched.headers]
    page.sha256, page.raw_size = packed.sha256, packed.raw_size
    size = len(packed.compressed)
    if size > settings.evidence.max_page_bytes:
        page.note = f"not kept: {size} compressed bytes exceed evidence.max_page_bytes"
    elif used + size > settings.evidence.max_total_bytes:
        page.note = "not kept: evidence.max_total_bytes is reached"
    else:
        page.content, page.stored_size, page.note = packed.compressed, size, None
        return size
    return 0


def capture_evidence(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> EvidenceSummary:
    """Fetch and keep the page of every copy of a story with an incident that has none yet."""
    summary = EvidenceSummary()
    if not settings.evidence.enabled:
        return summary
    with sessions() as session:
        targets = list_posts_to_capture(session, BATCH)
    fetched = _fetch_all(settings, targets, now)
    with transaction(sessions) as session:
        used = count_stored_bytes(session)
        for target, answer in zip(targets, fetched, strict=True):
            page = EvidencePage(post_id=target.post_id, url=target.url, fetched_at=now, status=answer.status,
                                headers=[], raw_size=0, stored_size=0, checked_at=now, watching=True)
            session.add(page)
            if answer.error is None:
                added = _keep(settings, page, answer, used)
                used += added
                summary.captured += bool(added)
                summary.not_kept += not added
            else:  # kept as a row: the watch retries the capture and judges whether it is gone
                page.note, page.checked_at = f"not fetched: {answer.error}", None
                summary.not_kept += 1
            log.info("evidence kept" if page.content else "evidence not kept",
                     extra={"post_id": target.post_id, "story_id": target.story_id})
    return summary


def watch_deletions(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> EvidenceSummary:
    """Re-check watched pages that are due; mark a copy deleted on its second gone observation."""
    summary = EvidenceSummary()
    if not settings.evidence.enabled:
        return summary
    with transaction(sessions) as session:
        stop_watching_before(session, now - settings.evidence.watch_for)
    with sessions() as session:
        due = [(page.id, target) for page, target in
               list_pages_to_check(session, now - settings.evidence.watch_interval, BATCH)]
    fetched = _fetch_all(settings, [target for _, target in due], now)
    with transaction(sessions) as session:
        used = count_stored_bytes(session)
        for (page_id, target), answer in zip(due, fetched, strict=True):
            page = session.get(EvidencePage, page_id)
            if page is None:
                continue  # its post was removed meanwhile
            summary.checked += 1
            verdict = judge_page(answer, target.title)
            if verdict.state == "login":
                verdict = observe_login(verdict, target.off_list, _was_public(page, target.title))
            elif verdict.state == "gone" and target.off_list:
                verdict = Verdict("gone", f"{verdict.reason}; no longer in its list")
            if verdict.state == "unknown":
                page.checked_at = now
                continue
            if verdict.state == "alive":
                page.gone_since = page.gone_reason = None
                if page.sha256 is None:  # the first capture failed: keep it now
                    used += _keep(settings, page, answer, used)
            elif page.gone_since is None:
                page.gone_since, page.gone_reason = now, verdict.reason
                summary.gone_once += 1
            else:
                _mark_deleted(session, settings, page, target, now)
                summary.deleted += 1
            page.checked_at = now
    return summary


def observe_login(verdict: Verdict, off_list: bool, was_public: bool) -> Verdict:
    """A login wall where the post was: a deletion (hidden from the public) only for a post that left
    its list and whose kept page was public; otherwise no observation (a site-wide login wall, a lost
    cookie, a site whose pages always ask for a login)."""
    if not was_public:
        return Verdict("unknown", f"{verdict.reason}, as when it was kept (or nothing public was kept)")
    if not off_list:
        return Verdict("unknown", f"{verdict.reason}, still in its list")
    return Verdict("gone", f"no longer in its list; {verdict.reason}")


def _was_public(page: EvidencePage, title: str) -> bool:
    """Whether the page as kept showed the post, not a login wall (False when its bytes were not kept)."""
    if page.content is None:
        return False
    content_type = next((value for name, value in page.headers if name.lower() == "content-type"), None)
    kept = PageFetch(page.url, page.fetched_at, page.status, content=unpack_page(page.content),
                     content_type=content_type)
    return judge_page(kept, title).state != "login"


def _mark_deleted(session: Session, settings: Settings, page: EvidencePage, target: PageTarget,
                  now: datetime) -> None:
    """Confirm a deletion (time first seen gone) and write it into the incident's record once."""
    assert page.gone_since is not None
    page.deleted_at, page.watching = page.gone_since, False
    log.info("copy deleted", extra={"post_id": target.post_id, "story_id": target.story_id})
    incident = get_incident(session, target.incident_id) if target.incident_id is not None else None
    if incident is None:
        return
    note = (f"post {target.post_id} {target.url}: deleted ({page.gone_reason}); "
            f"first seen gone {page.gone_since:%Y-%m-%d %H:%M:%S} UTC")
    if not has_incident_event(session, incident.id, DELETED_EVENT, note):
        record_incident_event(session, incident, DELETED_EVENT, now, note=note)
    story = session.get(Story, target.story_id)
    if story is not None:  # optional, per scheme: a "copy deleted" alert (alerts.jobs)
        queue_copy_deleted(session, settings, story, incident, target.post_id, target.url, note, now)


def render_screenshots(settings: Settings, sessions: sessionmaker[Session], *, now: datetime) -> EvidenceSummary:
    """Render a PNG of kept pages that have none, from the kept bytes (offline, scripts off), within
    the caps (a PNG over `max_page_bytes` is not kept either); a failure is noted on the page and not
    tried again. Nothing without Chromium."""
    summary = EvidenceSummary()
    chromium = find_chromium(settings.evidence.chromium)
    if not (settings.evidence.enabled and settings.evidence.screenshots) or chromium is None:
        return summary
    with sessions() as session:
        todo = [(p.id, p.content or b"", header_charset(p.headers)) for p in list_pages_to_render(session, SHOTS)]
    for page_id, content, charset in todo:
        with sessions() as session:  # a full archive keeps no PNG: do not start Chromium for one
            full = count_stored_bytes(session) >= settings.evidence.max_total_bytes
        try:
            png, note = (None, "not kept: evidence.max_total_bytes is reached") if full else \
                (render_screenshot(chromium, unpack_page(content), charset), None)
        except ScreenshotError as exc:
            png, note = None, str(exc)
        with transaction(sessions) as session:
            page = session.get(EvidencePage, page_id)
            if page is None:
                continue
            if png is not None and len(png) > settings.evidence.max_page_bytes:
                png, note = None, f"not kept: the {len(png)}-byte PNG exceeds evidence.max_page_bytes"
            elif png is not None and count_stored_bytes(session) + len(png) > settings.evidence.max_total_bytes:
                png, note = None, "not kept: evidence.max_total_bytes is reached"
            page.screenshot, page.screenshot_note = png, note
            page.stored_size += len(png or b"")
            summary.screenshots += png is not None
    return summary
