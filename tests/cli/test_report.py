"""`yuqing report` and `yuqing digest --format docx` through the real entry point: the files they
write, the paths they print, and the usage errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

from docx import Document

from tests.alerts.digest.world import DAY, build_world
from yuqing.alerts.reports.render import TEMPLATES

CONFIG = """
[database]
url = "{url}"

[digest]
out_dir = "digests"

[reports]
unit = "江城市交通运输局"
doc_number_prefix = "交舆"
out_dir = "reports"

[[sources]]
name = "city-forum"
kind = "discuz"
url = "https://bbs.example.cn/forum.php?fid=2"
"""


def _text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_week_and_month_reports_go_to_out_or_reports_out_dir(yuqing, write_config, db, db_url, tmp_path) -> None:
    build_world(db)
    config = write_config(CONFIG.format(url=db_url))
    result = yuqing("--config", str(config), "report", "--period", "week", "--end", DAY.isoformat())
    assert result.code == 0, result.err
    week = config.parent / "reports" / f"report-week-{DAY.isoformat()}.docx"
    assert result.out.strip() == f"docx: {week}"
    text = _text(week)
    assert "舆情周报" in text and "江城市交通运输局" in text and "交舆周〔" in text
    assert "2026年11月14日至2026年11月20日" in text and "张三" in text
    result = yuqing("--config", str(config), "report", "--period", "month", "--end", DAY.isoformat(),
                    "--out", str(tmp_path / "m"))
    assert result.code == 0, result.err
    assert "舆情月报" in _text(tmp_path / "m" / f"report-month-{DAY.isoformat()}.docx")


def test_incident_report(yuqing, write_config, db, db_url, tmp_path) -> None:
    world = build_world(db)
    config = write_config(CONFIG.format(url=db_url))
    incident = world.incidents["major"]
    result = yuqing("--config", str(config), "report", "--incident", str(incident), "--out", str(tmp_path))
    assert result.code == 0, result.err
    [path] = tmp_path.glob(f"report-incident-{incident}-*.docx")
    assert result.out.strip() == f"docx: {path}"
    text = _text(path)
    assert "舆情专报" in text and "张三" in text and "七、研判" in text
    with zipfile.ZipFile(path) as archive:
        assert [n for n in archive.namelist() if n.startswith("word/media/")]


def test_report_usage_errors(yuqing, write_config, db, db_url) -> None:
    config = write_config(CONFIG.format(url=db_url))
    for args in ([], ["--period", "week", "--incident", "1"], ["--incident", "1", "--end", "2026-11-20"],
                 ["--period", "year"], ["--period", "week", "--end", "20 Nov"]):
        result = yuqing("--config", str(config), "report", *args)
        assert result.code == 2, (args, result.out, result.err)
    result = yuqing("--config", str(config), "report", "--incident", "999")
    assert result.code == 1 and "no incident 999" in result.err


def test_digest_format_docx_writes_the_daily_report_beside_the_others(yuqing, write_config, db, db_url,
                                                                      tmp_path) -> None:
    build_world(db)
    config = write_config(CONFIG.format(url=db_url))
    out = tmp_path / "o"
    result = yuqing("--config", str(config), "digest", "--date", DAY.isoformat(), "--out", str(out))
    assert result.code == 0 and "docx:" not in result.out
    assert sorted(p.name for p in out.iterdir()) == ["digest-2026-11-20.html", "digest-2026-11-20.md"]
    result = yuqing("--config", str(config), "digest", "--date", DAY.isoformat(), "--out", str(out),
                    "--format", "docx")
    assert result.code == 0, result.err
    docx = out / "digest-2026-11-20.docx"
    assert f"docx: {docx}" in result.out and f"html: {out / 'digest-2026-11-20.html'}" in result.out
    assert sorted(p.suffix for p in out.iterdir()) == [".docx", ".html", ".md"]
    text = _text(docx)
    assert "舆情日报" in text and "交舆日〔2026〕324号" in text and "一、总体情况" in text


def test_templates_dir_in_the_configuration_replaces_a_template(yuqing, write_config, db, db_url) -> None:
    build_world(db)
    body = CONFIG.format(url=db_url).replace('out_dir = "reports"', 'out_dir = "reports"\ntemplates_dir = "office"')
    config = write_config(body)
    own = Document(str(TEMPLATES / "period.docx"))
    [mark] = [p for p in own.paragraphs if p.text == "{{ mark }}"]
    mark.runs[0].text = "{{ mark }} 注意保存"
    (config.parent / "office").mkdir()
    own.save(str(config.parent / "office" / "period.docx"))
    result = yuqing("--config", str(config), "report", "--period", "week", "--end", DAY.isoformat())
    assert result.code == 0, result.err
    assert "内部资料 注意保存" in _text(config.parent / "reports" / f"report-week-{DAY.isoformat()}.docx")
    result = yuqing("--config", str(config), "digest", "--date", DAY.isoformat(), "--format", "docx")
    assert result.code == 0, result.err  # no daily.docx in office/: the shipped one
    assert "注意保存" not in _text(config.parent / "digests" / f"digest-{DAY.isoformat()}.docx")
