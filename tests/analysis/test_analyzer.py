"""The analyzer on real text with the SnowNLP baseline scorer (the shipped model is built elsewhere)."""

from __future__ import annotations

import pytest

from yuqing.analysis import sentiment
from yuqing.analysis.analyzer import Analyzer, join_text, load_scorer
from yuqing.analysis.query import SchemeError
from yuqing.config.errors import AnalysisError
from yuqing.config.settings import AnalysisSettings, SchemeSettings, Settings, TierSettings

SCHEMES = [
    SchemeSettings(name="交通局", query='(交通局 OR 交通运输局 OR "交通 局长") NOT 招聘'),
    SchemeSettings(name="医院", query="人民医院 OR 卫健委"),
]


def settings(**kwargs: object) -> Settings:
    return Settings(analysis=AnalysisSettings(model="snownlp"), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(settings(schemes=SCHEMES))


def test_a_complaint_is_relevant_negative_problem(analyzer: Analyzer) -> None:
    result = analyzer.analyze("市交通運輸局推諉不作為", "網友投訴東站出租車拒載繞路，交通運輸局推諉扯皮，問題屢禁不止，太氣人了！")
    assert result.schemes == ["交通局"] and result.relevant
    assert result.negative and result.negativity >= 0.5
    assert result.category == "problem"
    assert result.guidance == "及时致歉叫停,后续整改到位"
    assert "交通运输局" in result.keywords  # the user dictionary keeps it whole


def test_schemes_decide_relevance(analyzer: Analyzer) -> None:
    assert not analyzer.analyze("交通局2024年公开招聘公告").relevant
    assert analyzer.analyze("@交通运输局 东站拒载谁来管").schemes == ["交通局"]
    assert analyzer.analyze("市第一人民医院", "卫健委通报").schemes == ["医院"]


def test_with_no_scheme_every_post_is_relevant() -> None:
    result = Analyzer(settings()).analyze("小区门口道路积水")
    assert result.relevant and result.schemes == []


def test_threshold_comes_from_tiers_when_set() -> None:
    strict = Analyzer(settings(tiers=TierSettings(negative_threshold=1.0)))
    lenient = Analyzer(settings(tiers=TierSettings(negative_threshold=0.0)))
    text = "医院停车场乱收费，投诉无人理"
    assert strict.analyze(text).negativity == lenient.analyze(text).negativity
    assert not strict.analyze(text).negative and lenient.analyze(text).negative
    assert strict.version != lenient.version


def test_analyze_many_matches_analyze(analyzer: Analyzer) -> None:
    posts = [("沪昆高速追尾事故致2死5伤", "伤者已送医"), ("建议增设红绿灯", ""), ("", "交通局回应")]
    assert analyzer.analyze_many(posts) == [analyzer.analyze(t, b) for t, b in posts]


def test_version_follows_model_schemes_and_rules() -> None:
    base = Analyzer(settings(schemes=SCHEMES)).version
    assert base.startswith("snownlp-default+") and len(base) <= 64
    assert Analyzer(settings(schemes=SCHEMES)).version == base
    assert Analyzer(settings(schemes=SCHEMES[:1])).version != base
    other_rules = Settings(analysis=AnalysisSettings(model="snownlp", categories={"rumour": {"keywords": ["据悉"]}}),
                           schemes=SCHEMES)
    assert Analyzer(other_rules).version != base


def test_a_bad_scheme_names_itself() -> None:
    with pytest.raises(SchemeError) as caught:
        Analyzer(settings(schemes=[SchemeSettings(name="坏方案", query="交通局 AND (投诉")]))
    assert "scheme '坏方案'" in str(caught.value) and caught.value.position == 8


def test_missing_model_file_is_a_clear_analysis_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(sentiment, "MODEL_PATH", tmp_path / "sentiment.npz")
    monkeypatch.setattr(sentiment, "_default", [])
    with pytest.raises(AnalysisError) as caught:
        load_scorer(Settings())
    message = str(caught.value)
    assert "missing" in message and "python -m yuqing.analysis.train_sentiment" in message
    assert str(tmp_path / "sentiment.npz") in message


def test_join_text_does_not_repeat_the_title() -> None:
    assert join_text("标题", "标题：正文") == "标题：正文"
    assert join_text("标题", "正文") == "标题\n正文"
    assert join_text(" 标题 ", "") == "标题"
