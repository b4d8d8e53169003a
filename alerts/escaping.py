"""Alerting stage, pure: making text from the web inert in each channel's markup.

Bots' markdown dialects (WeCom, DingTalk, Feishu lark_md) document no reliable backslash
escape, so markup characters in web text are replaced by their full-width forms — which read
naturally in Chinese — and line breaks by spaces. Links are only ever ones we build, from
http(s) URLs with every markup-significant character percent-encoded.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

_MARKDOWN = str.maketrans({
    "\\": "＼", "`": "｀", "*": "＊", "_": "＿", "[": "［", "]": "］", "(": "（", ")": "）",
    "{": "｛", "}": "｝", "#": "＃", ">": "＞", "<": "＜", "!": "！", "~": "～", "|": "｜",
    "@": "＠", "&": "＆", "$": "＄", "=": "＝", '"': "＂", "'": "＇",
    "\r": " ", "\n": " ", "\t": " ", "\u2028": " ", "\u2029": " ",
})
_URL_SAFE = ":/?#@!$&+,;=%~-._"


def escape_markdown(text: str) -> str:
    """Web text made plain in bot markdown: no links, emphasis, headings, HTML or @mentions."""
    out = str(text).translate(_MARKDOWN)
    return out.replace("://", "：//")  # no bare-URL auto-links either


def http_url(url: str | None) -> str | None:
    """The URL, stripped, if it is an absolute http(s) URL, else None (no javascript:, no data:)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with markup-significant characters percent-encoded, or None if unsafe."""
    checked = http_url(url)
    return quote(checked, safe=_URL_SAFE) if checked else None


def one_line(text: str | None, limit: int) -> str:
    """Whitespace collapsed to single spaces and the text cut to `limit` characters with "…"."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 0)] + "…"
