"""Analysis stage, text: raw post text → normalised text (words and keywords: `analysis.tokens`).

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
