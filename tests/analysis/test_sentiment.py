"""Analysis stage, sentiment: the shipped model loads fast, is small and scores sensibly."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from yuqing.analysis.complaints import cohen_kappa, is_held_out
from yuqing.analysis.sentiment import (
    MODEL_PATH,
    SentimentModel,
    SnowNLPBaseline,
    blend_category_logits,
    get_model,
    text_ngrams,
)
from yuqing.analysis.train_data import is_held_text
from yuqing.analysis.train_fit import evaluate, roc_auc


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load()


def test_model_file_is_small() -> None:
    assert MODEL_PATH.stat().st_size < 10 * 1024 * 1024


def test_model_loads_fast() -> None:
    start = time.perf_counter()
    loaded = SentimentModel.load()
    assert time.perf_counter() - start < 2.0
    assert loaded.version.startswith("maskedlr-")
    assert 0.0 < loaded.threshold < 1.0


@pytest.mark.parametrize(
    "text",
    ["", "   ", "<p></p>", "12345", "a", "市人社局发布2024年养老金调整通知" * 50, "[怒]", "😡", "ＡＢＣ"],
)
def test_scores_are_probabilities(model: SentimentModel, text: str) -> None:
    assert 0.0 <= model.score(text) <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "网传某局长酒驾撞人后逃逸",
        "小区停水三天了，打了十几次12345热线都没人管[怒]",
        "高速连环追尾致3死12伤",
        "網傳某局長酒駕撞人後逃逸",
    ],
)
def test_negative_items(model: SentimentModel, text: str) -> None:
    assert model.is_negative(model.score(text))


@pytest.mark.parametrize(
    "text",
    [
        "市人社局发布2024年养老金调整通知",
        "市交警支队发布五一假期交通出行提示",
        "感谢社区工作人员，帮我家老人办好了养老补贴[赞]",
        "请问一下社区医院打疫苗需要提前预约吗？",
    ],
)
def test_non_negative_items(model: SentimentModel, text: str) -> None:
    assert not model.is_negative(model.score(text))


def test_threshold_can_be_overridden(model: SentimentModel) -> None:
    score = model.score("网传某局长酒驾撞人后逃逸")
    assert model.is_negative(score, threshold=0.0)
    assert not model.is_negative(score, threshold=1.01)


def test_score_many_matches_score(model: SentimentModel) -> None:
    texts = ["网传某局长酒驾撞人后逃逸", "市人社局发布2024年养老金调整通知"]
    assert model.score_many(texts) == [model.score(t) for t in texts]


def test_normalized_flag_skips_normalisation(model: SentimentModel) -> None:
    assert model.score("網傳某局長酒駕") == model.score("网传某局长酒驾", normalized=True)


def test_get_model_is_cached() -> None:
    assert get_model() is get_model()


def test_ngrams_map_numbers_and_placeholders() -> None:
    assert text_ngrams("致3死12伤", max_n=2) == ["致", "0", "死", "0", "伤", "致0", "0死", "死0", "0伤"]
    assert text_ngrams("EMONEG") == ["\ue000"]


def test_snownlp_baseline_interface() -> None:
    baseline = SnowNLPBaseline()
    score = baseline.score("这个东西质量太差了，非常失望")
    assert 0.0 <= score <= 1.0
    assert baseline.is_negative(score) == (score >= 0.5)


def test_held_out_split_is_seeded_stable_and_by_message() -> None:
    ids = [str(188000 + i) for i in range(3000)]
    held = [i for i in ids if is_held_out(i)]
    assert held == [i for i in ids if is_held_out(f" {i} ")]  # a message and its replies agree
    assert 0.27 < len(held) / len(ids) < 0.33
    texts = [f"文本{i}" for i in range(2000)]
    assert 0.12 < sum(map(is_held_text, texts)) / len(texts) < 0.18


def test_cohen_kappa() -> None:
    assert cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == pytest.approx(1.0)
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == pytest.approx(0.0)


def test_metrics() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    figures = evaluate([1, 1, 0, 0], [0.9, 0.2, 0.6, 0.1], threshold=0.5)
    assert figures["f1"] == pytest.approx(0.5)
    assert figures["flagged"] == pytest.approx(0.5)


def test_category_odds_without_a_title_are_the_whole_posts(model: SentimentModel) -> None:
    text = "小区门口的夜宵摊每晚营业到凌晨三点，噪音扰民，投诉多次无人处理"
    odds = model.category_odds(text)
    assert odds == pytest.approx(model.judge(text).categories)
    assert sum(odds.values()) == pytest.approx(1.0)


def test_a_title_pulls_the_category_odds_towards_what_it_says(model: SentimentModel) -> None:
    title = "举报村支书侵吞征地补偿款"
    body = ("我们组的田地在2018年被征收，修路占了三十多亩，补偿标准按文件执行，"
            "组里开过两次会，大家都签了字，后来安置地也划好了，到现在钱还没有发完。")
    whole = model.category_odds(f"{title}\n{body}")
    read = model.category_odds(f"{title}\n{body}", title)
    assert model.title_share > 0
    assert sum(read.values()) == pytest.approx(1.0)
    assert read["sensitive"] > whole["sensitive"]


def _log_softmax(z: list[float]) -> np.ndarray:
    v = np.asarray(z, dtype=np.float64)
    return v - v.max() - math.log(float(np.exp(v - v.max()).sum()))


def test_blend_without_shares_is_the_whole_posts_log_odds() -> None:
    whole = [2.0, 0.5, 0.1, -1.0, -1.0]
    out = blend_category_logits(whole, None, [[0.0, 0.0, 5.0, 0.0, 0.0]], 0.3, 0.0)
    assert out == pytest.approx(_log_softmax(whole))  # no title: its share stays with the whole post


def test_blend_reads_the_clause_that_says_a_non_default_category_most_surely() -> None:
    whole = [2.0, 0.0, 0.0, 0.0, 0.0]
    background = [3.0, 0.0, 0.0, 0.0, 0.0]  # a plain problem (the first, default category)
    misconduct = [0.5, 0.0, 2.5, 0.0, 0.0]
    mild = [0.0, 1.0, 0.0, 0.0, 0.0]
    out = blend_category_logits(whole, [1.0, 0.0, 0.0, 0.0, 0.0], [background, mild, misconduct], 0.2, 0.25)
    expected = (0.55 * _log_softmax(whole) + 0.2 * _log_softmax([1.0, 0.0, 0.0, 0.0, 0.0])
                + 0.25 * _log_softmax(misconduct))
    assert out == pytest.approx(expected)


def test_the_telling_clause_pulls_a_long_posts_odds_towards_it(model: SentimentModel) -> None:
    background = ("我们小区建于二〇〇五年，共有十二栋楼，住户大多是附近工厂的退休职工。小区南面是一所小学，"
                  "北面是菜市场。前年小区做过一次外墙翻新，今年又说要收维修基金，物业费也涨了。")
    text = background + "村支书把征地补偿款揣进了自己的腰包。"
    assert model.clause_share > 0
    read = model.category_odds(text)
    plain = SentimentModel.load()
    plain.clause_share = 0.0
    assert read["sensitive"] > plain.category_odds(text)["sensitive"]
