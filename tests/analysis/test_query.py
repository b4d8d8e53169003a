"""The scheme query language: precedence, phrases, regex, folding, and errors with positions."""

from __future__ import annotations

import pytest

from yuqing.analysis.query import And, Leaf, Not, Or, SchemeError, parse_query, tokenize_query
from yuqing.analysis.text import fold_text
from yuqing.config.errors import AnalysisError, ConfigError


def matches(query: str, text: str) -> bool:
    return parse_query(query).matches(fold_text(text))


def shape(node: object) -> object:
    """The tree as nested tuples of operator names and term sources, for readable asserts."""
    if isinstance(node, Leaf):
        return node.source
    if isinstance(node, Not):
        return ("NOT", shape(node.operand))
    assert isinstance(node, And)
    return ("OR" if isinstance(node, Or) else "AND", *(shape(o) for o in node.operands))


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("a OR b AND c", ("OR", "a", ("AND", "b", "c"))),
        ("a AND b OR c", ("OR", ("AND", "a", "b"), "c")),
        ("NOT a AND b", ("AND", ("NOT", "a"), "b")),
        ("NOT a OR b", ("OR", ("NOT", "a"), "b")),
        ("a b OR c", ("OR", ("AND", "a", "b"), "c")),
        ("(a OR b) c", ("AND", ("OR", "a", "b"), "c")),
        ("交通局 投诉 NOT 招聘", ("AND", "交通局", "投诉", ("NOT", "招聘"))),
        ("NOT NOT a", ("NOT", ("NOT", "a"))),
        ("（交通局 OR 公交）投诉", ("AND", ("OR", "交通局", "公交"), "投诉")),
    ],
)
def test_precedence_is_not_then_and_then_or(query: str, tree: object) -> None:
    assert shape(parse_query(query).root) == tree


def test_precedence_decides_what_matches() -> None:
    assert matches("交通局 OR 公安局 投诉", "交通局发布通知")  # OR binds loosest
    assert not matches("(交通局 OR 公安局) 投诉", "交通局发布通知")
    assert matches("(交通局 OR 公安局) 投诉", "网友投诉公安局")
    assert not matches("交通局 NOT 招聘", "交通局2024年招聘公告")
    assert matches("交通局 NOT 招聘", "交通局回应拒载投诉")
    assert matches("NOT 招聘 OR 交通局", "交通局招聘")  # (NOT 招聘) OR 交通局


def test_lowercase_operators_are_terms() -> None:
    assert shape(parse_query("cats and dogs").root) == ("AND", "cats", "and", "dogs")


def test_phrase_words_may_be_split_only_by_space_and_punctuation() -> None:
    query = '"交通 局长"'
    assert matches(query, "市交通局长回应")
    assert matches(query, "交通,局长回应")
    assert matches(query, "交通 —— 局长")
    assert not matches(query, "交通运输局局长")
    assert not matches(query, "局长 交通")


def test_phrase_keeps_operators_and_parentheses_literal() -> None:
    assert matches('"AND (1)"', "rock and (1) roll")
    assert not matches('"AND (1)"', "and 1")


def test_curly_quotes_open_and_close_phrases() -> None:
    assert shape(parse_query("“交通 局长” 辞职").root) == ("AND", '"交通 局长"', "辞职")


def test_regex_matches_folded_text_case_insensitively() -> None:
    assert matches(r"/致\d+死/", "沪昆高速追尾致2死5伤")
    assert not matches(r"/致\d+死/", "沪昆高速追尾致多人受伤")
    assert matches("/G\\d{2,4}高速/", "g60高速拥堵")
    assert matches(r"/a\/b/", "path a/b here")


def test_regex_is_compiled_once() -> None:
    query = parse_query(r"/致\d+死/ OR 爆炸")
    leaf = query.root.operands[0]
    assert leaf.pattern is not None and leaf.pattern is query.root.operands[0].pattern


def test_traditional_and_full_width_posts_match_simplified_schemes() -> None:
    assert matches("交通运输局 投诉", "市交通運輸局遭市民投訴")
    assert matches('"交通 局长"', "交通局長回應")
    assert matches("12345热线", "撥打１２３４５熱線無人接聽")
    assert matches("wifi", "地铁ＷｉＦｉ收费")


def test_traditional_scheme_matches_simplified_post() -> None:
    assert matches("交通運輸局", "交通运输局回应")


def test_ascii_terms_match_whole_words_only() -> None:
    assert matches("AI 诈骗", "警惕ai换脸诈骗")
    assert not matches("ai", "he said so")
    assert matches("5G", "5g基站辐射传言")
    assert not matches("5G", "15g流量")


def test_html_in_posts_is_ignored() -> None:
    assert not matches("span", "<span>交通局</span>")
    assert matches("交通局 投诉", "<p>交通局</p><b>投诉</b>")


def test_explain_lists_found_terms_and_terms_that_blocked_a_match() -> None:
    query = parse_query('(交通局 OR 交通运输局 OR "交通 局长") NOT 招聘')
    found = query.explain(fold_text("交通运输局局长招聘"))
    assert (found.matched, found.hits, found.blocked) == (False, ["交通运输局"], ["招聘"])
    found = query.explain(fold_text("交通局回应：交通 局长已到场"))
    assert (found.matched, found.hits, found.blocked) == (True, ["交通局", '"交通 局长"'], [])


def test_words_are_folded_for_the_user_dictionary() -> None:
    assert parse_query('交通運輸局 OR "市 公安局" OR /x+/').words() == ["交通运输局", "市", "公安局"]


@pytest.mark.parametrize(
    ("query", "position", "reason"),
    [
        ("", 0, "empty"),
        ("   ", 3, "empty"),
        ("(交通局 OR 公安局", 0, "never closed"),
        ("交通局 OR", 6, "ends after 'OR'"),
        ("OR 交通局", 0, "OR needs a term before it"),
        ("交通局 AND AND 投诉", 8, "AND must be followed by a term, not AND"),
        ("交通局 NOT", 7, "ends after 'NOT'"),
        ("交通局 )", 4, 'no matching "("'),
        ("交通局 ()", 4, "empty parentheses"),
        ('交通局 "投诉', 4, "never closed"),
        ('交通局 ""', 4, "phrase is empty"),
        ("交通局 /[0-9/", 5, "bad regular expression"),
        ("交通局 /a(b/", 6, "bad regular expression"),
        ("交通局 /abc", 4, "never closed"),
        ("交通局 //", 4, "is empty"),
        ("交通局”", 3, "never opened"),
    ],
)
def test_errors_point_at_the_position(query: str, position: int, reason: str) -> None:
    with pytest.raises(SchemeError) as caught:
        parse_query(query)
    error = caught.value
    assert error.position == position
    assert reason in str(error)
    assert f"column {position + 1}" in str(error)


def test_error_caret_lines_up_under_wide_characters() -> None:
    with pytest.raises(SchemeError) as caught:
        parse_query("交通局 OR")
    lines = str(caught.value).splitlines()
    assert lines[1] == "    交通局 OR"
    assert lines[2] == "    " + " " * 9 + "^"  # 3 CJK characters take 6 columns, then " OR"


def test_scheme_error_is_a_config_and_analysis_error() -> None:
    with pytest.raises(SchemeError) as caught:
        parse_query("(a")
    assert isinstance(caught.value, ConfigError) and isinstance(caught.value, AnalysisError)
    assert str(caught.value.located("scheme '交通'")).startswith("scheme '交通': ")


def test_tokens_carry_their_positions() -> None:
    kinds = [(t.kind, t.position) for t in tokenize_query('a "b c" /d/ (NOT e)')]
    assert kinds == [("TERM", 0), ("PHRASE", 2), ("REGEX", 8), ("(", 12), ("NOT", 13),
                     ("TERM", 17), (")", 18), ("END", 19)]
