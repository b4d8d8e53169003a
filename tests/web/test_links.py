"""Signed console links: made for alerts when `[web] base_url` and the secret are set, checked by the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from yuqing.alerts.links import console_link, sign_link, verify_link
from yuqing.alerts.render import links
from yuqing.config.settings import Settings

NOW = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def _parts(url: str) -> tuple[str, int, str, str]:
    split = urlsplit(url)
    _, _, kind, target = split.path.split("/")[-4:]
    query = parse_qs(split.query)
    return kind, int(target), query["exp"][0], query["sig"][0]


def test_a_link_verifies_until_it_expires_and_not_after_any_change() -> None:
    url = sign_link("https://yq.example/", "s" * 32, "incident", 7, NOW + timedelta(hours=1))
    assert url.startswith("https://yq.example/go/incident/7?exp=")
    kind, target, exp, sig = _parts(url)
    assert verify_link("s" * 32, kind, target, exp, sig, NOW) is None
    assert verify_link("s" * 32, kind, target, exp, sig, NOW + timedelta(hours=2)) == "链接已过期"
    assert verify_link("s" * 32, kind, 8, exp, sig, NOW) is not None
    assert verify_link("s" * 32, "story", target, exp, sig, NOW) is not None
    assert verify_link("s" * 32, kind, target, str(int(exp) + 3600), sig, NOW) is not None
    assert verify_link("t" * 32, kind, target, exp, sig, NOW) is not None


def test_console_link_needs_base_url_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings.model_validate({"web": {"base_url": "https://yq.example", "secret_env": "YQ_TEST_SECRET"}})
    monkeypatch.delenv("YQ_TEST_SECRET", raising=False)
    assert console_link(settings, NOW, story_id=3) is None
    monkeypatch.setenv("YQ_TEST_SECRET", "x" * 32)
    assert console_link(settings, NOW, story_id=3).startswith("https://yq.example/go/story/3?")  # type: ignore[union-attr]
    assert "/go/incident/4?" in console_link(settings, NOW, story_id=3, incident_id=4)  # type: ignore[operator]
    assert console_link(Settings(), NOW, story_id=3) is None


def test_alert_texts_lead_with_the_console_link() -> None:
    payload = {"console_url": "https://yq.example/go/incident/4?exp=1&sig=ab", "incident_id": 4,
               "first_url": "http://bbs.example.cn/1", "urls": []}
    assert links(payload)[0] == ("控制台处置", payload["console_url"])
    assert links({**payload, "console_url": "javascript:alert(1)"})[0][0] == "源头"
