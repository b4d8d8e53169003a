"""`yuqing init` creates and upgrades the schema; migrations and models agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select

from tests.conftest import isolated_postgres_url, postgres_url_or_skip
from yuqing.analysis.models import PostAnalysis, SchemePost
from yuqing.collector.models import Post
from yuqing.config.database import create_db_engine
from yuqing.service.migrate import alembic_config, check_schema, head_revision
from yuqing.service.schema import metadata

# Every test here opens a database: CI runs them again with YUQING_TEST_DATABASE_URL set, which
# is when the PostgreSQL half of `fresh_url` runs instead of skipping.
pytestmark = pytest.mark.db


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fresh.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A new, empty database of each kind (PostgreSQL skips without a server URL)."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    url, drop = isolated_postgres_url(postgres_url_or_skip())
    yield url
    drop()


def test_init_twice_is_harmless(yuqing, write_config, fresh_url: str) -> None:
    config = write_config(f'[database]\nurl = "{fresh_url}"\n')
    first = yuqing("--config", str(config), "init")
    assert first.code == 0, first.err
    assert "created the yuqing schema" in first.out
    second = yuqing("--config", str(config), "init")
    assert second.code == 0, second.err
    assert "is up to date" in second.out

    engine = create_db_engine(fresh_url)
    check_schema(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    engine.dispose()


def test_models_and_migrations_agree(fresh_url: str, yuqing, write_config) -> None:
    config = write_config(f'[database]\nurl = "{fresh_url}"\n')
    assert yuqing("--config", str(config), "init").code == 0
    engine = create_db_engine(fresh_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert differences == []
    assert set(metadata.tables) <= tables


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_db_engine(_sqlite_url(tmp_path))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_commands_refuse_an_uninitialised_database(yuqing, write_config, tmp_path: Path) -> None:
    config = write_config(f'[database]\nurl = "{_sqlite_url(tmp_path)}"\n')
    result = yuqing("--config", str(config), "sources")
    assert result.code == 1
    assert "has no yuqing schema yet; run `yuqing init` first" in result.err


def test_0010_fills_scheme_posts_from_the_stored_analyses(fresh_url: str) -> None:
    engine = create_db_engine(fresh_url)
    cfg = alembic_config(fresh_url)
    seen = datetime(2026, 11, 21, tzinfo=UTC)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009")
        conn.execute(insert(Post), [{"id": n, "key": f"k{n}", "site": "a.cn", "url": f"https://a.cn/{n}", "title": "t",
                                     "body": "", "first_seen_at": seen + n * timedelta(hours=1),
                                     "last_seen_at": seen} for n in (1, 2, 3)])
        conn.execute(insert(PostAnalysis), [
            {"post_id": n, "model_version": "v", "negativity": 0.9, "negative": True, "relevant": relevant,
             "schemes": schemes, "keywords": []}
            for n, relevant, schemes in ((1, True, ["交通局", "卫健委"]), (2, True, []), (3, False, ["交通局"]))])
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rows = conn.execute(select(SchemePost.scheme, SchemePost.post_id, SchemePost.seen_at)).all()
    engine.dispose()
    hour = timedelta(hours=1)
    assert sorted(rows) == sorted([("*", 1, seen + hour), ("交通局", 1, seen + hour), ("卫健委", 1, seen + hour),
                                   ("*", 2, seen + 2 * hour)])
