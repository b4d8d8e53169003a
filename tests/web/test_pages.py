"""What pages show: web text escaped everywhere, only http(s) links clickable, filters, signed links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from starlette.testclient import TestClient

from yuqing.alerts.links import sign_link
from yuqing.analysis.models import Story
from yuqing.collector.models import Post
from yuqing.config.database import transaction, utcnow

from ..alerts.factories import make_story
from .conftest import PASSWORD, SECRET, USERS, World, csrf_of

HOSTILE = "<img src=x onerror=alert(1)>"


def _hostile_story(world: World) -> int:
    with transaction(world.sessions) as session:
        story = make_story(session, now=utcnow(), title=HOSTILE, sites=(HOSTILE, "news.example.cn"))
        for post in session.query(Post).filter(Post.title == HOSTILE):
            post.url, post.body = "javascript:alert(1)", f"交通局 {HOSTILE}"
        return story.id


def test_a_hostile_title_renders_as_text_on_every_page(login: Callable[[str], TestClient], world: World) -> None:
    story_id = _hostile_story(world)
    client = login("admin")
    for path in ("/stories", f"/stories/{story_id}", "/stories?q=img"):
        page = client.get(path).text
        assert HOSTILE not in page, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, path
    story_page = client.get(f"/stories/{story_id}").text
    assert 'href="javascript:' not in story_page  # shown, never clickable
    assert "<mark>交通局</mark>" in story_page  # the scheme's term marked in the text


def test_the_story_list_filters_and_searches(login: Callable[[str], TestClient], world: World) -> None:
    with transaction(world.sessions) as session:
        make_story(session, now=utcnow(), title="医院排队三小时", sites=("forum.example.cn",), schemes=("卫健委",),
                   category="suggestion")
    client = login("viewer")
    assert "医院排队三小时" in client.get("/stories").text
    assert "医院排队三小时" not in client.get("/stories?tier=major").text
    assert "医院排队三小时" in client.get("/stories?scheme=卫健委&category=suggestion&since=24h").text
    assert "医院排队三小时" not in client.get("/stories?scheme=交通局").text
    assert "医院排队三小时" in client.get("/stories?site=forum.example.cn&q=排队").text
    assert "医院排队三小时" not in client.get("/stories?q=%25").text  # LIKE wildcards are literal
    partial = client.get("/stories?tier=major", headers={"HX-Request": "true"}).text
    assert partial.startswith('<div id="story-table"') and "<html" not in partial


def test_the_story_page_shows_history_copies_chart_and_guidance(login: Callable[[str], TestClient],
                                                              world: World) -> None:
    page = login("viewer").get(f"/stories/{world.story_id}").text
    assert "站点 2 ≥ 2 且 24小时点击 12,430 &gt; 10,000" in page  # the tier reason, in Chinese
    assert "及时致歉叫停" in page  # the category's guidance
    assert page.count('href="http://bbs.example.cn/thread-') == 1 and "news.example.cn" in page
    assert "<svg" in page and "<polyline" in page and "<circle" in page
    assert f'href="/incidents/{world.incident_id}"' in page


def test_a_signed_link_opens_its_page_after_login(client: TestClient, world: World) -> None:
    link = sign_link("/", SECRET, "incident", world.incident_id, utcnow() + timedelta(hours=1))
    first = client.get(link)
    assert first.status_code == 303 and first.headers["location"].startswith("/login?next=%2Fgo%2Fincident")
    token = csrf_of(client.get(first.headers["location"]).text)
    next_ = first.headers["location"].split("next=", 1)[1]
    from urllib.parse import unquote

    after = client.post("/login", data={"name": USERS["handler"], "password": PASSWORD, "csrf": token,
                                        "next": unquote(next_)})
    assert after.headers["location"] == link
    assert client.get(link).headers["location"] == f"/incidents/{world.incident_id}"


def test_altered_and_expired_links_are_refused(login: Callable[[str], TestClient], world: World) -> None:
    client = login("viewer")
    good = sign_link("/", SECRET, "story", world.story_id, utcnow() + timedelta(hours=1))
    altered = good.replace(f"/story/{world.story_id}?", f"/story/{world.story_id + 1}?")
    assert client.get(altered).status_code == 403 and "签名无效" in client.get(altered).text
    other_kind = good.replace("/go/story/", "/go/incident/")
    assert client.get(other_kind).status_code == 403
    expired = sign_link("/", SECRET, "story", world.story_id, utcnow() - timedelta(seconds=1))
    assert client.get(expired).status_code == 403 and "过期" in client.get(expired).text
    assert client.get(good).headers["location"] == f"/stories/{world.story_id}"


def test_missing_rows_answer_404(login: Callable[[str], TestClient]) -> None:
    client = login("viewer")
    assert client.get("/stories/99999").status_code == 404
    assert client.get("/incidents/99999").status_code == 404
    assert client.get("/digests/99999").status_code == 404


def test_the_desk_lists_open_incidents_with_deadlines(login: Callable[[str], TestClient], world: World) -> None:
    with world.sessions() as session:
        title = session.get(Story, world.story_id).title
    page = login("viewer").get("/incidents").text
    assert title in page and "快报" in page and "正面回复" in page and 'data-due="' in page
    assert "确认(快报)" not in page  # a viewer gets no buttons (and a 403 if they post anyway)
