"""The pure parts of JSON sources: time values, counts, error objects and gates (collector.jsonapi, .blocked)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from yuqing.collector.blocked import (
    BlockedError,
    blocked_status,
    emptied,
    error_object,
    gate_page,
    gate_redirect,
)
from yuqing.collector.jsonapi import load_document, parse_json_page, parse_value_time
from yuqing.config.errors import ParseError
from yuqing.config.platforms import JsonSelectors

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.mark.parametrize(("value", "expected"), [
    (1795219200, "2026-11-21T00:00:00+00:00"),  # epoch seconds
    (1795219200000, "2026-11-21T00:00:00+00:00"),  # epoch milliseconds
    ("1795219200", "2026-11-21T00:00:00+00:00"),  # digits as text
    ("Sat Nov 21 09:12:00 +0800 2026", "2026-11-21T01:12:00+00:00"),  # weibo
    ("Sat, 21 Nov 2026 01:12:00 GMT", "2026-11-21T01:12:00+00:00"),  # RFC 2822
    ("2026-11-21 08:30", "2026-11-21T00:30:00+00:00"),  # no zone: the source's timezone
    ("5分钟前", "2026-11-21T01:55:00+00:00"),
    ("昨天 08:30", "2026-11-20T00:30:00+00:00"),
    (None, None), (True, None), ("", None), (0, None), ({"t": 1}, None),
])
def test_time_values_are_epochs_or_text_in_the_source_timezone(value: object, expected: str | None) -> None:
    moment = parse_value_time(value, NOW, SHANGHAI)
    assert (moment.astimezone(UTC).isoformat() if moment else None) == expected


@pytest.mark.parametrize(("document", "telltale"), [
    ({"ok": 0, "msg": "请先登录"}, "ok: 0 (请先登录)"),
    ({"ok": -100, "url": "https://passport.weibo.com/"}, "ok: -100"),
    ({"errcode": 40001, "errmsg": "invalid credential"}, "errcode: 40001 (invalid credential)"),
    ({"error_code": "110003", "error_msg": "用户未登录"}, "error_code: 110003 (用户未登录)"),
    ({"code": -412, "message": "请求被拦截"}, "code: -412 (请求被拦截)"),
    ({"error": {"code": 40352, "message": "系统监测到您的网络环境存在异常"}}, "error object (code 40352)"),
])
def test_error_objects_are_recognised_with_their_message(document: dict, telltale: str) -> None:
    assert telltale in (error_object(document) or "")


@pytest.mark.parametrize("document", [
    {"ok": 1, "data": {}}, {"code": 0, "data": []}, {"code": 200}, {"errno": 0, "errmsg": "success"},
    {"error": None}, [1, 2], {"code": "OK"},
])
def test_ordinary_answers_are_not_error_objects(document: object) -> None:
    assert error_object(document) is None


def test_gates_statuses_and_emptied_lists() -> None:
    assert gate_redirect("https://m.weibo.cn/api", "https://passport.weibo.com/visitor/visitor?a=1")
    assert gate_redirect("https://a.cn/x", "https://a.cn/x") is None
    assert gate_redirect("http://a.cn/feed", "https://a.cn/feed") is None  # https upgrade is no gate
    assert gate_page("<html><body>请输入验证码</body></html>")
    assert gate_page("<html><body>新闻</body></html>") is None
    assert gate_page("not json at all") is None
    assert [blocked_status(s) is not None for s in (403, 418, 432, 404, 429)] == [True, True, True, False, False]
    assert emptied(0, True) and emptied(0, False) is None and emptied(3, True) is None


def test_a_login_page_instead_of_json_is_blocked_and_other_text_a_parse_error() -> None:
    with pytest.raises(BlockedError, match="login or captcha page"):
        load_document(b"<!DOCTYPE html><title>Sina Visitor System</title>", url="https://m.weibo.cn/api")
    with pytest.raises(ParseError, match="did not answer JSON"):
        load_document(b"<html><p>maintenance</p></html>", url="https://m.weibo.cn/api")


def test_items_without_link_or_id_are_skipped_with_a_warning_and_a_missing_list_is_a_parse_error() -> None:
    selectors = JsonSelectors(items="list", id="id", text="t", reposts="r")
    page = parse_json_page({"list": [{"id": 7, "t": "有", "r": "1.2万"}, {"t": "无"}]}, selectors,
                           url="https://api.example/l", site="api.example", now=NOW, tz=SHANGHAI)
    assert [(p.guid, p.url, p.reposts) for p in page.items] == [("api.example:7", "", 12_000)]
    assert page.warnings == ["1 of 2 items had no link or id and were skipped"]
    with pytest.raises(ParseError, match="found nothing"):
        parse_json_page({"other": []}, selectors, url="https://api.example/l", site="api.example", now=NOW,
                        tz=SHANGHAI)
