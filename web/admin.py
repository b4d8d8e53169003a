"""The remaining screens: sources with their health and blind spots, the digest archive (HTML view
in a sandbox, Markdown download), and for admins the audit log and the user list."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from yuqing.collector.store import list_source_health
from yuqing.service.account_store import list_audit, list_users
from yuqing.service.console_store import get_digest_row, list_digest_rows
from yuqing.web.app import console_of, page, render

# The digest is our own escaped, email-safe HTML (inline styles, images as data: URLs): shown with
# no script at all, in a sandbox.
DIGEST_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "frame-ancestors 'none'; sandbox")


def sources(request: Request) -> Response:
    """Every configured source with its health; failing and stale ones are the blind spots."""
    console = console_of(request)
    with console.sessions() as session:
        rows = list_source_health(session, console.settings.sources)
    return render(request, "sources.html.j2", rows=rows, now=console.now())


def digests(request: Request) -> Response:
    """The digest archive by day."""
    with console_of(request).sessions() as session:
        rows = list_digest_rows(session)
    return render(request, "digests.html.j2", rows=rows)


def _digest_file(request: Request, attribute: str) -> tuple[str, Path] | None:
    with console_of(request).sessions() as session:
        row = get_digest_row(session, request.path_params["digest_id"])
    path = getattr(row, attribute, None) if row else None
    if row is None or not path or not Path(path).is_file():
        return None
    return f"{row.day:%Y-%m-%d}", Path(path)


def digest_html(request: Request) -> Response:
    """One day's digest as written, under a CSP that allows no script."""
    found = _digest_file(request, "html_path")
    if found is None:
        return render(request, "error.html.j2", status=404, message="这份日报的文件不在了。")
    return Response(found[1].read_bytes(), media_type="text/html; charset=utf-8",
                    headers={"content-security-policy": DIGEST_CSP})


def digest_markdown(request: Request) -> Response:
    """One day's digest in Markdown, as a download."""
    found = _digest_file(request, "markdown_path")
    if found is None:
        return render(request, "error.html.j2", status=404, message="这份日报的文件不在了。")
    return Response(found[1].read_bytes(), media_type="text/markdown; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="digest-{found[0]}.md"'})


def audit(request: Request) -> Response:
    """The newest lines of the audit log."""
    with console_of(request).sessions() as session:
        rows = list_audit(session)
    return render(request, "audit.html.j2", rows=rows)


def users(request: Request) -> Response:
    """Console users and roles (managed with `yuqing user`)."""
    with console_of(request).sessions() as session:
        rows = list_users(session)
    return render(request, "users.html.j2", rows=rows)


ROUTES = [
    page("/sources", sources, "sources"),
    page("/digests", digests, "digests"),
    page("/digests/{digest_id:int}", digest_html, "digest_html"),
    page("/digests/{digest_id:int}.md", digest_markdown, "digest_markdown"),
    page("/audit", audit, "audit"),
    page("/users", users, "users"),
]
