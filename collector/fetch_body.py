"""Collector stage, fetching helper: an HTTP response → its decompressed body, refused past a size cap.

We inflate the raw stream ourselves with `max_length`: httpx would inflate a whole network read
at once (64 KiB of a gzip bomb is 64 MiB), blocking every other fetch.
"""

from __future__ import annotations

import zlib
from typing import Any

import httpx

from yuqing.config.errors import FetchError


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The decompressed body, refused (FetchError) as soon as it grows past `max_bytes`."""
    too_big = FetchError(f"the body is larger than {format_bytes(max_bytes)} after decompression; "
                         "not read further (raise fetch.max_bytes if this is expected)")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    declared = response.headers.get("content-length", "")
    if encoding == "identity" and declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    body = bytearray()
    decoder: Any = None
    async for raw in response.aiter_raw():
        if encoding == "identity":
            body += raw
        else:
            decoder = decoder or _decompressor(encoding, raw)
            data = raw
            while data:
                body += _inflate(decoder, data, max_bytes + 1 - len(body))
                data = decoder.unconsumed_tail if len(body) <= max_bytes else b""
        if len(body) > max_bytes:
            raise too_big
    return bytes(body)


def _decompressor(encoding: str, first: bytes) -> Any:
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":  # servers send zlib-wrapped or raw deflate under this name
        wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and ((first[0] << 8) | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
    raise FetchError(f"the server used content encoding {encoding!r}, which we did not ask for")


def _inflate(decoder: Any, data: bytes, room: int) -> bytes:
    try:
        return decoder.decompress(data, room)
    except zlib.error as exc:
        raise FetchError(f"the compressed body could not be decoded: {exc}") from exc


def format_bytes(size: int) -> str:
    """"10 MiB", "512 KiB", "100 bytes": a size as people read it."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"
