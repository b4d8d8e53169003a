"""Renders the simulated world at one step: RSS 2.0 (UTF-8), Atom, Discuz! X3.4 board lists and
thread pages (GBK or UTF-8) and a weibo-like HTML list. Pure: items and a clock in, bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape

from yuqing.simulator.scenario import Item, visible_items

CST = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True)
class View:
    """What a page is rendered from: the board's items, the step, when each step began, URL prefix."""

    copy: int
    step: int
    step_times: tuple[datetime, ...]
    prefix: str  # "" for copy 0, "/s/3" for copy 3
    hidden: frozenset[tuple[str, int]] = frozenset()  # (board, item id) deleted from the lists
    published_now: tuple[Item, ...] = ()  # items published while the sites run, oldest first

    def published(self, item: Item) -> datetime:
        """When the item was published: a little before the poll of the step it appeared in, or the
        moment `SimulatedSites.publish` put it online."""
        if item.published_at is not None:
            return item.published_at.replace(microsecond=0).astimezone(CST)
        moment = self.step_times[item.first_step] - timedelta(minutes=item.age_minutes)
        return moment.replace(microsecond=0).astimezone(CST)

    @property
    def now(self) -> datetime:
        """The clock of the current step."""
        return self.step_times[self.step].replace(microsecond=0).astimezone(CST)

    def items(self, board: str) -> list[Item]:
        """The items the board shows now, newest first (a deleted one no longer)."""
        fresh = [i for i in reversed(self.published_now) if i.board == board]
        return [i for i in fresh + visible_items(self.copy, board, self.step) if (board, i.id) not in self.hidden]


def render_rss(view: View, base: str) -> bytes:
    """The news site's RSS 2.0 feed, UTF-8, full text in <description>."""
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>{base}/news/article/{i.id}.html</link>"
        f'<guid isPermaLink="false">jcnews-{view.copy}-{i.id}</guid>'
        f"<pubDate>{format_datetime(view.published(i))}</pubDate><author>{escape(i.author)}</author>"
        f"<description><![CDATA[<p>{escape(i.body)}</p>]]></description></item>\n"
        for i in view.items("news")
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>江城新闻网</title><link>{base}/news/</link><description>江城本地新闻</description>"
        f"<language>zh-cn</language><lastBuildDate>{format_datetime(view.now)}</lastBuildDate>\n"
        f"{entries}</channel></rss>\n"
    ).encode()


def render_atom(view: View, base: str) -> bytes:
    """The bureau's press releases as an Atom feed."""
    entries = "".join(
        f"<entry><id>tag:press.jiangcheng.example,2026:{view.copy}-{i.id}</id><title>{escape(i.title)}</title>"
        f'<link rel="alternate" href="{base}/press/{i.id}.html"/>'
        f"<published>{view.published(i).isoformat()}</published><updated>{view.published(i).isoformat()}</updated>"
        f"<author><name>{escape(i.author)}</name></author>"
        f'<content type="html">{escape("<p>" + escape(i.body) + "</p>")}</content></entry>\n'
        for i in view.items("press")
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>江城市交通运输局 新闻发布</title><id>tag:press.jiangcheng.example,2026:feed-{view.copy}</id>"
        f'<link rel="self" href="{base}/press/atom.xml"/><updated>{view.now.isoformat()}</updated>\n'
        f"{entries}</feed>\n"
    ).encode()


def discuz_time(moment: datetime, now: datetime) -> str:
    """Discuz!'s time cell: relative text inside 7 days, the absolute time in span[title]."""
    absolute = f"{moment.year}-{moment.month}-{moment.day} {moment:%H:%M}"
    age = now - moment
    if age < timedelta(hours=1):
        shown = f"{max(1, int(age.total_seconds() // 60))}&nbsp;分钟前"
    elif age < timedelta(days=1):
        shown = f"{int(age.total_seconds() // 3600)}&nbsp;小时前"
    elif age < timedelta(days=7):
        shown = f"{age.days}&nbsp;天前"
    else:
        return absolute
    return f'<span title="{absolute}">{shown}</span>'


def render_discuz_list(view: View, board: str, charset: str) -> bytes:
    """A Discuz! X3.4 `forumdisplay` page: rows tbody#normalthread_TID, as the template writes them."""
    rows = []
    for i in view.items(board):
        views, replies, _ = i.counts_at(view.step)
        link = f"forum.php?mod=viewthread&amp;tid={i.id}&amp;extra=page%3D1"
        rows.append(
            f'<tbody id="normalthread_{i.id}">\n<tr>\n<td class="icn"><a href="{link}" title="新窗口打开" '
            f'target="_blank"><img src="static/image/common/folder_common.gif" /></a></td>\n<th class="common">\n'
            f'<a class="tdpre y" href="javascript:void(0);" onclick="previewThread(\'{i.id}\', '
            f"'normalthread_{i.id}');\">预览</a>\n"
            f'<a href="{link}" onclick="atarget(this)" class="s xst">{escape(i.title)}</a>\n</th>\n'
            f'<td class="by">\n<cite>\n<a href="home.php?mod=space&amp;uid={i.id % 977 + 2}" c="1">'
            f"{escape(i.author)}</a></cite>\n<em><span>{discuz_time(view.published(i), view.now)}</span></em>\n"
            f'</td>\n<td class="num"><a href="{link}" class="xi2">{replies}</a><em>{views}</em></td>\n'
            f'<td class="by">\n<cite><a href="home.php?mod=space&amp;username=guest" c="1">游客</a></cite>\n'
            f'<em><a href="forum.php?mod=redirect&amp;tid={i.id}&amp;goto=lastpost#lastpost">'
            f"{discuz_time(view.now - timedelta(minutes=2), view.now)}</a></em>\n</td>\n</tr>\n</tbody>\n"
        )
    body = (
        f'<div id="threadlist" class="tl bm bmw">\n<div class="th"><table cellspacing="0" cellpadding="0">'
        f'<tr><th colspan="2">主题</th><td class="by">作者</td><td class="num">回复/查看</td>'
        f'<td class="by">最后发表</td></tr></table></div>\n<div class="bm_c">\n'
        f'<table summary="forum_2" cellspacing="0" cellpadding="0" id="threadlisttableid">\n'
        f'<tbody id="separatorline" class="emptb"><tr><td class="icn"></td><th>版块主题</th>'
        f'<td class="by"></td><td class="num"></td><td class="by"></td></tr></tbody>\n'
        f'{"".join(rows)}</table>\n</div>\n</div>\n'
    )
    return _discuz_page(board_title(board) + " - 城市杂谈", body, charset)


def render_discuz_thread(view: View, board: str, tid: int, charset: str) -> bytes | None:
    """A Discuz! thread page (`viewthread`): counts in div.hm.ptn, the first post in td.t_f."""
    item = next((i for i in view.items(board) if i.id == tid), None)
    if item is None:
        return None
    views, replies, _ = item.counts_at(view.step)
    posts = [(tid * 10, item.author, view.published(item), escape(item.body))]
    posts += [(tid * 10 + n, f"网友{n}", view.published(item) + timedelta(minutes=3 * n), text)
              for n, text in enumerate(("顶一下，关注后续。", "同城路过，说的是真的吗？"), start=1)
              if replies >= n]
    body = (
        '<div id="postlist" class="pl bm">\n<table cellspacing="0" cellpadding="0"><tr>\n'
        f'<td class="pls ptn pbn"><div class="hm ptn"><span class="xg1">查看:</span> <span class="xi1">{views}'
        f'</span><span class="pipe">|</span><span class="xg1">回复:</span> <span class="xi1">{replies}</span>'
        f'</div></td>\n<td class="plc ptm pbn vwthd"><h1 class="ts"><a href="forum.php?mod=forumdisplay&amp;'
        f'fid=2">[城市杂谈]</a>\n<span id="thread_subject">{escape(item.title)}</span></h1></td>\n</tr></table>\n'
        + "".join(_discuz_post(pid, author, when, text, view.now) for pid, author, when, text in posts)
        + "</div>\n"
    )
    return _discuz_page(escape(item.title) + " - " + board_title(board), body, charset)


def _discuz_post(pid: int, author: str, when: datetime, message: str, now: datetime) -> str:
    return (
        f'<div id="post_{pid}">\n<table id="pid{pid}" class="plhin" summary="pid{pid}" cellspacing="0" '
        f'cellpadding="0"><tr>\n<td class="pls" rowspan="2"><div class="pi"><div class="authi">'
        f'<a href="home.php?mod=space&amp;uid={pid % 977}" target="_blank" class="xw1">{escape(author)}</a>'
        f'</div></div></td>\n<td class="plc"><div class="pi"><div class="pti"><div class="authi">'
        f'<a href="home.php?mod=space&amp;uid={pid % 977}" target="_blank" class="xw1">{escape(author)}</a>\n'
        f'<em id="authorposton{pid}">发表于 {discuz_time(when, now)}</em></div></div></div>\n'
        f'<div class="pct"><div class="pcb"><div class="t_fsz"><table cellspacing="0" cellpadding="0"><tr>'
        f'<td class="t_f" id="postmessage_{pid}">\n{message}</td></tr></table></div></div></div></td>\n'
        f"</tr></table>\n</div>\n"
    )


def board_title(board: str) -> str:
    """The forum's name shown in its pages."""
    return {"bbs": "江城论坛", "bbs2": "江城生活网论坛"}.get(board, board)


def render_notice(board: str, message: str, charset: str) -> bytes:
    """The message page a forum shows in place of a deleted thread (Discuz!'s 提示信息)."""
    body = (f'<div id="ct" class="wp cl w"><div class="nfl"><div class="f_c altw">\n<div id="messagetext" '
            f'class="alert_error">\n<p>{escape(message)}</p>\n</div>\n</div></div></div>\n')
    return _discuz_page(f"提示信息 - {board_title(board)}", body, charset)


def _discuz_page(title: str, body: str, charset: str) -> bytes:
    page = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
        f"<title>{title} - Powered by Discuz!</title>\n"
        '<meta name="generator" content="Discuz! X3.4" />\n</head>\n<body id="nv_forum" class="pg_forumdisplay">\n'
        f'<div id="wp" class="wp">\n{body}</div>\n</body>\n</html>\n'
    )
    return page.encode(charset, errors="xmlcharrefreplace")


def short_count(value: int) -> str:
    """Weibo-style counts: 9,800 as "9800", 12,000 as "1.2万"."""
    if value >= 10_000:
        return f"{value / 10_000:.1f}".rstrip("0").rstrip(".") + "万"
    return str(value)


def render_weibo(view: View) -> bytes:
    """A weibo-like list: div.post with a.title, span.time, div.text and "转发 1.2万"-style counts."""
    posts = []
    for i in view.items("weibo"):
        views, replies, reposts = i.counts_at(view.step)
        posts.append(
            f'<div class="post" id="p{i.id}">\n<a class="title" href="{view.prefix}/weibo/status/{i.id}">'
            f'{escape(i.title)}</a>\n<span class="author">{escape(i.author)}</span>\n'
            f'<span class="time">{view.published(i):%Y-%m-%d %H:%M}</span>\n<div class="text">{escape(i.body)}</div>\n'
            f'<div class="meta"><span class="views">阅读 {short_count(views)}</span> '
            f'<span class="replies">评论 {short_count(replies)}</span> '
            f'<span class="reposts">转发 {short_count(reposts)}</span></div>\n</div>\n'
        )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>江城微博 - 同城热帖</title></head>\n'
        f'<body><div class="feed">\n{"".join(posts)}</div></body></html>\n'
    ).encode()


def render_article(view: View, board: str, ident: int) -> bytes | None:
    """The page an RSS, Atom or weibo item links to."""
    item = next((i for i in view.items(board) if i.id == ident), None)
    if item is None:
        return None
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(item.title)}</title>'
        f'</head>\n<body><article><h1>{escape(item.title)}</h1>\n<p class="meta">{escape(item.author)} '
        f'<time datetime="{view.published(item).isoformat()}">{view.published(item):%Y-%m-%d %H:%M}</time></p>\n'
        f"<p>{escape(item.body)}</p></article></body></html>\n"
    ).encode()

