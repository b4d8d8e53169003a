"""Site boilerplate: segments many posts of one site carry are left out of the text stories compare."""

from __future__ import annotations

from yuqing.analysis.boilerplate import (
    Segmented,
    batch_counts,
    boilerplate_keys,
    filter_statement,
    post_keys,
    segment_key,
)
from yuqing.analysis.text import fold_segments, fold_statement, statement_parts

FOOTER = "下载江城新闻客户端,随时随地看新闻。打开APP查看更多精彩内容!\n版权所有 © 2026 江城新闻网 未经授权禁止转载"


def test_segments_are_lines_and_sentences_and_join_to_the_folded_statement() -> None:
    body = "转自本地论坛:渣土车撞人了。三人受伤!\n" + FOOTER
    assert fold_segments(body) == ["渣土车撞人了", "三人受伤", "下载江城新闻客户端随时随地看新闻", "打开app查看更多精彩内容",
                                   "版权所有2026江城新闻网未经授权禁止"]  # a trailing 转载 is a repost marker
    assert "".join(fold_segments(body)) == fold_statement(body)
    assert statement_parts("渣土车撞人了", "渣土车撞人了。三人受伤") == ("", ["渣土车撞人了", "三人受伤"])


def test_keys_fold_digits_and_belong_to_one_site() -> None:
    assert segment_key("a.cn", "本文阅读量1234") == segment_key("a.cn", "本文阅读量987")
    assert segment_key("a.cn", "下载客户端看新闻") != segment_key("b.cn", "下载客户端看新闻")


def _posts(site: str, bodies: list[str]) -> list[Segmented]:
    return [Segmented(site, *statement_parts(f"第{i}条消息的标题不一样", body)) for i, body in enumerate(bodies)]


def test_a_footer_many_posts_of_a_site_share_is_dropped_and_their_own_text_kept() -> None:
    posts = _posts("news.a.cn", [f"今天第{i}件事情发生在{place}。" + FOOTER
                                 for i, place in enumerate(["东门", "西门", "南门", "北门", "中山路"])])
    keys = [post_keys(p) for p in posts]
    boilerplate = boilerplate_keys(batch_counts(keys), {}, 5)
    kept = [filter_statement(p, k, boilerplate) for p, k in zip(posts, keys, strict=True)]
    assert all("客户端" not in s.text and "版权所有" not in s.text for s in kept)
    assert [s.text.endswith(place) for s, place in zip(kept, ["东门", "西门", "南门", "北门", "中山路"], strict=True)]
    assert not any(s.template for s in kept)
    # four posts are not enough, unless the stored counts bring the fifth
    assert not boilerplate_keys(batch_counts(keys[:4]), {}, 5)
    stored = dict.fromkeys(batch_counts(keys[:1]), 1)
    assert boilerplate_keys(batch_counts(keys[1:]), stored, 5)
    assert not boilerplate_keys(batch_counts(keys), {}, 0)  # 0 turns it off


def test_a_post_that_is_all_boilerplate_keeps_its_text_and_is_marked() -> None:
    post = Segmented("gov.a.cn", "江城市人民政府网站通知公告", [])
    keys = post_keys(post)
    statement = filter_statement(post, keys, frozenset(k for k in keys if k is not None))
    assert statement.template and statement.text == "江城市人民政府网站通知公告"
