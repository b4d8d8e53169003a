"""Tokens: the project dictionary keeps organisations whole; keywords by jieba's TF-IDF."""

from __future__ import annotations

from yuqing.analysis.text import EMO_NEG, load_stopwords, normalize
from yuqing.analysis.tokens import USERDICT_PATH, cut, read_user_dictionary, register_words, top_keywords


def test_the_user_dictionary_lists_organisations_and_places() -> None:
    words = read_user_dictionary()
    assert len(words) == len(set(words)) > 300
    for word in ("交通运输局", "卫健委", "市场监督管理局", "派出所", "人民医院", "实验小学", "浦东新区", "郑州"):
        assert word in words
    assert not any(line.startswith(" ") for line in USERDICT_PATH.read_text(encoding="utf-8").splitlines())


def test_registered_words_stay_one_token() -> None:
    assert "甲乙丙丁局" not in cut("区甲乙丙丁局通报")
    register_words([*read_user_dictionary(), "甲乙丙丁局"])
    assert "甲乙丙丁局" in cut("区甲乙丙丁局通报")
    assert cut("市交通运输局回应投诉") == ["市", "交通运输局", "回应", "投诉"]
    assert "市场监督管理局" in cut("区市场监督管理局通报")
    assert register_words(["交通运输局", "甲乙丙丁局"]) == 0  # once per process


def test_cut_drops_punctuation_spaces_and_stopwords() -> None:
    words = cut(normalize("网友：出租车 拒载，绕路了！"))
    assert words == ["网友", "出租车", "拒载", "绕路"]
    assert not set(words) & load_stopwords()


def test_keywords_rank_distinctive_words_first() -> None:
    found = top_keywords(normalize("东站出租车拒载绕路，拒载问题屡禁不止。网友表示，今天又遇到拒载。"), 3)
    assert found[0] == "拒载" and len(found) == 3
    assert "今天" not in found and "网友" not in found


def test_keywords_skip_numbers_and_single_characters() -> None:
    assert top_keywords("2024 年 12 月 致 3 死 …… 12.5", 5) == []
    assert top_keywords(normalize("[怒][怒] 😡"), 5) == []  # sentiment placeholders are no keywords


def test_cut_keeps_content_words_of_normalised_text() -> None:
    words = cut(normalize("市人社局发布了2024年养老金调整通知，请大家注意！"))
    assert "了" not in words and "," not in words and "!" not in words
    assert "养老金" in words and "通知" in words


def test_configured_words_are_folded_like_post_text() -> None:
    assert "东湖路街道办" not in cut(normalize("東湖路街道办回应"))
    assert register_words(["東湖路街道办", "东湖路街道办 "]) == 1  # one word once folded
    assert "东湖路街道办" in cut(normalize("東湖路街道办回应"))


def test_keywords_of_a_post() -> None:
    text = normalize("城管暴力执法掀翻老人菜摊，城管部门回应称涉事城管已停职，视频引发众怒[怒]")
    keywords = top_keywords(text, 3)
    assert len(keywords) == 3
    assert "城管" in keywords
    assert all(k.lower() != EMO_NEG.lower() for k in keywords)
