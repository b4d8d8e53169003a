"""End to end over real HTTP on 127.0.0.1: one statement on a JSON platform source (weibo-shaped, written by
the project), on a Discuz! board and in an RSSHub-style Tieba feed (no counts) joins one story, which reaches
a tier by the platform's repost count; the feed's copy counts as a site and a copy, with no counts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.collector.conftest import NOW
from tests.collector.site import LocalSite, start_site, stop_site
from tests.collector.test_platforms import WEIBO_SELECTORS
from yuqing.analysis.models import Story, TierChange
from yuqing.collector.models import Post
from yuqing.config.settings import Settings
from yuqing.service.pipeline import run_pass

STATEMENT = "江城交通局强拆公交站台导致老人摔伤,市民愤怒投诉交通局推诿不管,家属称至今无人道歉"


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """A real HTTP server on 127.0.0.1 serving the board and the platform's list API."""
    running = start_site()
    yield running
    stop_site(running)


def discuz_list(title: str, views: int, replies: int) -> bytes:
    """A one-thread Discuz! X3.4 forumdisplay page (written here, shaped like the real template)."""
    row = (f'<tbody id="normalthread_9001"><tr><th class="common">'
           f'<a href="forum.php?mod=viewthread&amp;tid=9001" class="s xst">{title}</a></th>'
           f'<td class="by"><cite><a href="home.php?mod=space&amp;uid=3">江城网友</a></cite>'
           f'<em><span>2026-11-21 09:40</span></em></td>'
           f'<td class="num"><a href="#" class="xi2">{replies}</a><em>{views}</em></td></tr></tbody>')
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
            '<title>江城论坛 - Powered by Discuz!</title><meta name="generator" content="Discuz! X3.4" /></head>'
            f'<body><div id="threadlist"><table id="threadlisttableid">{row}</table></div></body></html>')
    return page.encode("utf-8")


def rsshub_tieba_feed(title: str) -> bytes:
    """An RSS 2.0 feed shaped like RSSHub's /baidu/tieba/forum route: no repost, reply or view counts."""
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>江城吧 - RSSHub</title>'
            f'<link>https://tieba.baidu.com/f?kw=江城</link><description>江城吧</description>'
            f'<item><title>{title}</title><description>{title}</description>'
            f'<link>https://tieba.baidu.com/p/8800000001</link><guid>https://tieba.baidu.com/p/8800000001</guid>'
            f'<pubDate>Sat, 21 Nov 2026 01:45:00 GMT</pubDate><author>江城吧友</author></item>'
            f'</channel></rss>').encode()


def weibo_list(reposts: int) -> bytes:
    """A weibo-shaped card list holding the statement with `reposts` reposts."""
    mblog = {"id": "5002000000000001", "created_at": "Sat Nov 21 09:30:00 +0800 2026",
             "text": f"{STATEMENT}<br />#江城交通局#", "user": {"screen_name": "江城热心市民"},
             "reposts_count": reposts, "comments_count": 12, "attitudes_count": 88}
    return json.dumps({"ok": 1, "data": {"cards": [{"card_type": 9, "mblog": mblog}]}},
                      ensure_ascii=False).encode("utf-8")


def test_a_story_on_a_platform_and_a_board_reaches_a_tier_by_the_platform_reposts(db, site: LocalSite) -> None:
    site.serve("/bbs/forum.php", discuz_list(STATEMENT, views=40, replies=3), "text/html; charset=utf-8",
               validators=False)
    site.serve("/api/list", weibo_list(reposts=50), "application/json", validators=False)
    site.serve("/rsshub/baidu/tieba/forum/jiangcheng", rsshub_tieba_feed(STATEMENT), "application/rss+xml",
               validators=False)
    settings = Settings.model_validate({
        "fetch": {"timeout": "5s", "retries": 0, "per_host_delay": "0s", "per_host_concurrency": 8},
        "sources": [
            {"name": "bbs", "kind": "discuz", "url": site.url("/bbs/forum.php?mod=forumdisplay&fid=2"),
             "site": "bbs.jiangcheng.example"},
            {"name": "weibo", "kind": "json", "url": site.url("/api/list"), "site": "weibo.example",
             "link_template": "https://m.weibo.example/detail/{id}", "selectors": WEIBO_SELECTORS},
            {"name": "rsshub-tieba", "kind": "rss", "url": site.url("/rsshub/baidu/tieba/forum/jiangcheng"),
             "site": "tieba.baidu.com"},
        ],
        "schemes": [{"name": "交通局", "query": "交通局"}],
    })
    run_pass(settings, db, now=NOW)
    with db() as session:
        story = session.scalars(select(Story).where(Story.posts == 3)).one()  # every copy in one story
        assert sorted(story.sites) == ["bbs.jiangcheng.example", "tieba.baidu.com", "weibo.example"]
        assert (story.tier, story.reposts) == ("general", 50 + 2)  # 50 platform reposts, two further copies
        feed_post = session.scalars(select(Post).where(Post.site == "tieba.baidu.com")).one()
        assert (feed_post.views, feed_post.replies, feed_post.reposts, feed_post.likes) == (None,) * 4
        assert story.metrics["likes"] == 88

    site.serve("/api/list", weibo_list(reposts=350), "application/json", validators=False)
    run_pass(settings, db, now=NOW + timedelta(minutes=10))
    with db() as session:
        story = session.get(Story, story.id)
        changes = session.scalars(select(TierChange).where(TierChange.story_id == story.id)
                                  .order_by(TierChange.raised_at)).all()
    assert story.tier == "major" and story.reposts == 352 and story.clicks_24h < 1_000
    assert [(c.tier, c.reason) for c in changes] == [("general", "relevant negative story"),
                                                      ("major", "reposts 352 > 300")]
