"""Recipes (`yuqing sources add --recipe …`): each renders a valid source, `--append` checks before writing,
and each parses its saved real response to the labelled `.expected.json` when that response is present.

Real responses are not committed (the workplace's rules keep fetched files out of developer commits):
the tests read them from $YUQING_REAL_JSON_DIR or ../shared/data/platforms/ beside the repository and
skip, saying why, when they are absent. PROVENANCE.md in tests/fixtures/platforms/ names their origin.
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import fixture_path
from yuqing.collector.jsonapi import load_document, parse_json_page
from yuqing.collector.recipes import RECIPES, render_recipe
from yuqing.config.loading import parse_settings
from yuqing.config.platforms import JsonSelectors

ROOT = Path(__file__).resolve().parents[2]
REAL_ENV = "YUQING_REAL_JSON_DIR"
# When each saved response was fetched is unknown; relative times are read against this fixed clock.
LABEL_CLOCK = datetime(2026, 12, 4, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def real_dir() -> Path | None:
    """Where the real saved responses are: $YUQING_REAL_JSON_DIR, else ../shared/data/platforms/."""
    if os.environ.get(REAL_ENV):
        return Path(os.environ[REAL_ENV])
    shared = ROOT.parent / "shared" / "data" / "platforms"
    return shared if shared.is_dir() else None


def recipe_source(name: str):
    """The source a recipe renders, validated like a configuration file."""
    text = render_recipe(name, f"test-{name}", {p: "江城" for p in RECIPES[name].params})
    return parse_settings(tomllib.loads(text), base_dir=ROOT, origin=name).sources[0]


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_each_recipe_renders_a_valid_json_source(name: str) -> None:
    source = recipe_source(name)
    assert source.kind == "json" and isinstance(source.selectors, JsonSelectors)
    assert source.link_template or source.selectors.link
    assert not source.headers_env  # a recipe never carries a secret; the office adds its own
    assert "%E6%B1%9F%E5%9F%8E" in source.url  # parameters are percent-encoded into the URL


def test_a_recipe_without_its_parameter_is_a_usage_error(yuqing) -> None:
    result = yuqing("sources", "add", "--recipe", "weibo-search", "--name", "jc")
    assert result.code == 2 and "--param q=" in result.err


def test_add_prints_copyable_toml_and_append_checks_before_writing(yuqing, write_config) -> None:
    printed = yuqing("sources", "add", "--recipe", "zhihu-answers", "--name", "zh", "--param", "question=123")
    assert printed.code == 0, printed.err
    assert tomllib.loads(printed.out)["sources"][0]["link_template"] == \
        "https://www.zhihu.com/question/123/answer/{id}"
    config = write_config('[fetch]\nretries = 1\n')
    appended = yuqing("--config", str(config), "sources", "add", "--recipe", "bilibili-search", "--name", "bili",
                      "--param", "q=江城", "--append")
    assert appended.code == 0, appended.err
    text = config.read_text(encoding="utf-8")
    assert text.startswith("[fetch]\nretries = 1\n") and 'name = "bili"' in text
    again = yuqing("--config", str(config), "sources", "add", "--recipe", "bilibili-search", "--name", "bili",
                   "--param", "q=江城", "--append")
    assert again.code == 2 and "two sources are named 'bili'" in again.err
    assert config.read_text(encoding="utf-8") == text  # a bad result is not written


def parse_with_recipe(name: str, document: str):
    """A project-written document (tests/fixtures/platforms/) read with a recipe's selectors."""
    source = recipe_source(name)
    assert isinstance(source.selectors, JsonSelectors)
    raw = fixture_path("platforms", document).read_bytes()
    return parse_json_page(load_document(raw, url=source.url), source.selectors, url=source.url,
                           site=source.site_name, now=LABEL_CLOCK, tz=ZoneInfo(source.timezone),
                           link_template=source.link_template)


def test_recipes_read_the_project_written_documents_shaped_like_each_platform() -> None:
    weibo = parse_with_recipe("weibo-search", "weibo-cards.json").items
    assert [p.url for p in weibo] == [f"https://m.weibo.cn/detail/500100000000000{i}" for i in (1, 2, 3)]
    assert (weibo[0].reposts, weibo[0].replies, weibo[0].likes) == (120, 45, 310)

    timeline = parse_with_recipe("weibo-timeline", "weibo-timeline.json")
    assert timeline.cursor == "5003000000000001"  # since_id for the next page
    assert timeline.items[0].body == "【通告】江城交通局关于中山路封闭施工的说明\n施工期间请绕行"

    tieba = parse_with_recipe("tieba-threads", "tieba-threads.json").items
    first = tieba[0]
    assert (first.url, first.title, first.author) == ("https://tieba.baidu.com/p/8800000001",
                                                      "交通局强拆公交站台 老人摔伤", "江城吧友")
    assert first.body == "昨天下午在中山路, 家属至今没等到道歉"
    assert (first.views, first.replies, first.reposts, first.likes) == (15800, 231, 12, 88)
    assert first.published_at.isoformat() == "2026-11-20T23:00:00+00:00"
    assert (tieba[1].author, tieba[1].likes, tieba[1].body) == ("jc_def", None, "")

    bili = parse_with_recipe("bilibili-search", "bilibili-search.json").items
    assert bili[0].title == "实拍江城交通局强拆现场" and bili[0].body == "网友投稿 & 现场视频"
    assert bili[0].url == "http://www.bilibili.com/video/av900001"
    assert (bili[0].views, bili[0].replies, bili[0].likes) == (32000, 410, 2100)
    assert bili[1].views == 12_000

    zhihu = parse_with_recipe("zhihu-answers", "zhihu-answers.json")
    answer = zhihu.items[0]
    assert answer.url == "https://www.zhihu.com/question/%E6%B1%9F%E5%9F%8E/answer/3300000001"  # the test's param
    assert answer.title == "如何看待江城交通局强拆公交站台事件?"
    assert answer.body == "说说我知道的情况。\n交通局的回应避重就轻。" and (answer.replies, answer.likes) == (86, 1520)
    assert zhihu.items[1].body == "等官方通报"  # no content: the excerpt
    assert zhihu.cursor == "https://www.zhihu.com/api/v4/questions/650000001/answers?limit=20&offset=20"


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_each_recipe_parses_its_real_saved_response_to_the_expected_items(name: str) -> None:
    folder = real_dir()
    if folder is None:
        pytest.skip(f"real saved responses are not committed; set ${REAL_ENV} or provide "
                    f"{ROOT.parent / 'shared/data/platforms'} (see tests/fixtures/platforms/PROVENANCE.md)")
    response = folder / f"{name}.json"
    expected = fixture_path("platforms", "expected", f"{name}.expected.json")
    if not response.is_file():
        pytest.skip(f"no real saved response {response.name} in {folder}")
    if not expected.is_file():
        pytest.skip(f"{expected.name} is missing: label the response by reading it (PROVENANCE.md)")
    source = recipe_source(name)
    assert isinstance(source.selectors, JsonSelectors)
    page = parse_json_page(load_document(response.read_bytes(), url=source.url), source.selectors,
                           url=source.url, site=source.site_name, now=LABEL_CLOCK,
                           tz=ZoneInfo(source.timezone), link_template=source.link_template)
    labels = json.loads(expected.read_text(encoding="utf-8"))
    assert len(page.items) == labels["count"]
    for want, got in zip(labels["items"], page.items, strict=False):
        produced = got.to_dict()
        assert {key: produced[key] for key in want} == want
