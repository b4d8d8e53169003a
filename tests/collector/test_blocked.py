"""Blocked sources (docs/spec.md §13): each refusal served on 127.0.0.1 → blocked in one poll, long backoff,
a blind spot in the digest and one admin alert per blocked episode through the outbox."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.collector.conftest import NOW
from tests.collector.site import LocalSite, redirect_to, status
from tests.collector.test_platforms import json_source, serve_json, settings_for, weibo_document
from yuqing.alerts.digest.watch import list_blind_spots
from yuqing.alerts.models import Alert
from yuqing.alerts.sources import raise_source_alerts
from yuqing.collector.jobs import collect
from yuqing.collector.models import Source
from yuqing.collector.store import list_source_health
from yuqing.config.settings import Settings
from yuqing.service.scheduler import backing_off

PATH = "/api/container/getIndex"
LOGIN_PAGE = ("<!DOCTYPE html><html><head><title>Sina Visitor System</title></head><body>"
              "<p>请登录后查看,或输入验证码</p></body></html>").encode()


def _serve_refusal(site: LocalSite, kind: str) -> str:
    """Make the list API refuse us in one of the ways platforms do; return the reason's telltale."""
    if kind in ("403", "418", "432"):
        site.routes[PATH] = status(int(kind))
        return f"HTTP {kind}"
    if kind == "login page":
        site.serve(PATH, LOGIN_PAGE, "text/html; charset=utf-8", validators=False)
        return "login or captcha page"
    if kind == "redirect to a visitor gate":
        site.routes[PATH] = redirect_to("/passport/visitor?entry=mweibo")
        site.serve("/passport/visitor", LOGIN_PAGE, "text/html; charset=utf-8", validators=False)
        return "redirected to a login or captcha page"
    if kind == "ok: 0":
        serve_json(site, PATH, {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
        return "ok: 0"
    if kind == "errcode":
        serve_json(site, PATH, {"errcode": 40001, "errmsg": "access_token invalid"})
        return "errcode: 40001"
    if kind == "emptied":
        serve_json(site, PATH, {"ok": 1, "data": {"cards": []}})
        return "came back empty"
    raise AssertionError(kind)


def _blocked_settings(site: LocalSite, **extra: Any) -> Settings:
    base = settings_for(json_source(site))
    channels = [{"name": "ops-log", "kind": "log", "path": "-"}, {"name": "office-hook", "kind": "log", "path": "-"}]
    return Settings.model_validate({**base.model_dump(), "channels": channels,
                                    "groups": {"admin": ["ops-log"]}, **extra})


KINDS = ["403", "418", "432", "login page", "redirect to a visitor gate", "ok: 0", "errcode", "emptied"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_refusal_marks_the_source_blocked_within_one_poll(db, site: LocalSite, kind: str) -> None:
    settings = _blocked_settings(site)
    serve_json(site, PATH, weibo_document())
    assert collect(settings, db, now=NOW).results[0].outcome == "ok"  # it was readable once
    telltale = _serve_refusal(site, kind)
    later = NOW + timedelta(minutes=10)
    result = collect(settings, db, now=later).results[0]
    assert result.outcome == "error" and telltale in (result.error or "")
    with db() as session:
        health = list_source_health(session, settings.sources)[0]
        row = session.scalars(select(Source)).one()
    assert health.status == "blocked" and telltale in (health.blocked_reason or "")
    assert row.next_poll_at - later >= timedelta(hours=6)  # hours, not seconds
    assert list(backing_off(settings, db, ["weibo"], later + timedelta(minutes=30))) == ["weibo"]
    requests = [s for s in site.seen if s.path.startswith(PATH)]
    assert len(requests) == 2  # one per poll: a refusal is not retried


def test_a_blocked_episode_is_a_blind_spot_and_one_admin_alert_not_one_per_poll(db, site: LocalSite) -> None:
    settings = _blocked_settings(site)
    serve_json(site, PATH, weibo_document())
    collect(settings, db, now=NOW)
    _serve_refusal(site, "432")
    for hours in (1, 8, 15):  # three refused polls, hours apart: one episode
        collect(settings, db, now=NOW + timedelta(hours=hours))
        raise_source_alerts(settings, db, now=NOW + timedelta(hours=hours))
    with db() as session:
        alerts = session.scalars(select(Alert).where(Alert.event == "source.blocked")).all()
        spots = list_blind_spots(session, settings.sources, NOW, NOW + timedelta(days=1), NOW + timedelta(hours=16))
    assert [a.channel for a in alerts] == ["ops-log"]  # the admin group only, once
    payload = alerts[0].payload
    assert payload["source"]["name"] == "weibo" and "HTTP 432" in payload["source"]["reason"]
    assert payload["story_id"] is None and alerts[0].status == "pending"  # queued in the outbox
    assert [s.source for s in spots] == ["weibo"]
    assert any("被平台拦截" in reason and "HTTP 432" in reason for reason in spots[0].reasons)

    serve_json(site, PATH, weibo_document())  # readable again: the episode ends
    collect(settings, db, now=NOW + timedelta(hours=22))
    with db() as session:
        assert list_source_health(session, settings.sources)[0].status == "ok"
    _serve_refusal(site, "ok: 0")  # blocked again later: a new episode, a new alert
    collect(settings, db, now=NOW + timedelta(hours=23))
    raise_source_alerts(settings, db, now=NOW + timedelta(hours=23))
    with db() as session:
        reasons = [a.payload["source"]["reason"] for a in session.scalars(
            select(Alert).where(Alert.event == "source.blocked").order_by(Alert.id))]
    assert len(reasons) == 2 and "ok: 0" in reasons[1]


def test_admin_channels_setting_wins_and_the_sources_command_shows_the_reason(db, db_url, site: LocalSite,
                                                                               yuqing, write_config) -> None:
    serve_json(site, PATH, weibo_document())
    source = json_source(site)
    config = write_config(
        f'[database]\nurl = "{db_url}"\n[fetch]\nretries = 0\nper_host_delay = "0s"\n'
        f'admin_channels = ["office-hook"]\n'
        f'[[sources]]\nname = "weibo"\nkind = "json"\nurl = "{source["url"]}"\n'
        f'link_template = "{source["link_template"]}"\n'
        "[sources.selectors]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in source["selectors"].items())
        + '[[channels]]\nname = "ops-log"\nkind = "log"\npath = "-"\n'
          '[[channels]]\nname = "office-hook"\nkind = "log"\npath = "-"\n')
    settings = Settings.model_validate({"fetch": {"admin_channels": ["office-hook"], "retries": 0},
                                        "sources": [source], "channels": [
                                            {"name": "ops-log", "kind": "log", "path": "-"},
                                            {"name": "office-hook", "kind": "log", "path": "-"}]})
    _serve_refusal(site, "418")
    collect(settings, db, now=NOW)
    assert raise_source_alerts(settings, db, now=NOW).alerts == 1
    with db() as session:
        assert [a.channel for a in session.scalars(select(Alert))] == ["office-hook"]
    listed = yuqing("--config", str(config), "sources", "--json")
    assert listed.code == 0, listed.err
    row = json.loads(listed.out)[0]
    assert row["status"] == "blocked" and "HTTP 418" in row["blocked_reason"]
    table = yuqing("--config", str(config), "sources")
    assert "blocked" in table.out and "HTTP 418" in table.out
