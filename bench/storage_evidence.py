"""Evidence for the storage month (bench/storage_month.py): a local HTTP server answering every thread
URL with a forum page of realistic size, and the alerting stories whose copies the evidence steps keep.

A page is ~40–120 KB of the theme's markup (compresses well) around a post of 1–12 KB of Chinese
text (compresses poorly); the text is drawn from the URL, so every run serves the same bytes."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Incident
from yuqing.analysis.models import Story, StoryPost
from yuqing.collector.models import Post

STORIES_A_DAY = 3
MAX_COPIES = 6
_ROW = ('<tr><td class="nav"><a href="/forum.php?mod=forumdisplay&fid={n}">版块 {n}</a></td>'
        '<td class="by"><cite><a href="/space-uid-{n}.html">用户{n}</a></cite><em>2026-11-01</em></td></tr>\n')
_HANZI = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000))


def render_page(path: str) -> bytes:
    """The page at `path`: markup, then the post's text, deterministic per path."""
    rng = random.Random(path)
    chrome = "".join(_ROW.format(n=rng.randrange(10_000)) for _ in range(rng.randrange(300, 900)))
    text = "".join(rng.choice(_HANZI) for _ in range(rng.randrange(400, 4000)))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{path}</title></head><body>'
            f'<table>{chrome}</table><div id="postmessage_1">{text}</div></body></html>').encode()


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = render_page(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass  # the bench prints its own progress


class PageServer:
    """Serves every path as a thread page on 127.0.0.1, on a free port, in a thread."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


def add_alerting_stories(session: Session, now: datetime, seed: int) -> None:
    """Three stories reach the alerting tier, each with 1–6 copies among the posts seen today."""
    rng = random.Random(seed)
    recent = list(session.scalars(select(Post.id).where(Post.first_seen_at > now - timedelta(days=1))
                                  .where(~select(StoryPost.post_id).where(StoryPost.post_id == Post.id).exists())
                                  .order_by(func.random()).limit(STORIES_A_DAY * MAX_COPIES)))
    for n in range(STORIES_A_DAY):
        copies = recent[n * MAX_COPIES: n * MAX_COPIES + rng.randint(1, MAX_COPIES)]
        if not copies:
            return
        story = Story(title=f"story {seed}-{n}", first_seen_at=now, last_post_at=now, tier="significant")
        session.add(story)
        session.flush()
        session.add_all([StoryPost(post_id=pid, story_id=story.id, joined_at=now) for pid in copies])
        session.add(Incident(story_id=story.id, status="open", tier="significant", opened_at=now))
