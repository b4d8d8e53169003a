"""`yuqing analyze`, `yuqing scheme test` and `yuqing scheme preview` through the real entry point."""

from __future__ import annotations

import io
import json
import sys
import uuid
from datetime import timedelta

import pytest

from yuqing.analysis.scheme_store import save_scheme_version
from yuqing.collector.models import Post
from yuqing.config.database import transaction, utcnow
from yuqing.config.settings import SchemeSettings

CONFIG = """
[database]
url = "{url}"

[analysis]
model = "snownlp"
user_words = ["东站"]

[[schemes]]
name = "交通局"
query = '(交通局 OR 交通运输局 OR "交通 局长") NOT 招聘'

[[schemes]]
name = "医院"
query = "人民医院 OR 卫健委"
"""


@pytest.fixture
def config(write_config, tmp_path):
    return str(write_config(CONFIG.format(url=f"sqlite:///{tmp_path / 'unused.db'}")))


def feed_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


def test_analyze_one_text_for_a_person(yuqing, config) -> None:
    result = yuqing("--config", config, "analyze", "市交通運輸局推諉不作為，網友投訴出租車拒載")
    assert result.code == 0, result.err
    lines = dict(line.split(":", 1) for line in result.out.splitlines())
    assert lines["schemes"].strip() == "交通局"
    assert lines["category"].strip().startswith("problem (问题类): 及时致歉叫停")
    assert "negative at threshold 0.50" in lines["negativity"]
    assert "交通运输局" in lines["keywords"]


def test_analyze_stdin_json_gives_one_object_per_line(yuqing, config, monkeypatch) -> None:
    texts = ["市交通运输局推诿不作为，出租车拒载", "", "沪昆高速追尾事故致2死5伤", "建议在东站增设出租车候车点"]
    feed_stdin(monkeypatch, "\n".join(texts) + "\n")
    result = yuqing("--config", config, "analyze", "-", "--json")
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [row["text"] for row in rows] == texts
    assert all(list(row) == ["text", "negativity", "negative", "category", "schemes", "keywords"] for row in rows)
    assert rows[0]["schemes"] == ["交通局"] and rows[0]["negative"] and rows[0]["category"] == "problem"
    assert rows[1] == {"text": "", "negativity": 0.0, "negative": False, "category": None,
                       "schemes": [], "keywords": []}
    assert all(0.0 <= row["negativity"] <= 1.0 for row in rows)
    assert "东站" in rows[3]["keywords"]


def test_analyze_stdin_for_a_person_is_one_row_per_line(yuqing, config, monkeypatch) -> None:
    feed_stdin(monkeypatch, "交通局回应\n卫健委通报\n")
    result = yuqing("--config", config, "analyze", "-")
    assert result.code == 0, result.err
    rows = [line.split("\t") for line in result.out.splitlines()]
    assert [(r[3], r[4]) for r in rows] == [("交通局", "交通局回应"), ("医院", "卫健委通报")]


def test_a_bad_scheme_is_exit_2_naming_file_scheme_and_column(yuqing, write_config) -> None:
    path = write_config('[analysis]\nmodel = "snownlp"\n[[schemes]]\nname = "坏方案"\nquery = "交通局 OR (投诉"\n')
    result = yuqing("--config", str(path), "analyze", "交通局")
    assert result.code == 2
    assert str(path) in result.err and "scheme '坏方案' (schemes.query)" in result.err
    assert "column 8" in result.err and "Traceback" not in result.err


def test_scheme_test_shows_matches_and_why(yuqing, config) -> None:
    result = yuqing("--config", config, "scheme", "test", "交通运输局局长招聘，市人民医院")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "交通局: no match — excluded by 招聘 (found 交通运输局)",
        "医院: matched — found 人民医院",
    ]
    data = json.loads(yuqing("--config", config, "scheme", "test", "交通局 投诉", "--json").out)
    assert data[0] == {"scheme": "交通局", "matched": True, "found": ["交通局"], "excluded_by": []}
    assert data[1]["matched"] is False


def test_scheme_test_with_an_ad_hoc_query(yuqing, config) -> None:
    ok = yuqing("--config", config, "scheme", "test", "地铁停運", "--query", "地铁 /停运|延误/")
    assert ok.out.strip() == "--query: matched — found 地铁, /停运|延误/"
    bad = yuqing("--config", config, "scheme", "test", "x", "--query", "地铁 AND")
    assert bad.code == 2 and "column 7" in bad.err and "--query" in bad.err
    unknown = yuqing("--config", config, "scheme", "test", "x", "--scheme", "无此方案")
    assert unknown.code == 2 and "无此方案" in unknown.err


def test_scheme_test_without_schemes_says_so(yuqing, write_config) -> None:
    result = yuqing("--config", str(write_config("")), "scheme", "test", "交通局")
    assert result.code == 2 and "no schemes are configured" in result.err


def add_post(session, title: str, body: str, seen_ago: timedelta, site: str = "bbs.example.cn") -> None:
    url = f"https://{site}/t/{uuid.uuid4().hex}"
    session.add(Post(key=url, site=site, url=url, title=title, body=body, first_seen_at=utcnow() - seen_ago))


def test_scheme_preview_over_stored_posts(yuqing, write_config, db, db_url) -> None:
    with transaction(db) as session:
        add_post(session, "市交通运输局推诿不作为", "网友投诉东站出租车拒载，太气人了！", timedelta(hours=1))
        add_post(session, "交通局回应拒载投诉", "将加强整治。", timedelta(hours=5), site="news.example.cn")
        add_post(session, "交通局2024年招聘公告", "", timedelta(hours=2))
        add_post(session, "城南公园樱花盛开", "", timedelta(hours=3))
        add_post(session, "交通局旧闻", "", timedelta(days=10))
    config = str(write_config(CONFIG.format(url=db_url)))
    result = yuqing("--config", config, "scheme", "preview", "--days", "7", "--json")
    assert result.code == 0, result.err
    previews = {p["scheme"]: p for p in json.loads(result.out)}
    traffic = previews["交通局"]
    assert (traffic["posts"], traffic["matched"], traffic["share"]) == (4, 2, 0.5)
    assert [s["title"] for s in traffic["samples"]] == ["市交通运输局推诿不作为", "交通局回应拒载投诉"]
    assert traffic["samples"][1]["site"] == "news.example.cn"
    assert traffic["negative"] == sum(s["negative"] for s in traffic["samples"]) >= 1
    assert previews["医院"]["matched"] == 0 and previews["医院"]["samples"] == []

    table = yuqing("--config", config, "scheme", "preview", "--scheme", "交通局", "--samples", "1")
    assert table.code == 0, table.err
    assert "2 of 4 posts in the last 7 days (50.0%)" in table.out
    assert "市交通运输局推诿不作为" in table.out and "交通局回应拒载投诉" not in table.out
    assert "医院" not in table.out

    wide = yuqing("--config", config, "scheme", "preview", "--days", "30", "--query", "旧闻 OR 樱花", "--json")
    assert json.loads(wide.out)[0]["matched"] == 2


def test_scheme_test_reads_the_consoles_schemes_as_the_next_pass_will(yuqing, write_config, db, db_url) -> None:
    with transaction(db) as session:
        save_scheme_version(session, SchemeSettings(name="供水", query="停水 OR 水压"), by="admin", at=utcnow())
        save_scheme_version(session, SchemeSettings(name="已删", query="停水"), by="admin", at=utcnow())
        save_scheme_version(session, SchemeSettings(name="已删", query="停水"), by="admin", at=utcnow(),
                            deleted=True)
    config = str(write_config(CONFIG.format(url=db_url)))
    result = yuqing("--config", config, "scheme", "test", "小区停水三天", "--json")
    assert result.code == 0, result.err
    assert [(r["scheme"], r["matched"]) for r in json.loads(result.out)] == [
        ("交通局", False), ("医院", False), ("供水", True)]
    only = yuqing("--config", config, "scheme", "test", "水压太低", "--scheme", "供水")
    assert only.out.strip() == "供水: matched — found 水压"


def test_scheme_test_before_any_database_makes_no_file(yuqing, config, tmp_path) -> None:
    assert yuqing("--config", config, "scheme", "test", "交通局 投诉").code == 0
    assert not (tmp_path / "unused.db").exists()
