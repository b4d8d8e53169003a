"""Collector stage, ready recipes for common public list APIs: a recipe name and its parameters → TOML.

Pure. Each recipe is a `[[sources]]` table of `kind = "json"` that reads what any visitor of the
platform's mobile or web site is shown; none signs requests, rotates cookies or solves captchas.
Where a platform asks for a login, `headers_env` names the variable that holds the office's own
cookie, and a refusal makes the source blocked (a blind spot), never a retry storm.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template
from urllib.parse import quote


@dataclass(frozen=True)
class Recipe:
    """A documented source template: `$name` and each parameter are filled in, URL ones percent-encoded."""

    name: str
    summary: str
    params: dict[str, str]  # parameter → what it is
    template: str


# What the two weibo recipes share: the site, its headers and the mblog fields.
_WEIBO_SOURCE = '''site = "weibo.com"
interval = "15m"
max_pages = 2
link_template = "https://m.weibo.cn/detail/{id}"
headers = { Referer = "https://m.weibo.cn/", X-Requested-With = "XMLHttpRequest", MWeibo-Pwa = "1" }
'''
_WEIBO_FIELDS = '''id = "to_string(id)"
text = "text"
author = "user.screen_name"
time = "created_at"
'''
_COUNTS_WEIBO = '''reposts = "reposts_count"
replies = "comments_count"
likes = "attitudes_count"
'''

RECIPES: dict[str, Recipe] = {r.name: r for r in (
    Recipe("weibo-search", "weibo mobile real-time search (newest first): m.weibo.cn's getIndex for a keyword",
           {"q": "the search words, e.g. 江城交通局"}, '''[[sources]]
name = "$name"
kind = "json"
url = "https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D61%26q%3D$q%26t%3D0&page_type=searchall&page={page}"
''' + _WEIBO_SOURCE + '''# headers_env = { Cookie = "WEIBO_COOKIE" }   # only the office's own login, if it has one
[sources.selectors]
items = "data.cards[].[mblog, card_group[].mblog][][]"
''' + _WEIBO_FIELDS + _COUNTS_WEIBO),
    Recipe("weibo-timeline", "one weibo account's posts: m.weibo.cn's getIndex for containerid 107603<uid>",
           {"uid": "the account's numeric uid"}, '''[[sources]]
name = "$name"
kind = "json"
url = "https://m.weibo.cn/api/container/getIndex?type=uid&value=$uid&containerid=107603$uid&since_id={cursor}"
''' + _WEIBO_SOURCE + '''[sources.selectors]
items = "data.cards[?card_type==`9`].mblog"
''' + _WEIBO_FIELDS + '''cursor = "data.cardlistInfo.since_id"
''' + _COUNTS_WEIBO),
    Recipe("tieba-threads", "a Baidu Tieba forum's thread list from the mobile site's JSON (tieba.baidu.com/mg/f)",
           {"kw": "the forum (吧) name without 吧, e.g. 江城"}, '''[[sources]]
name = "$name"
kind = "json"
url = "https://tieba.baidu.com/mg/f/getFrsData?kw=$kw&rn=30&pn={page}&sort_type=1&only_thread_list=1"
site = "tieba.baidu.com"
interval = "10m"
link_template = "https://tieba.baidu.com/p/{id}"
headers = { Referer = "https://tieba.baidu.com/" }
[sources.selectors]
items = "data.thread_list"
id = "to_string(id)"
title = "title"
text = "join(' ', abstract[].text || `[]`)"
author = "author.name_show || author.name"
time = "create_time"
views = "view_num"
replies = "reply_num"
reposts = "share_num"
likes = "agree.agree_num"
'''),
    Recipe("bilibili-search", "Bilibili video search, newest first (api.bilibili.com/x/web-interface/search/type)",
           {"q": "the search words"}, '''[[sources]]
name = "$name"
kind = "json"
url = "https://api.bilibili.com/x/web-interface/search/type?search_type=video&keyword=$q&order=pubdate&page={page}"
site = "bilibili.com"
interval = "30m"
headers = { Referer = "https://search.bilibili.com/" }
# headers_env = { Cookie = "BILIBILI_COOKIE" }   # the API may ask for the office's own cookie
[sources.selectors]
items = "data.result"
id = "bvid"
title = "title"
text = "description"
link = "arcurl"
author = "author"
time = "pubdate"
views = "play"
replies = "review"
likes = "like"
'''),
    Recipe("zhihu-answers", "the answers to one Zhihu question, newest first (www.zhihu.com/api/v4)",
           {"question": "the question's number in its URL"}, '''[[sources]]
name = "$name"
kind = "json"
url = "https://www.zhihu.com/api/v4/questions/$question/answers?include=data%5B*%5D.content%2Cvoteup_count%2Ccomment_count%2Ccreated_time&limit=20&offset=0&sort_by=updated"
site = "zhihu.com"
interval = "30m"
max_pages = 2
link_template = "https://www.zhihu.com/question/$question/answer/{id}"
# headers_env = { Cookie = "ZHIHU_COOKIE" }   # the office's own login, if the API asks for one
[sources.selectors]
items = "data[].target || data"        # /answers lists answers; the newer /feeds wraps each in `target`
id = "to_string(id)"
title = "question.title"
text = "content || excerpt"
author = "author.name"
time = "created_time"
replies = "comment_count"
likes = "voteup_count"
cursor = "paging.is_end == `false` && paging.next"
'''),
)}


def render_recipe(recipe: str, name: str, params: dict[str, str]) -> str:
    """The `[[sources]]` TOML of a recipe; KeyError names an unknown recipe, ValueError a missing parameter."""
    chosen = RECIPES[recipe]
    missing = [p for p in chosen.params if not params.get(p)]
    if missing:
        raise ValueError(f"recipe {recipe!r} needs " + ", ".join(f"--param {p}=… ({chosen.params[p]})"
                                                                 for p in missing))
    unknown = sorted(set(params) - set(chosen.params))
    if unknown:
        raise ValueError(f"recipe {recipe!r} takes no parameter {', '.join(unknown)}; "
                         f"it takes {', '.join(chosen.params)}")
    if not name or '"' in name or "\\" in name:
        raise ValueError("--name must be a plain name (no quotes or backslashes)")
    values = {key: quote(value.strip(), safe="") for key, value in params.items()}
    return f"# recipe {recipe}: {chosen.summary}\n" + Template(chosen.template).substitute(values, name=name)
