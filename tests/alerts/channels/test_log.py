"""The log channel: one JSON line per alert, merged bursts included."""

from __future__ import annotations

import json

from tests.alerts.factories import sample_payload
from yuqing.alerts.channels import send_alerts
from yuqing.config.settings import ChannelSettings


def test_one_json_line_per_alert(tmp_path) -> None:
    path = tmp_path / "alerts.jsonl"
    channel = ChannelSettings(name="file", kind="log", path=str(path))
    payloads = [sample_payload(f"k{i}") for i in range(3)]
    assert send_alerts(channel, payloads[:1]).ok
    assert send_alerts(channel, payloads[1:]).ok
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == payloads


def test_stdout(capsys) -> None:
    assert send_alerts(ChannelSettings(name="out", kind="log"), [sample_payload()]).ok
    assert json.loads(capsys.readouterr().out)["tier"] == "major"
