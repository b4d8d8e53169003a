"""`yuqing sources` reads the configuration and the health table."""

from __future__ import annotations

import json
from datetime import timedelta

from yuqing.collector.models import Source
from yuqing.config.database import transaction, utcnow

CONFIG = """
[database]
url = "{url}"

[[sources]]
name = "news"
kind = "rss"
url = "https://news.example.cn/rss.xml"

[[sources]]
name = "city-forum"
kind = "discuz"
url = "https://bbs.example.cn/forum.php?mod=forumdisplay&fid=2"
site = "bbs"
"""


def test_sources_json_joins_config_and_health(yuqing, write_config, db, db_url) -> None:
    now = utcnow()
    with transaction(db) as session:
        session.add(Source(name="city-forum", kind="discuz", url="https://bbs.example.cn/", site="bbs",
                           last_polled_at=now, last_error="HTTP 500 from bbs.example.cn",
                           last_error_at=now, consecutive_failures=3,
                           next_poll_at=now + timedelta(minutes=20)))
    config = write_config(CONFIG.format(url=db_url))
    result = yuqing("--config", str(config), "sources", "--json")
    assert result.code == 0, result.err
    rows = {row["name"]: row for row in json.loads(result.out)}
    assert rows["news"]["ok"] is False and rows["news"]["status"] == "never polled"
    assert rows["news"]["site"] == "news.example.cn"
    forum = rows["city-forum"]
    assert forum["kind"] == "discuz" and forum["ok"] is False and forum["status"] == "failing"
    assert forum["consecutive_failures"] == 3
    assert forum["last_error"] == "HTTP 500 from bbs.example.cn"
    for key in ("name", "kind", "ok", "last_success_at", "last_error", "consecutive_failures", "next_poll_at"):
        assert key in forum

    table = yuqing("--config", str(config), "sources")
    assert table.code == 0
    assert "failing" in table.out and "never polled" in table.out and "HTTP 500" in table.out


def test_sources_table_shows_the_warning_of_a_source_that_reads_only_partly(yuqing, write_config, db,
                                                                             db_url) -> None:
    now = utcnow()
    warning = "the board lists threads, but none of their pages could be read (7 tried; first: x)"
    with transaction(db) as session:
        session.add(Source(name="city-forum", kind="discuz", url="https://bbs.example.cn/", site="bbs",
                           last_polled_at=now, last_success_at=now, last_warning=warning,
                           consecutive_failures=0, next_poll_at=now + timedelta(minutes=5)))
    config = write_config(CONFIG.format(url=db_url))
    table = yuqing("--config", str(config), "sources")
    assert table.code == 0
    assert "warning: the board lists threads" in " ".join(table.out.split())
    forum = {row["name"]: row for row in json.loads(yuqing("--config", str(config), "sources", "--json").out)}
    assert forum["city-forum"]["last_warning"] == warning


def test_an_exit_code_from_ctx_exit_is_kept(yuqing) -> None:
    import click

    from yuqing.cli import cli

    @click.command("exit-three")
    @click.pass_context
    def exit_three(ctx: click.Context) -> None:
        ctx.exit(3)

    cli.add_command(exit_three)
    try:
        assert yuqing("exit-three").code == 3
    finally:
        cli.commands.pop("exit-three")
