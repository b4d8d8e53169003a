"""Bad configurations: each gives exit code 2 and one message naming file, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import fixture_path
from yuqing.config.errors import ConfigError
from yuqing.config.loading import ENV_CONFIG, load_settings

CASES = [
    ("unknown_key.toml", ["sources[0] ('city-forum')", "'intervall'", "did you mean 'interval'"]),
    ("wrong_type.toml", ["fetch.retries", "integer"]),
    ("unknown_source_kind.toml", ["sources[0] ('news').kind", "'atom-feed'", "'rss', 'discuz', 'html' or 'json'"]),
    ("unknown_channel_kind.toml", ["channels[0] ('office-pager').kind", "'pager'", "'webhook'"]),
    ("bad_duration.toml", ["sources[0] ('news').interval", "'5 minutes' is not a duration", '"5m"']),
    ("tiers_not_rising.toml", ["key tiers", "clicks_24h must rise", "1000, 800, 50000"]),
    ("duplicate_sources.toml", ["two sources are named 'news'"]),
    ("syntax_error.toml", ["is not valid TOML", "line 7"]),
    ("html_without_selectors.toml", ["sources[0] ('weibo-like')", "[sources.selectors]"]),
    ("unknown_recipient.toml", ["scheme '交通局' sends to 'leaders'", "neither a channel nor a group"]),
]


@pytest.mark.parametrize(("name", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_bad_config_exits_2_with_one_clear_message(yuqing, name: str, fragments: list[str]) -> None:
    path = fixture_path("config", name)
    result = yuqing("--config", str(path), "sources")
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    assert str(path) in result.err
    for fragment in fragments:
        assert fragment in result.err


def test_missing_file_named_with_how_it_was_chosen(yuqing, tmp_path: Path, monkeypatch) -> None:
    missing = tmp_path / "nope.toml"
    result = yuqing("--config", str(missing), "sources")
    assert result.code == 2
    assert f"configuration file {missing} (from --config) does not exist" in result.err

    monkeypatch.setenv(ENV_CONFIG, str(missing))
    result = yuqing("sources")
    assert result.code == 2
    assert f"(from ${ENV_CONFIG})" in result.err


def test_missing_secret_is_named_and_never_shown(monkeypatch) -> None:
    from yuqing.cli.context import AppContext

    monkeypatch.delenv("YUQING_TEST_SECRET_THAT_IS_NOT_SET", raising=False)
    app = AppContext(config_option=str(fixture_path("config", "missing_secret.toml")))
    with pytest.raises(ConfigError, match="reads YUQING_TEST_SECRET_THAT_IS_NOT_SET from the environment, but it is not set"):
        app.require_secrets()
    monkeypatch.setenv("YUQING_TEST_SECRET_THAT_IS_NOT_SET", "s3cr3t-value")
    app.require_secrets()
    assert app.settings.channels[0].secret() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(app.settings)


def test_not_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes('[[schemes]]\nname = "交通局"\nquery = "交通局"\n'.encode("gbk"))
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_settings(str(path))


def test_search_order_env_then_cwd_then_builtin(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_CONFIG, raising=False)
    settings, path = load_settings(None)
    assert path is None
    assert settings.database.url == f"sqlite:///{tmp_path / 'var' / 'yuqing.db'}"

    (tmp_path / "yuqing.toml").write_text('[digest]\ntime = "07:30"\n', encoding="utf-8")
    settings, path = load_settings(None)
    assert path == Path("yuqing.toml")
    assert settings.digest.time.hour == 7

    other = tmp_path / "sub" / "other.toml"
    other.parent.mkdir()
    other.write_text('[database]\nurl = "sqlite:///data/y.db"\n', encoding="utf-8")
    monkeypatch.setenv(ENV_CONFIG, str(other))
    settings, path = load_settings(None)
    assert path == other
    assert settings.database.url == f"sqlite:///{tmp_path / 'sub' / 'data' / 'y.db'}"


def test_spec_example_is_valid(tmp_path: Path) -> None:
    settings, _ = load_settings(str(fixture_path("config", "spec_example.toml")))
    assert [s.name for s in settings.sources] == ["city-forum", "weibo-like"]
    assert settings.sources[0].interval.total_seconds() == 300
    assert settings.sources[1].selectors is not None
    assert settings.sources[1].selectors.link == "a.title@href"
    assert [c.name for c in settings.expand(["office"])] == ["office-hook", "office-mail"]
    assert settings.tiers.significant.clicks_24h == 1000
    assert settings.deadlines.respond.total_seconds() == 12 * 3600


def test_a_user_agent_that_cannot_be_an_http_header(yuqing, write_config) -> None:
    config = write_config('[fetch]\nuser_agent = "舆情监测/1.0"\n')
    result = yuqing("--config", str(config), "sources")
    assert result.code == 2
    assert "fetch.user_agent" in result.err and "ASCII" in result.err
