"""Evidence export: a story's or a post's kept pages → files in a folder (raw bytes as fetched, the
screenshot where there is one), `manifest.json` with hashes, URL, status, headers, times, and
`SHA256SUMS` (what `sha256sum -c SHA256SUMS` checks: every file as recorded when it was kept).

The page bytes are written as `.bin` files, never as `.html`: a kept page is hostile content and
must not open in a browser by a double click.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.analysis.models import StoryPost
from yuqing.collector.evidence import unpack_page
from yuqing.collector.models import EvidencePage, Post
from yuqing.config.errors import YuqingError
from yuqing.service.evidence_store import list_story_evidence


class EvidenceNotFoundError(YuqingError):
    """No story or post matches what was asked for."""


class EvidenceAlteredError(YuqingError):
    """A kept page no longer hashes to the SHA-256 recorded when it was fetched."""


@dataclass(frozen=True)
class Wanted:
    """What to export: a story's copies, or one post."""

    story_id: int | None = None
    post_id: int | None = None


def parse_wanted(text: str) -> Wanted:
    """"12" or "story:12" → story 12; "post:34" → post 34 (an http(s) URL is looked up as a post's)."""
    kind, _, number = text.strip().rpartition(":")
    if text.startswith(("http://", "https://")):
        return Wanted()
    if not number.isdigit() or kind not in ("", "story", "post"):
        raise EvidenceNotFoundError(f"{text!r} is neither a story id (12, story:12) nor a post (post:34, a URL)")
    return Wanted(post_id=int(number)) if kind == "post" else Wanted(story_id=int(number))


def find_copies(session: Session, text: str) -> list[tuple[Post, EvidencePage | None]]:
    """The posts (with their kept pages) that `text` names: a story's copies, or one post."""
    wanted = parse_wanted(text)
    if wanted.story_id is None:
        query = select(Post) if wanted.post_id is None else select(Post).where(Post.id == wanted.post_id)
        post = session.scalar(query.where(Post.url == text.strip()) if wanted.post_id is None else query)
        if post is None:
            raise EvidenceNotFoundError(f"no post {text}; see `yuqing stories show ID` for a story's posts")
        page = session.scalar(select(EvidencePage).where(EvidencePage.post_id == post.id))
        return [(post, page)]
    copies = list_story_evidence(session, wanted.story_id)
    if not copies and session.scalar(select(StoryPost.post_id).where(
            StoryPost.story_id == wanted.story_id).limit(1)) is None:
        raise EvidenceNotFoundError(f"no story {wanted.story_id}; see `yuqing stories`")
    return copies


def describe_copy(post: Post, page: EvidencePage | None) -> dict[str, Any]:
    """One copy's manifest entry: what was fetched when, its hashes, whether it was deleted."""
    entry: dict[str, Any] = {"post_id": post.id, "site": post.site, "url": post.url, "title": post.title,
                             "captured": page is not None and page.content is not None}
    if page is None:
        return entry | {"note": "no page kept (its story never reached the alerting tier)"}
    entry.update({
        "final_url": page.final_url, "status": page.status, "headers": page.headers,
        "fetched_at": _iso(page.fetched_at), "sha256": page.sha256, "raw_size": page.raw_size,
        "note": page.note, "gone_since": _iso(page.gone_since), "gone_reason": page.gone_reason,
        "deleted_at": _iso(page.deleted_at), "last_checked_at": _iso(page.checked_at),
    })
    return entry


def write_evidence(copies: list[tuple[Post, EvidencePage | None]], out: Path, *,
                   asked: str, now: datetime) -> dict[str, Any]:
    """Write each kept page (and screenshot) into `out` and the manifest; return the manifest.

    A page whose bytes no longer hash to the recorded SHA-256 is written, and flagged `intact: false`.
    SHA256SUMS lists the hashes recorded at capture (the page's) and of the written screenshots and
    manifest, so a page altered since fails `sha256sum -c`.
    """
    out.mkdir(parents=True, exist_ok=True)
    entries, sums = [], []
    for post, page in copies:
        entry = describe_copy(post, page)
        if page is not None and page.content is not None:
            raw = unpack_page(page.content)
            name = f"post-{post.id}.page.bin"
            (out / name).write_bytes(raw)
            entry["file"], entry["intact"] = name, hashlib.sha256(raw).hexdigest() == page.sha256
            sums.append((page.sha256 or "", name))
        if page is not None and page.screenshot is not None:
            shot = f"post-{post.id}.png"
            (out / shot).write_bytes(page.screenshot)
            entry["screenshot"], entry["screenshot_sha256"] = shot, hashlib.sha256(page.screenshot).hexdigest()
            sums.append((entry["screenshot_sha256"], shot))
        entries.append(entry)
    manifest = {"asked": asked, "written_at": _iso(now), "copies": entries}
    text = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    (out / "manifest.json").write_bytes(text)
    sums.append((hashlib.sha256(text).hexdigest(), "manifest.json"))
    (out / "SHA256SUMS").write_text("".join(f"{digest}  {name}\n" for digest, name in sums), encoding="ascii")
    return manifest


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
