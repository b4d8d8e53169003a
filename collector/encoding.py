"""Collector stage, decoding: raw page bytes (+ optional Content-Type) → (text, codec).

Pure; tuned for Chinese sites, where GB2312/GBK labels really mean GB18030 and are often stale:
the bytes are trusted before the label (BOM, then UTF-8 that is really UTF-8, then the declaration,
then detection).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Labels that lie in practice: GB2312/GBK pages routinely use GBK/GB18030-only
# characters, and Big5 pages use HKSCS ones; the supersets decode both correctly.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
}
# Single-byte Western codecs never fail, so a Chinese page mislabelled with one (a
# common server default) would silently turn into mojibake: treat them as hints only.
_WEAK = frozenset({"iso8859-1", "cp1252", "ascii"})
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DETECT_CODECS = ["utf_8", "gb18030", "big5hkscs"]
_PRESCAN_BYTES = 16384
_META_RE = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_XML_RE = re.compile(rb"^\s*<\?xml\b[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_HEADER_RE = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# A declared codec is kept despite a few undecodable bytes (truncated pages, stray
# bytes in ads): at most this share of replacement characters.
_BAD_BYTE_RATIO = 0.001
# UTF-8 is recognised by its multibyte sequences: GB text is valid UTF-8 by accident for a few
# characters at most (each GBK pair has roughly a one-in-eight chance), never for many. A page
# cut mid-character or carrying a stray byte stays UTF-8 while its bad sequences are this rare.
_UTF8_MIN_CHARS = 8
_UTF8_BAD_SHARE = 0.01


def normalize_codec(label: str | None) -> str | None:
    """Return the Python codec to use for a charset label, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _SUPERSETS:
        return _SUPERSETS[label]
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("utf-16", "utf-32"):
        return None  # a BOM-less declaration of these in an ASCII-compatible page lies
    return _SUPERSETS.get(name, name)


def declared_codec(body: bytes, content_type: str | None = None) -> str | None:
    """Return the codec declared by the HTTP header, XML prolog or <meta>, if any."""
    if content_type:
        match = _HEADER_RE.search(content_type)
        if match and (codec := normalize_codec(match.group(1))):
            return codec
    head = body[:_PRESCAN_BYTES]
    for pattern in (_XML_RE, _META_RE):
        match = pattern.search(head)
        if match and (codec := normalize_codec(match.group(1).decode("ascii"))):
            return codec
    return None


def _decode_strict(body: bytes, codec: str) -> str | None:
    """The text if every byte is valid in `codec`, else None (the caller tries the next way)."""
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_tolerant(body: bytes, codec: str) -> str | None:
    """Decode with a declared codec, tolerating a small share of bad bytes."""
    if (strict := _decode_strict(body, codec)) is not None:
        return strict
    try:
        text = body.decode(codec, errors="replace")
    except LookupError:
        return None
    if text.count("\ufffd") <= max(2, len(text) * _BAD_BYTE_RATIO):
        return text
    return None


def _detect(body: bytes, hint: str | None = None) -> tuple[str, str] | None:
    """Guess among Chinese codecs (and a weak declared one) with charset-normalizer."""
    candidates = _DETECT_CODECS + ([hint] if hint else [])
    best = from_bytes(body, cp_isolation=candidates).best()
    if best is None:
        return None
    codec = normalize_codec(best.encoding) or best.encoding
    try:
        return body.decode(codec), codec
    except (UnicodeDecodeError, LookupError):
        return None


def looks_utf8(body: bytes) -> str | None:
    """The text when the bytes are UTF-8 with many multibyte characters (a stray bad byte allowed)."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    if multibyte >= _UTF8_MIN_CHARS and bad <= multibyte * _UTF8_BAD_SHARE:
        return text
    return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page: BOM, real UTF-8, header, prolog/meta, detection, GB18030."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace"), codec
    if (utf8 := looks_utf8(body)) is not None:
        return utf8, "utf-8"  # a GB2312/GBK label on UTF-8 bytes is stale: templates change, labels stay
    declared = declared_codec(body, content_type)
    weak = declared if declared in _WEAK else None
    if declared is not None and weak is None:
        text = _decode_tolerant(body, declared)
        if text is not None:
            return text, declared
    if (utf8 := _decode_strict(body, "utf-8")) is not None:
        return utf8, "utf-8"  # ASCII, or too few multibyte characters to be sure, and nothing declared
    if (detected := _detect(body, weak)) is not None:
        return detected
    return body.decode("gb18030", errors="replace"), "gb18030"
