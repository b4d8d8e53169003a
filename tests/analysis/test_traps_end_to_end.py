"""Through the pipeline's post-collection steps (`service.pipeline.process`): posts stored as the
collector stores them — a news site whose articles all end in its app-download footer, a Discuz!
board read from its list (titles only) — are analysed, assigned and measured. The footer joins
nothing; the list-only copies count toward the statement's sites."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.analysis.factory import STATEMENT, T0, add_post
from yuqing.analysis.models import Story, StoryPost
from yuqing.config.database import transaction
from yuqing.config.settings import Settings
from yuqing.service.pipeline import process

FOOTER = ("下载江城新闻客户端,随时随地看本地新闻,第一时间获取突发消息。打开江城新闻APP,查看更多精彩内容,"
          "参与评论赢取好礼!\n版权所有 © 2026 江城新闻网 未经授权禁止转载。")
SHORT_NEWS = ["江城图书馆周末举办少儿阅读活动", "滨江公园新栽一批银杏树", "老年大学开设书法班", "体育馆游泳池恢复开放",
              "社区开展垃圾分类宣传", "周末菜市场蔬菜价格平稳"]
TITLE = "江城市交通局门口渣土车失控撞倒三名市民"


def test_footers_join_nothing_and_list_only_copies_count_toward_sites(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        news = [add_post(s, site="news.jiangcheng.example", title=title, body=f"{title}。\n{FOOTER}",
                         seen=T0 + i * timedelta(minutes=10), analysed=False) for i, title in enumerate(SHORT_NEWS)]
        article = add_post(s, site="news.jiangcheng.example", title=TITLE, body=STATEMENT + "\n" + FOOTER,
                           seen=T0 + timedelta(hours=1), views=300, analysed=False)
        listed = [add_post(s, site=site, title=prefix + TITLE, body="", seen=T0 + timedelta(hours=2), views=120,
                           analysed=False)
                  for site, prefix in (("bbs.jiangcheng.example", "【转】"), ("club.jiangcheng.example", "网曝:"))]
    summaries = process(Settings(), db, now=T0 + timedelta(hours=3))
    assert summaries  # every step ran
    with db() as s:
        story_of = dict(s.execute(select(StoryPost.post_id, StoryPost.story_id)).all())
        assert len({story_of[p.id] for p in news}) == len(news)  # six short articles, six stories
        assert {story_of[p.id] for p in listed} == {story_of[article.id]}
        story = s.get(Story, story_of[article.id])
        assert set(story.sites) == {"news.jiangcheng.example", "bbs.jiangcheng.example", "club.jiangcheng.example"}
        assert story.posts == 3
