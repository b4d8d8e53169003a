"""Collector stage, identity of posts: URL → canonical URL → post key, so one post is one row.

Pure. Tracking parameters and Discuz! `extra=` are dropped; Discuz! rewritten thread URLs
(`thread-TID-1-1.html`) and plain ones (`forum.php?mod=viewthread&tid=TID`) become one form.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

# Parameters that say where a click came from, not what was read.
_TRACKING = frozenset({
    "spm", "scm", "from", "fromuid", "from_source", "share_token", "share_from", "sharer",
    "shareid", "share_id", "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "ref", "ref_src", "referer", "referrer", "_hsenc", "_hsmi", "isappinstalled", "wfr",
    "vd_source", "tt_from", "utm", "extra", "highlight",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci", "wt.")
_REWRITTEN_THREAD = re.compile(r"^thread-(\d+)-(\d+)-\d+\.html$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_KEY = 512
_PATH_SAFE = "/%:@!$&'()*+,;=~"
_QUERY_SAFE = "=&%+;/?:@,$!*'()~"


def absolute_url(href: str, base: str) -> str:
    """`href` resolved against the page it was found on, whitespace trimmed."""
    return urljoin(base, href.strip())


def canonical_url(url: str) -> str:
    """The one spelling of `url` that identifies what it points at."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port not in (None, _DEFAULT_PORTS.get(scheme)) else None
    netloc = f"{host}:{port}" if port else host
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    # latin-1 round-trips percent-escapes byte for byte: GBK sites put GBK bytes in queries.
    raw_query = quote(parts.query, safe=_QUERY_SAFE)
    query = [(k, v) for k, v in parse_qsl(raw_query, keep_blank_values=True, encoding="latin-1")
             if not _is_tracking(k)]
    thread = _discuz_thread(path, query)
    if thread is not None:
        path, query = thread
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query), encoding="latin-1"), ""))


def post_key(url: str | None, guid: str | None) -> str:
    """The identity of a post: its canonical URL, else its feed guid; hashed when too long."""
    if url:
        key = canonical_url(url)
    elif guid:
        key = "guid:" + guid.strip()
    else:
        raise ValueError("a post needs a URL or a guid")
    if len(key) > _MAX_KEY:
        key = key[: _MAX_KEY - 65] + "#" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING or lowered.startswith(_TRACKING_PREFIXES)


def _discuz_thread(path: str, query: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]] | None:
    """Both Discuz! thread URL forms → (".../forum.php", [mod, tid, page>1]); None otherwise."""
    folder, name = posixpath.split(path)
    rewritten = _REWRITTEN_THREAD.match(name)
    if rewritten is not None:
        tid, page = rewritten.groups()
    else:
        params = dict(query)
        if name != "forum.php" or params.get("mod") != "viewthread" or not params.get("tid", "").isdigit():
            return None
        tid, page = params["tid"], params.get("page", "1")
    kept = [("mod", "viewthread"), ("tid", tid)]
    if page.isdigit() and int(page) > 1:
        kept.append(("page", page))
    return posixpath.join(folder, "forum.php"), kept
