"""Categories (docs/spec.md §4): weighted rules per category, configured keywords, guidance."""

from __future__ import annotations

import pytest

from yuqing.analysis.categories import FRESH_INCIDENT_WEIGHT, Categorizer
from yuqing.analysis.query import SchemeError
from yuqing.analysis.text import fold_text
from yuqing.config.settings import AnalysisSettings, CategorySettings


@pytest.fixture(scope="module")
def categorizer() -> Categorizer:
    return Categorizer()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("沪昆高速贵阳段发生多车追尾事故致2死5伤", "emergency"),
        ("城南一居民楼突发大火，消防正在救援", "emergency"),
        ("某小学多名学生食物中毒送医", "emergency"),
        ("郑州东站出租车拒载绕路问题屡禁不止", "problem"),
        ("小区物业乱收费，业主多次投诉无果", "problem"),
        ("网传地铁3号线将停运？官方辟谣：系谣言", "rumour"),
        ("有人造谣称自来水有毒，警方已介入", "rumour"),
        ("某局长酒驾撞人后逃逸", "sensitive"),
        ("某医院医生收受红包被曝光", "sensitive"),
        ("政务平台泄露个人信息，市民隐私遭曝光", "sensitive"),
        ("强烈建议在学校门口增设红绿灯", "suggestion"),
        ("这件事太让人失望了", "problem"),  # negative without evidence: the default
        ("網傳地鐵停運系謠言", "rumour"),  # Traditional text is folded first
    ],
)
def test_negative_posts_get_the_category_their_words_show(categorizer, text: str, category: str) -> None:
    assert categorizer.categorize(fold_text(text), negative=True) == category


@pytest.mark.parametrize(("text", "fresh"), [
    ("今早某路口渣土车撞倒一名学生，现场无人疏导", True),
    ("昨晚小区电梯突然下坠，三人受伤，物业至今不露面", True),
    ("凌晨两点，东湖路一家饭店起火", True),
    ("小区消防通道被堵，万一失火后果不堪设想", False),  # a hazard: nothing happened
    ("此路段去年已发生多起事故，盲弯无警示牌，请尽快整改", False),  # past accidents cited in a request
    ("昨天去办事，窗口说系统故障。三号楼去年起火后至今没修", False),  # recency and harm in different clauses
])
def test_a_fresh_incident_is_read_from_recency_and_harm_in_one_clause(categorizer, text: str, fresh: bool) -> None:
    scores = Categorizer({}).scores(fold_text(text), only="emergency")
    assert (scores["emergency"] >= FRESH_INCIDENT_WEIGHT) == fresh, scores
    if fresh:  # strong enough to beat the trained model's certainty that it is a plain problem
        odds = {"problem": 0.9, "suggestion": 0.05, "sensitive": 0.05, "emergency": 0.0, "rumour": 0.0}
        assert categorizer.categorize(fold_text(text), True, odds) == "emergency"


def test_non_negative_posts_get_a_category_only_when_they_suggest(categorizer) -> None:
    assert categorizer.categorize(fold_text("建议延长地铁末班车时间"), negative=False) == "suggestion"
    assert categorizer.categorize(fold_text("市交通局召开安全生产会议"), negative=False) is None
    assert categorizer.categorize(fold_text("应该是下雨了"), negative=False) is None  # too weak


def test_a_complaint_ending_in_a_wish_stays_a_problem(categorizer) -> None:
    assert categorizer.categorize(fold_text("出租车拒载，希望尽快处理"), negative=True) == "problem"
    assert categorizer.categorize(fold_text("路灯坏了，建议尽快维修"), negative=True) == "suggestion"


def test_hearsay_is_a_rumour_unless_the_facts_weigh_more(categorizer) -> None:
    assert categorizer.categorize(fold_text("听说明年农村养老金要取消了，是不是真的"), negative=True) == "rumour"
    assert categorizer.categorize(fold_text("网传某高铁站发生爆炸"), negative=True) == "rumour"
    assert categorizer.categorize(fold_text("网传某地发生爆炸致3死"), negative=True) == "emergency"


def test_ties_go_to_the_more_urgent_category() -> None:
    categorizer = Categorizer({"problem": ["火灾"]})  # problem and emergency both score 2.0
    assert categorizer.categorize(fold_text("仓库火灾"), negative=True) == "emergency"


def test_configured_keywords_extend_the_rules() -> None:
    settings = AnalysisSettings(categories={
        "sensitive": CategorySettings(keywords=["停车场 收费 /违规|违法/"]),
        "emergency": CategorySettings(keywords=['"燃气 泄露"']),
    })
    categorizer = Categorizer.from_settings(settings)
    assert categorizer.categorize(fold_text("医院停车场收费涉嫌违规"), negative=True) == "sensitive"
    assert Categorizer().categorize(fold_text("医院停车场收费涉嫌违规"), negative=True) == "problem"
    result = categorizer.explain(fold_text("小区燃气，泄露了"), negative=True)
    assert result.category == "emergency" and result.hits["emergency"] == ['"燃气 泄露"']
    assert categorizer.fingerprint != Categorizer().fingerprint


def test_a_bad_configured_keyword_names_its_key() -> None:
    with pytest.raises(SchemeError) as caught:
        Categorizer({"rumour": ["谣言", "(造谣"]})
    assert "analysis.categories.rumour.keywords[1]" in str(caught.value)
    assert caught.value.position == 0


def test_explain_shows_scores_and_found_terms(categorizer) -> None:
    result = categorizer.explain(fold_text("追尾事故致3人受伤"), negative=True)
    assert result.category == "emergency"
    assert result.scores["emergency"] >= 3.5 and result.scores["rumour"] == 0.0
    assert "事故" in result.hits["emergency"] and "rumour" not in result.hits


def test_guidance_comes_from_settings() -> None:
    assert AnalysisSettings().guidance("emergency") == "赶赴现场调查,两小时内通过媒体发布事实"
    own = AnalysisSettings(categories={"rumour": CategorySettings(guidance="立即报告宣传部")})
    assert own.guidance("rumour") == "立即报告宣传部"
