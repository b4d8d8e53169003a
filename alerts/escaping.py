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


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with markup-significant characters percent-encoded, or None if unsafe."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def one_line(text: str | None, limit: int) -> str:
    """Whitespace collapsed to single spaces and the text cut to `limit` characters with "…"."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 0)] + "…"
