"""`yuqing incidents`, `ack`, `respond`, `close` and `alerts test` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.alerts.factories import make_story, raise_tier
from tests.alerts.receiver import Receiver
from yuqing.alerts.jobs import raise_alerts
from yuqing.config.database import transaction, utcnow
from yuqing.config.settings import Settings


@pytest.fixture
def incident_config(db, db_url, write_config):
    with transaction(db) as session:
        story = make_story(session, now=utcnow(), category="emergency")
        raise_tier(session, story, "major", now=utcnow())
    raise_alerts(Settings(), db, now=utcnow())
    return write_config(f'[database]\nurl = "{db_url}"\n')


def test_the_handling_record_through_the_cli(yuqing, incident_config) -> None:
    cfg = ("--config", str(incident_config))
    listed = yuqing(*cfg, "incidents", "--json")
    assert listed.code == 0, listed.err
    (incident,) = json.loads(listed.out)
    number = str(incident["id"])
    assert incident["status"] == "open" and incident["tier"] == "major" and incident["facts_by"]
    assert "open" in yuqing(*cfg, "incidents").out

    early = yuqing(*cfg, "respond", number, "--note", "已通报")
    assert early.code == 2 and f"yuqing ack {number} --by NAME" in early.err
    assert yuqing(*cfg, "ack", number, "--by", "张三").code == 0
    again = yuqing(*cfg, "ack", number, "--by", "李四")
    assert again.code == 2 and "already acknowledged by 张三" in again.err
    assert yuqing(*cfg, "respond", number, "--note", "已发布通报", "--url", "https://gov.example.cn/1").code == 0
    assert yuqing(*cfg, "close", number, "--summary", "处置及时, 舆情平稳").code == 0
    assert yuqing(*cfg, "close", number, "--summary", "x").code == 2

    (closed,) = json.loads(yuqing(*cfg, "incidents", "--status", "closed", "--json").out)
    assert closed["acknowledged_by"] == "张三" and closed["response_url"] == "https://gov.example.cn/1"
    assert [e["kind"] for e in closed["events"]] == ["opened", "acknowledged", "responded", "closed"]
    assert json.loads(yuqing(*cfg, "incidents", "--status", "open", "--json").out) == []


def test_unknown_incident_exits_1_and_points_at_the_list(yuqing, incident_config) -> None:
    result = yuqing("--config", str(incident_config), "ack", "999999", "--by", "张三")
    assert result.code == 1 and "no incident 999999; see `yuqing incidents`" in result.err


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    good, bad = Receiver(kind="dingtalk", secret="SECabc").start(), Receiver(kind="wecom").start()
    bad.answer = (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    yield good, bad
    good.stop()
    bad.stop()


def test_alerts_test_reports_each_channel(yuqing, write_config, db_url, receivers, monkeypatch, tmp_path) -> None:
    good, bad = receivers
    monkeypatch.setenv("DING_SECRET", "SECabc")
    config = write_config(f'''
[database]
url = "{db_url}"
[[channels]]
name = "leader-dingtalk"
kind = "dingtalk"
url = "{good.url}"
secret_env = "DING_SECRET"
[[channels]]
name = "office-wecom"
kind = "wecom"
url = "{bad.url}"
[[channels]]
name = "file"
kind = "log"
path = "{tmp_path / 'alerts.jsonl'}"
''')
    result = yuqing("--config", str(config), "alerts", "test")
    assert result.code == 1
    lines = result.out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("ok") and "leader-dingtalk" in lines[0]
    assert lines[1].startswith("failed") and "errcode 93000" in lines[1]
    assert lines[2].startswith("ok") and "file" in lines[2]
    assert "SECRET-KEY-123" not in result.out + result.err  # bot keys in URLs are never printed
    assert "测试消息" in good.jsons()[0]["markdown"]["text"]
    assert json.loads((tmp_path / "alerts.jsonl").read_text(encoding="utf-8"))["event"] == "test"


def test_alerts_test_needs_the_channel_secrets(yuqing, write_config) -> None:
    config = write_config('''
[[channels]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:9/x"
secret_env = "YUQING_TEST_UNSET_SECRET"
''')
    result = yuqing("--config", str(config), "alerts", "test")
    assert result.code == 2 and "YUQING_TEST_UNSET_SECRET" in result.err
