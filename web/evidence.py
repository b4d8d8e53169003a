"""The evidence screens: a copy's kept page as a download (never rendered: it is hostile content)
and its screenshot as an image, both sandboxed; the lists themselves are on the story and incident
pages (`list_evidence`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from yuqing.alerts.reports.evidence import get_kept_page, get_screenshot
from yuqing.collector.evidence import unpack_page
from yuqing.config.database import transaction
from yuqing.service.account_store import record_audit
from yuqing.web.app import client_ip, console_of, page, render

# Whatever a browser makes of these answers, nothing in them runs, loads or frames.
# (web.security adds `nosniff` to every answer, and keeps this stricter policy in place of its own.)
LOCKED = {"content-security-policy": "sandbox; default-src 'none'"}


def evidence_page(request: Request) -> Response:
    """The kept bytes exactly as fetched, as an attachment named post-ID.page.bin (audited)."""
    console, post_id = console_of(request), request.path_params["post_id"]
    with console.sessions() as session:
        kept = get_kept_page(session, post_id)
    if kept is None:
        return render(request, "error.html.j2", status=404, message="这条转载没有存档页面。")
    raw = unpack_page(kept[0])
    with transaction(console.sessions) as session:
        record_audit(session, console.now(), "evidence_download", actor=request.state.user.name,
                     ip=client_ip(request), target=f"post {post_id}", detail=f"sha256 {kept[1]}",
                     user_id=request.state.user.user_id)
    return Response(raw, media_type="application/octet-stream", headers={
        **LOCKED, "content-disposition": f'attachment; filename="post-{post_id}.page.bin"',
        "x-evidence-sha256": kept[1] or ""})


def evidence_screenshot(request: Request) -> Response:
    """The PNG rendered from the kept bytes, as an image only."""
    console, post_id = console_of(request), request.path_params["post_id"]
    with console.sessions() as session:
        png = get_screenshot(session, post_id)
    if png is None:
        return render(request, "error.html.j2", status=404, message="这条转载没有截图。")
    return Response(png, media_type="image/png", headers={
        **LOCKED, "content-disposition": f'inline; filename="post-{post_id}.png"'})


ROUTES = [
    page("/evidence/{post_id:int}/page", evidence_page, "evidence_page"),
    page("/evidence/{post_id:int}/screenshot", evidence_screenshot, "evidence_screenshot"),
]
