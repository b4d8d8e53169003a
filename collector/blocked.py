"""Collector stage, blocked answers (docs/spec.md §13): an answer → the reason the site refuses us, or None.

Pure. A platform that refuses us answers 403/418/432, sends a login or captcha page, a JSON
error object, or suddenly an empty list. Such a source is a blind spot to report and to leave
alone for hours — never a cue to retry harder, rotate cookies or solve captchas.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from yuqing.config.errors import FetchError

BLOCKED_STATUSES = frozenset({403, 418, 432})
# Where platforms send a visitor they want to log in or check (weibo: passport.weibo.com/visitor,
# Baidu: wappass.baidu.com, Bilibili: passport.bilibili.com, Zhihu: zhihu.com/signin …)
_GATE_URL = re.compile(r"passport|wappass|login|signin|sign_in|captcha|verify|security[-_]?check|/visitor",
                       re.IGNORECASE)
_GATE_PAGE = re.compile(r"验证码|安全验证|人机验证|滑动验证|请登录|登录后|扫码登录|captcha|verify you are human"
                        r"|访问频繁|请求过于频繁|异常访问|sina visitor system|passport\.weibo", re.IGNORECASE)
_ERROR_CODES = ("errcode", "error_code", "errno", "code")
_MESSAGES = ("msg", "message", "errmsg", "error_msg", "error_description")


class BlockedError(FetchError):
    """The site refused us (a blind spot): `reason` says how, in plain words."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(f"blocked: {reason}")
        self.reason = reason
        self.retry_after = retry_after


def blocked_status(status: int) -> str | None:
    """The reason an HTTP status means we are refused, or None."""
    if status not in BLOCKED_STATUSES:
        return None
    return {403: "HTTP 403 Forbidden", 418: "HTTP 418 (the platform's anti-crawler answer)",
            432: "HTTP 432 (the platform's anti-crawler answer)"}[status]


def gate_redirect(requested: str, final: str) -> str | None:
    """The reason when we were redirected to a login, visitor or captcha page, else None."""
    if final == requested:
        return None
    parts = urlsplit(final)
    if _GATE_URL.search(f"{parts.hostname or ''}{parts.path}"):
        return f"redirected to a login or captcha page ({parts.hostname}{parts.path})"
    return None


def gate_page(text: str) -> str | None:
    """The reason when an HTML answer (where JSON was expected) is a login or captcha page, else None."""
    head = text[:20_000]
    if not head.lstrip().startswith("<"):
        return None
    found = _GATE_PAGE.search(head)
    if found is None:
        return None
    return f"a login or captcha page instead of JSON (it says {found.group(0)!r})"


def error_object(document: Any) -> str | None:
    """The reason when a JSON answer is the platform's error object (`ok: 0`, `errcode` ≠ 0 …), else None."""
    if not isinstance(document, dict):
        return None
    message = _message(document)
    ok = document.get("ok")
    if ok is not None and ok is not True and ok != 1:
        return f"the platform answered ok: {ok}" + message
    for key in _ERROR_CODES:
        code = document.get(key)
        if _is_error_code(code, allow_200=key == "code"):
            return f"the platform answered {key}: {code}" + message
    error = document.get("error")
    if isinstance(error, dict) and error:
        inner = error.get("code")
        return f"the platform answered an error object{f' (code {inner})' if inner is not None else ''}" \
            + _message(error)
    return None


def emptied(found: int, had_items: bool) -> str | None:
    """The reason when a list that held items comes back empty, else None."""
    if found == 0 and had_items:
        return "the list came back empty where the last poll found items (a silent refusal?)"
    return None


def _is_error_code(code: Any, *, allow_200: bool) -> bool:
    if isinstance(code, bool) or code is None:
        return False
    if isinstance(code, str):
        if not code.strip().lstrip("-").isdigit():
            return False
        code = int(code)
    if not isinstance(code, int | float):
        return False
    return code != 0 and not (allow_200 and code == 200)


def _message(document: dict[str, Any]) -> str:
    for key in _MESSAGES:
        value = document.get(key)
        if isinstance(value, str) and value.strip():
            return f" ({value.strip()[:120]})"
    return ""
