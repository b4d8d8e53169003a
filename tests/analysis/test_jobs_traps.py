"""Story assignment on the real database against the real web's traps (issue 14): a site's footer or
advert shared by its unrelated posts, and title-only copies from boards read from their lists."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.analysis.factory import OFFICIAL_REPLY, STATEMENT, T0, add_post
from yuqing.analysis.assignment import assign_stories
from yuqing.analysis.models import StoryPost
from yuqing.config.database import transaction
from yuqing.config.settings import Settings

H = timedelta(hours=1)
ADVERT = ("【广告】公考名师冲刺班火热报名中!名师团队全程直播授课,历年学员上岸率领先全省。前50名报名立减500元,"
          "另赠送全套真题解析和模拟试卷。咨询电话12345678,添加课程顾问微信领取试听课程。名额有限,报满即止,"
          "请大家抓紧时间报名。")
CHAPTERS = ["行测言语理解的解题技巧", "数量关系速算方法", "资料分析常用公式", "判断推理图形规律", "申论归纳概括要点",
            "常识判断高频考点", "面试结构化答题框架", "申论大作文的写法"]


def _stories(db: sessionmaker[Session], posts: list) -> list[int]:
    with db() as s:
        story_of = dict(s.execute(select(StoryPost.post_id, StoryPost.story_id)).all())
    return [story_of[p.id] for p in posts]


def test_chapters_sharing_a_course_advert_stay_apart_and_a_real_copy_still_joins(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        chapters = [add_post(s, site="edu.a.cn", title=f"第{i + 1}章 {name}", body=f"本章讲{name}。\n{ADVERT}",
                             seen=T0 + i * timedelta(minutes=5)) for i, name in enumerate(CHAPTERS)]
        original = add_post(s, site="bbs.b.cn", title="交通局门口渣土车撞人", body=STATEMENT, seen=T0)
        copy = add_post(s, site="edu.a.cn", title="【转】交通局门口渣土车撞人", body=STATEMENT + "\n" + ADVERT,
                        seen=T0 + H)
    assign_stories(Settings(), db, now=T0 + 2 * H)
    stories = _stories(db, [*chapters, original, copy])
    assert len(set(stories[: len(chapters)])) == len(chapters)  # eight chapters, eight stories
    assert stories[-1] == stories[-2]
    # without the boilerplate filter the advert merges them: the test shows the trap is real
    with transaction(db) as s:
        again = [add_post(s, site="edu.c.cn", title=f"附录{i + 1}", body=f"附录讲{name[::-1]}。\n{ADVERT}",
                          seen=T0 + 3 * H) for i, name in enumerate(CHAPTERS)]
    off = Settings().model_copy(update={"stories": Settings().stories.model_copy(update={"boilerplate_posts": 0})})
    assign_stories(off, db, now=T0 + 4 * H)
    assert len(set(_stories(db, again))) < len(again)


def test_the_footer_is_learnt_across_batches_and_survives_in_the_database(db: sessionmaker[Session]) -> None:
    footer = "下载江城新闻客户端,随时随地看本地新闻。打开江城新闻APP,查看更多精彩内容,参与评论赢取好礼!"
    posts = []
    for i in range(8):  # one post per run, as a slow site publishes
        with transaction(db) as s:
            posts.append(add_post(s, site="news.a.cn", title=CHAPTERS[i], body=f"{CHAPTERS[i]}。\n{footer}",
                                  seen=T0 + i * H))
        assign_stories(Settings(), db, now=T0 + i * H)
    stories = _stories(db, posts)
    assert len(set(stories[2:])) == 6  # from the third post on, the footer no longer counts


def test_a_title_only_copy_joins_the_story_it_heads_and_counts_its_site(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        original = add_post(s, site="news.a.cn", title="江城市交通局门口渣土车失控撞倒三名市民", body=STATEMENT, seen=T0)
        listed = add_post(s, site="bbs.b.cn", title="【转】江城市交通局门口渣土车失控撞倒三名市民", body="", seen=T0 + H)
        marked = add_post(s, site="bbs.c.cn", title="网曝:江城市交通局门口渣土车失控撞倒三名市民", body="", seen=T0 + H)
        generic = add_post(s, site="gov.d.cn", title="情况通报", body="", seen=T0 + H)
        reply = add_post(s, site="gov.d.cn", title="情况通报", body=OFFICIAL_REPLY, seen=T0 + H)
    assign_stories(Settings(), db, now=T0 + 2 * H)
    story = _stories(db, [original])[0]
    assert _stories(db, [listed, marked]) == [story, story]
    assert story not in _stories(db, [generic, reply])
    assert _stories(db, [generic])[0] != _stories(db, [reply])[0]  # a 4-character title joins nothing


def test_a_full_text_joins_the_story_a_title_only_post_founded(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        listed = add_post(s, site="bbs.b.cn", title="转发:江城市交通局门口渣土车失控撞倒三名市民", body="", seen=T0)
    assign_stories(Settings(), db, now=T0)
    with transaction(db) as s:
        full = add_post(s, site="news.a.cn", title="江城市交通局门口渣土车失控撞倒三名市民", body=STATEMENT, seen=T0 + H)
    assign_stories(Settings(), db, now=T0 + H)
    assert _stories(db, [listed]) == _stories(db, [full])


def test_a_title_two_stories_share_joins_neither(db: sessionmaker[Session]) -> None:
    title = "江城市交通局门口渣土车失控撞倒三名市民"
    with transaction(db) as s:
        first = add_post(s, site="news.a.cn", title=title, body=STATEMENT, seen=T0)
        other = add_post(s, site="news.e.cn", title=title, body=OFFICIAL_REPLY, seen=T0)
        listed = add_post(s, site="bbs.b.cn", title="【转】" + title, body="", seen=T0 + H)
    assign_stories(Settings(), db, now=T0 + 2 * H)
    a, b, c = _stories(db, [first, other, listed])
    assert len({a, b, c}) == 3
