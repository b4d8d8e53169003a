"""Handling from the console: alerts.handling's rules and messages, the audit log, and the CLI's record."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from yuqing.service.accounts import AuditEntry

from .conftest import USERS, World, csrf_of


def _post(client: TestClient, path: str, **data: str) -> tuple[int, str]:
    token = csrf_of(client.get(path.rsplit("/", 1)[0]).text)
    answer = client.post(path, data={"csrf": token, **data})
    if answer.status_code == 303:
        return 303, client.get(answer.headers["location"]).text
    return answer.status_code, answer.text


def test_a_handler_acks_responds_and_closes_and_the_cli_shows_it(
    login: Callable[[str], TestClient], world: World, yuqing: Callable[..., object], write_config: Callable[..., Path],
    db_url: str,
) -> None:
    client = login("handler")
    base = f"/incidents/{world.incident_id}"
    status, page = _post(client, f"{base}/respond", note="已发布通报")
    assert status == 409 and "is not acknowledged yet" in page  # the CLI's message, from alerts.incidents
    assert _post(client, f"{base}/ack")[0] == 303
    status, page = _post(client, f"{base}/ack")
    assert status == 409 and f"already acknowledged by {USERS['handler']}" in page
    assert _post(client, f"{base}/respond", note="")[0] == 400
    status, page = _post(client, f"{base}/respond", note="区交通局已发布情况通报", url="https://gov.example.cn/n/1")
    assert status == 303 and "已记录正面回复" in page and 'href="https://gov.example.cn/n/1"' in page
    status, page = _post(client, f"{base}/close", summary="处置及时,舆情平息")
    assert status == 303 and "已关闭" in page

    result = yuqing("--config", str(write_config(f'[database]\nurl = "{db_url}"\n')), "incidents", "--json")
    record = json.loads(result.out)[0]  # type: ignore[attr-defined]
    assert record["status"] == "closed" and record["acknowledged_by"] == USERS["handler"]
    assert record["response_note"] == "区交通局已发布情况通报" and record["summary"] == "处置及时,舆情平息"
    assert [e["kind"] for e in record["events"]] == ["opened", "acknowledged", "responded", "closed"]
    with world.sessions() as session:
        actions = [(a.action, a.actor) for a in session.query(AuditEntry).filter(AuditEntry.action.like("incident_%"))
                   .order_by(AuditEntry.id)]
    assert actions == [(f"incident_{a}", USERS["handler"]) for a in ("ack", "respond", "close")]


def test_a_response_link_that_is_not_http_is_kept_but_not_clickable(login: Callable[[str], TestClient],
                                                                    world: World) -> None:
    client = login("handler")
    base = f"/incidents/{world.incident_id}"
    _post(client, f"{base}/ack")
    status, page = _post(client, f"{base}/respond", note="说明", url="javascript:alert(1)")
    assert status == 303 and "javascript:alert(1)" in page and 'href="javascript:' not in page
