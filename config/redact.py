"""What logs, records and messages may show of a secret: text, channel endpoints, database URLs.

Pure. Three jobs, one place: a log line keeps its URLs readable with passwords and key-like
query values hidden; a channel endpoint keeps only scheme, host and path, with key-like path
segments hidden too; a database URL keeps everything but its password.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:access_token|token|key|secret|sign|signature|password|sendkey|webhook_key)=)[^&\s\"']+"
)
_URL_PASSWORD = re.compile(r"(://[^/:@\s]+:)[^@/\s]+@")
# A path segment that looks like a key (Feishu puts its bot token in the path: /bot/v2/hook/<token>).
_TOKEN_SEGMENT = re.compile(r"[A-Za-z0-9_\-]{16,}")


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """The text with secret values, URL passwords and key-like query parameters replaced by ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _URL_PASSWORD.sub(r"\1***@", text)
    return _SECRET_QUERY.sub(r"\1***", text)


def redact_endpoint(url: str | None) -> str:
    """The URL without query string, credentials or key-like path segments: safe to log and store."""
    if not url:
        return "(no url)"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = "/".join("…" if _TOKEN_SEGMENT.fullmatch(seg) else seg for seg in parts.path.split("/"))
    return urlunsplit((parts.scheme, host, path, "…" if parts.query else "", ""))


def redact_database_url(url: str) -> str:
    """The database URL with any password shown as ***, for messages and logs."""
    return _URL_PASSWORD.sub(r"\1***@", url)
