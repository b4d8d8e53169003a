"""Judging a re-checked page (pure): what is a deletion, what is only a failed look; packing bytes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from yuqing.collector.evidence import PageFetch, Verdict, judge_page, pack_page, unpack_page

NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
TITLE = "江城市交通运输局执法车撞伤小学生后离开"


def _page(status: int | None, body: str = "", charset: str = "utf-8", error: str | None = None) -> PageFetch:
    return PageFetch("http://127.0.0.1/t", NOW, status, content=body.encode(charset),
                     content_type=f"text/html; charset={charset}", error=error)


def _discuz_notice(message: str) -> str:
    return (f"<html><head><title>提示信息 - 江城论坛 - Powered by Discuz!</title></head><body>"
            f'<div id="messagetext" class="alert_error"><p>{message}</p></div></body></html>')


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_and_gone_answers_are_gone(status: int) -> None:
    assert judge_page(_page(status, error=f"HTTP {status}"), TITLE) == Verdict("gone", f"HTTP {status}")


@pytest.mark.parametrize(("status", "error"), [(None, "no complete answer within 2s (timed out)"),
                                               (503, "HTTP 503 Service Unavailable"), (None, "could not connect"),
                                               (403, "HTTP 403 Forbidden")])
def test_timeouts_refusals_and_server_errors_are_no_observation(status: int | None, error: str) -> None:
    assert judge_page(_page(status, error=error), TITLE).state == "unknown"


@pytest.mark.parametrize("message", ["抱歉，指定的主题不存在或已被删除或正在被审核", "帖子不存在", "该帖已被删除"])
def test_a_forum_notice_in_gbk_is_gone(message: str) -> None:
    verdict = judge_page(_page(200, _discuz_notice(message), "gbk"), TITLE)
    assert verdict.state == "gone" and verdict.reason.startswith("the page says")


def test_a_not_found_title_is_gone_however_long_the_page() -> None:
    page = f"<html><head><title>页面不存在</title></head><body>{'推荐阅读 ' * 2000}</body></html>"
    assert judge_page(_page(200, page), TITLE).state == "gone"


def test_a_live_post_that_mentions_deletion_is_alive() -> None:
    post = (f"<html><head><title>{TITLE} - 江城论坛</title></head><body><h1>{TITLE}</h1>"
            "<p>家长说视频已删除，但很多人都看到了。</p></body></html>")
    assert judge_page(_page(200, post), TITLE).state == "alive"
    long_page = f"<html><body><p>{'江城新闻 ' * 500}</p><p>评论已删除</p></body></html>"
    assert judge_page(_page(200, long_page), "").state == "alive"


def test_packed_bytes_come_back_with_their_hash() -> None:
    raw = _discuz_notice("帖子不存在").encode("gbk") * 20
    packed = pack_page(raw)
    assert packed.sha256 == hashlib.sha256(raw).hexdigest() and packed.raw_size == len(raw)
    assert len(packed.compressed) < len(raw) and unpack_page(packed.compressed) == raw


@pytest.mark.parametrize("message", ["抱歉，您尚未登录，没有权限访问该版块", "您需要登录后才可以继续本操作"])
def test_a_login_wall_is_its_own_verdict(message: str) -> None:
    assert judge_page(_page(200, _discuz_notice(message), "gbk"), TITLE).state == "login"
    assert judge_page(_page(401, error="HTTP 401 Unauthorized"), TITLE).state == "login"


def test_a_live_thread_inviting_guests_to_log_in_is_alive() -> None:
    post = (f"<html><head><title>{TITLE} - 江城论坛</title></head><body><h1>{TITLE}</h1>"
            "<p>您需要登录后才可以回帖 登录 | 立即注册</p></body></html>")
    assert judge_page(_page(200, post, "gbk"), TITLE).state == "alive"
