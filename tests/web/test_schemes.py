"""Schemes in the console: saved as versions with who and when, the file's read-only, checked before
saving, and applied by the next pass (posts it matches become relevant)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from starlette.testclient import TestClient

from yuqing.analysis.models import PostAnalysis, SchemeVersion
from yuqing.collector.models import Post
from yuqing.config.database import transaction, utcnow
from yuqing.service.pipeline import process

from .conftest import USERS, World, csrf_of

HOSPITAL = "市第一医院急诊排队三小时无人管,患者家属怒斥卫健委不作为"


def _save(client: TestClient, **form: str) -> tuple[int, str]:
    token = csrf_of(client.get("/schemes/edit").text)
    answer = client.post("/schemes/save", data={"csrf": token, "recipients": "", "escalate_to": "", **form})
    return answer.status_code, answer.text


def test_saving_keeps_every_version_with_who_and_when(login: Callable[[str], TestClient], world: World) -> None:
    client = login("admin")
    assert _save(client, name="卫健委", query="卫健委 OR 医院")[0] == 303
    assert _save(client, name="卫健委", query="卫健委 NOT 招聘")[0] == 303
    page = client.get("/schemes").text
    assert "卫健委 NOT 招聘" in page and "卫健委 OR 医院" in page  # in force, and in the history
    with world.sessions() as session:
        versions = session.scalars(select(SchemeVersion).order_by(SchemeVersion.id)).all()
    assert [(v.query, v.created_by) for v in versions] == [("卫健委 OR 医院", USERS["admin"]),
                                                           ("卫健委 NOT 招聘", USERS["admin"])]
    edit = client.get("/schemes/edit?name=卫健委").text
    assert "卫健委 NOT 招聘" in edit and "readonly" in edit


def test_file_schemes_bad_queries_and_unknown_recipients_are_refused(login: Callable[[str], TestClient]) -> None:
    client = login("admin")
    status, page = _save(client, name="交通局", query="交通")
    assert status == 422 and "配置文件" in page
    status, page = _save(client, name="新方案", query='"unclosed')
    assert status == 422 and "检索式有误" in page
    status, page = _save(client, name="新方案", query="交通", recipients="nobody")
    assert status == 422 and "nobody" in page
    assert "<td>新方案</td>" not in client.get("/schemes").text


def test_check_tests_previews_and_replays_before_saving(login: Callable[[str], TestClient]) -> None:
    client = login("admin")
    token = csrf_of(client.get("/schemes/edit").text)
    answer = client.post("/schemes/check", data={"csrf": token, "name": "交通2", "query": "交通局 NOT 招聘",
                                                 "text": "交通局 违规收费", "recipients": "", "escalate_to": ""},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "<html" not in answer.text
    assert "命中" in answer.text and "<mark>交通局</mark>" in answer.text
    assert "预览" in answer.text and "回放" in answer.text and "条告警" in answer.text
    bad = client.post("/schemes/check", data={"csrf": token, "name": "x", "query": "(", "text": ""})
    assert "检索式有误" in bad.text


def test_a_scheme_saved_in_the_console_changes_what_the_next_pass_marks_relevant(
    login: Callable[[str], TestClient], world: World,
) -> None:
    now = utcnow()
    with transaction(world.sessions) as session:
        session.add(Post(key="hospital-1", site="bbs.example.cn", url="http://bbs.example.cn/t/1", title=HOSPITAL,
                         body=HOSPITAL, first_seen_at=now, last_seen_at=now, views=10, replies=1))
    process(world.settings, world.sessions, now=now)
    assert _analysis(world) == (False, [])

    client = login("admin")
    assert _save(client, name="卫健委", query="卫健委")[0] == 303
    process(world.settings, world.sessions, now=now)
    assert _analysis(world) == (True, ["卫健委"])

    token = csrf_of(client.get("/schemes").text)
    assert client.post("/schemes/delete", data={"csrf": token, "name": "卫健委"}).status_code == 303
    process(world.settings, world.sessions, now=now)
    assert _analysis(world) == (False, [])


def _analysis(world: World) -> tuple[bool, list[str]]:
    with world.sessions() as session:
        analysis = session.scalar(select(PostAnalysis).join(Post, Post.id == PostAnalysis.post_id)
                                  .where(Post.key == "hospital-1"))
        assert analysis is not None
        return analysis.relevant, list(analysis.schemes)
