"""Analysis stage, text: raw post text → normalised text (words and keywords: `analysis.tokens`),
query text (`fold_text`) and statement text (`statement_text`): every fold in one place.

Pure and shared by every analysis step; the t2s tables load on first use.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

# Sentiment placeholders: ASCII words, so jieba (analysis.tokens) keeps each as one token and the
# sentiment featuriser sees one unit.
EMO_NEG = "EMONEG"
EMO_POS = "EMOPOS"
PLACEHOLDERS = frozenset({EMO_NEG, EMO_POS})

_NEG_CODES = (
    "怒 怒骂 抓狂 泪 衰 悲伤 伤心 心碎 失望 委屈 可怜 生病 鄙视 哼 左哼哼 右哼哼 吐 晕 汗"
    " 弱 黑线 白眼 惊恐 闭嘴 打脸 崩溃 费解 拜拜 蜡烛 哭 大哭 泪奔 怒火 愤怒 no 不要"
)
_POS_CODES = (
    "哈哈 嘻嘻 笑哈哈 爱你 心 鼓掌 赞 赞啊 给力 威武 good 好 太开心 耶 鲜花 礼物 蛋糕 可爱 亲亲"
    " 花心 酷 偷笑 馋嘴 太阳 握手 加油 ok 好棒 好爱哦 点赞 庆祝 奥特曼 兔子 熊猫 笑cry"
)
_EMOJI_CODE = {c: EMO_NEG for c in _NEG_CODES.split()} | {c: EMO_POS for c in _POS_CODES.split()}
_NEG_EMOJI = "😡😠🤬😭😢💔👎😤😞😔😩😫😰😱🙄😒🤮😖😣😥🕯"
_POS_EMOJI = "👍😊😄😁😃😀❤💕💖🌹👏💪🎉🙏😍🥰🤗✌🌸💐🎊"
_EMOJI_CHAR = {c: EMO_NEG for c in _NEG_EMOJI} | {c: EMO_POS for c in _POS_EMOJI}

_TAG_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]{0,2000}>", re.S | re.I)
_REPOST_RE = re.compile(r"//\s*@[\w\-]{1,30}\s*:")
_REPLY_RE = re.compile(r"^\s*(?:回复\s*@[\w\-]{1,30}\s*:|转发微博)")
_URL_RE = re.compile(
    r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+|\bt\.cn/[A-Za-z0-9]+|O?网页链接"
)
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_.])@([\w\-]{1,30})")
_CODE_RE = re.compile(r"\[([^\[\]\s]{1,6})\]")
_EMOJI_RE = re.compile(
    "[" + "".join(_EMOJI_CHAR) + "]|[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]"
    "|[\ufe0f\ufe0e\u200b-\u200d\u2060\ufeff]"
)
_SPACE_RE = re.compile(r"\s+")

@cache
def _t2s_tables() -> tuple[frozenset[str], Any]:
    """Load zhconv once: the set of Traditional-only characters and its convert()."""
    import zhconv

    table = zhconv.zhconv.getdict("zh-cn")
    trad = frozenset(k for k, v in table.items() if len(k) == 1 and k != v)
    return trad, zhconv.convert


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese to Simplified; text without Traditional chars is kept."""
    trad, convert = _t2s_tables()
    # zhconv's phrase table also rewrites some Simplified text (要么女生 → 要幺女生),
    # and it costs ~20 µs a post: only run it when a Traditional character is present.
    if trad.isdisjoint(text):
        return text
    return convert(text, "zh-cn")


def fold_width_and_script(text: str) -> str:
    """Half-width (NFKC) and Simplified: the folding every analysis text path starts with."""
    if text.isascii():  # NFKC and t2s leave ASCII as it is
        return text
    return to_simplified(unicodedata.normalize("NFKC", text))


def _emoji_code(match: re.Match[str]) -> str:
    """Map a `[怒]`-style code to a sentiment placeholder, keep unknown brackets."""
    token = _EMOJI_CODE.get(match.group(1).lower())
    return f" {token} " if token else match.group(0)


def _emoji_char(match: re.Match[str]) -> str:
    """Map a real emoji to a sentiment placeholder, drop the rest."""
    token = _EMOJI_CHAR.get(match.group(0))
    return f" {token} " if token else ""


def strip_html(text: str) -> str:
    """Remove HTML tags, comments and scripts, and decode entities."""
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def extract_mentions(text: str) -> list[str]:
    """Return the @names in a raw post (official accounts matter to schemes)."""
    return _MENTION_RE.findall(unicodedata.normalize("NFKC", text))


def normalize(text: str) -> str:
    """Return post text cleaned for analysis: no HTML/URLs/@s, half-width, Simplified."""
    # Full-width ASCII forms (incl. ，：！？（）) become ASCII; 。、《》「」【】“” stay.
    text = fold_width_and_script(strip_html(text))
    text = _REPOST_RE.sub(" // ", text)
    text = _REPLY_RE.sub(" ", text)
    if "." in text or "链接" in text:
        text = _URL_RE.sub(" ", text)
    if "@" in text:
        text = _MENTION_RE.sub(" ", text)
    if "[" in text:
        text = _CODE_RE.sub(_emoji_code, text)
    if not text.isascii():
        text = _EMOJI_RE.sub(_emoji_char, text)
    return _SPACE_RE.sub(" ", text).strip()


@cache
def load_stopwords() -> frozenset[str]:
    """Return the shipped stopword list."""
    lines = STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip())


# Query text: what schemes and category rules match (`query.py`).

def fold_text(text: str) -> str:
    """Return text as queries see it: no HTML, half-width, Simplified, case-folded."""
    return fold_width_and_script(strip_html(text)).casefold()


def fold_word(word: str) -> str:
    """Fold one query word the way `fold_text` folds post text."""
    return fold_width_and_script(word).casefold()


# Statement text: what stories compare (`similarity.py`, `stories.py`).

# (trigger, pattern): a pattern is tried only when its trigger occurs, as most posts carry none.
_BOILERPLATE = [
    (trigger, re.compile(pattern, re.M))
    for trigger, pattern in (
        ("转", r"[【\[(]\s*(?:转|转载|转帖|转发|原创|转自[^】\]\)\n]{0,20})\s*[】\])]"),
        ("转", r"^\s*(?:转发|转载|转帖)(?:微博|理由)?(?:自[^:\n]{0,20})?\s*:"),
        ("转", r"^\s*(?:转发|转载|转帖)\s"),
        ("转自", r"转自[^:\n。!?]{0,20}:"),
        ("转自", r"转自[^\n。!?]{0,20}$"),
        ("转", r"(?:转发|转载)于?\s*$"),
        ("@", r"//\s*@[^:\s]{1,30}\s*:"),
        ("原标题", r"原标题\s*:"),
        (":", r"(?:网曝|网传|爆料)\s*:"),
        ("来源", r"^\s*(?:文章|本文|信息|消息)?来源\s*:.*$"),
        ("来源", r"[(]\s*来源\s*:[^)\n]{0,40}[)]"),
        (":", r"^\s*(?:责任编辑|编辑|责编|原文链接|原文地址)\s*:.*$"),
    )
]
_NOT_WORD = re.compile(r"[\W_]+")


def strip_boilerplate(text: str) -> str:
    """Remove repost markers, quoted-user prefixes, 原标题/来源/编辑 lines; keep the statement."""
    for trigger, pattern in _BOILERPLATE:
        if trigger in text:
            text = pattern.sub(" ", text)
    return text


# Where a statement's text is cut into segments (lines and sentences), after NFKC folding.
_SEGMENT_END = re.compile(r"[\n\r。!?;!?;…|]+")


def fold_statement(text: str) -> str:
    """NFKC, Simplified, lower case; boilerplate, punctuation and spaces removed."""
    return _NOT_WORD.sub("", strip_boilerplate(fold_width_and_script(text)).lower())


def fold_segments(text: str) -> list[str]:
    """`fold_statement(text)` cut at line and sentence ends: the non-empty folded segments, in order
    (joined, they are exactly `fold_statement(text)`)."""
    folded = strip_boilerplate(fold_width_and_script(text)).lower()
    return [piece for piece in (_NOT_WORD.sub("", part) for part in _SEGMENT_END.split(folded)) if piece]


def statement_parts(title: str, body: str) -> tuple[str, list[str]]:
    """A post's folded title and its body's folded segments; no title when the body starts with it."""
    folded_title, segments = fold_statement(title or ""), fold_segments(body or "")
    if folded_title and "".join(segments).startswith(folded_title):
        return "", segments
    return folded_title, segments


def statement_text(title: str, body: str) -> str:
    """The folded text that identifies a post's statement: its title, then its body."""
    folded_title, folded_body = fold_statement(title or ""), fold_statement(body or "")
    if folded_title and folded_body.startswith(folded_title):
        return folded_body
    return folded_title + folded_body


def clean_title(title: str, body: str = "", limit: int = 60) -> str:
    """A display title without repost markers; the body's start when there is no title."""
    text = " ".join(strip_boilerplate(unicodedata.normalize("NFKC", title or "")).split())
    if not text:
        text = " ".join(strip_boilerplate(unicodedata.normalize("NFKC", body or "")).split())
    return text[:limit]
