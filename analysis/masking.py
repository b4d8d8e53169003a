"""Analysis stage, masking: normalised text → the same text with every name replaced by one mark.

Names of organisations, places and people, and the schemes' own terms, carry no sentiment: the
sentiment model and the category model only ever see `NAME` in their place, in training and in
scoring alike, so a verdict cannot depend on whom a post names.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from yuqing.analysis.categories import Categorizer
from yuqing.analysis.tokens import read_user_dictionary, register_words

NAME = "\ue002"  # one private-use character: one unit for the char n-grams, one token for words
# Gendered forms of address ("张先生", "李女士", "王大妈") all become one mark: whether a post is
# written by or about a man or a woman carries no sentiment, and left visible "女士" and "先生"
# learned weights of their own (a swap moved a score by 0.022 at C 100).
ADDRESS = "\ue003"
_GENDERED = frozenset(["先生", "女士", "小姐", "阿姨", "大爷", "大妈", "大姐", "大哥", "大叔", "大婶"])
MAX_LEFT = 4  # name parts a head may take from its left ("A市" "交通" "运输" + "局")

# Anonymised and coded places (A市, A3区, B2县) and "张某"/"李某某"-style people.
_CODED_RE = re.compile(r"[A-Za-z][0-9]{0,3}(?:市|区|县|镇|乡|村|省|州)|[\u4e00-\u9fff]某某?(?![\u4e00-\u9fff])")
# "张先生", "李女士", "王师傅": a surname before a form of address is a person.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
)
_ADDRESS_RE = re.compile(f"[{_SURNAMES}](?=先生|女士|师傅|阿姨|大爷|大妈|小姐|同志)")
_CJK_RE = re.compile(r"^[\u4e00-\u9fff]+$")
_ALNUM_RE = re.compile(r"^[A-Za-z0-9]+$")

# A token ending in one of these is an organisation or place whatever precedes it.
_HEADS = tuple(["公司", "集团", "医院", "学校", "大学", "学院", "中学", "小学", "幼儿园", "派出所", "街道", "社区", "小区", "政府", "法院", "检察院", "银行", "物业", "委员会", "办事处", "管委会", "居委会", "村委会", "中心", "电视台", "报社", "分局", "支队", "大队", "中队", "卫生院", "管理处", "服务站", "开发商", "地产", "置业", "花园", "广场", "大厦", "商场", "车站", "高铁站", "火车站", "汽车站", "客运站", "机场", "景区", "园区", "开发区"])
# One-letter suffixes make a head only on a token jieba calls a name (or does not know), or right
# after a name part: "交通局", "卫健委", "A3区" but not "住院", "干部", "怎么办", "机会".
_SUFFIXES = frozenset("局委院厅办所站队处部会村镇乡区县市省州路街巷苑园城馆厂店行")
_NAME_TAGS = frozenset({"ns", "nt", "nz", "nr", "nrt", "nrfg", "j"})
_KEPT_TAGS = _NAME_TAGS | {"s"}  # only these tags are kept in memory (all of jieba's would take 90 MB)
# Generic words inside organisation names ("市场监督管理局", "第一人民医院").
_NAME_PARTS = frozenset(["市", "区", "县", "镇", "乡", "村", "省", "国家", "中国", "中华", "全国", "人民", "交通", "运输", "公交", "客运", "市场", "监督", "监管", "管理", "卫生", "健康", "卫健", "教育", "公安", "供电", "电力", "电网", "供水", "水务", "燃气", "自来水", "城市", "城管", "环境", "生态", "环保", "住房", "住建", "建设", "税务", "财政", "民政", "通信", "移动", "联通", "电信", "邮政", "铁路", "地铁", "轨道", "高铁", "航空", "物流", "快递", "房地产", "开发", "物业", "服务", "社会", "保障", "人力资源", "人社", "医疗", "医保", "中医", "妇幼", "儿童", "口腔", "附属", "第一", "第二", "第三", "实验", "外国语", "职业", "技术", "师范", "科技", "理工", "信息", "农业", "农村", "林业", "商务", "文化", "旅游", "体育", "应急", "消防", "司法", "城乡", "规划", "自然资源", "国土", "园林", "绿化", "环卫", "市政", "工程", "建筑", "工业", "产业", "新区", "街道", "社区", "中心", "发展", "改革", "信访", "审批", "行政", "综合", "执法", "热线", "政务", "投资", "控股"])
_TITLES = frozenset(
    ["书记", "局长", "市长", "区长", "县长", "镇长", "乡长", "村长", "主任", "处长", "科长", "所长", "院长", "校长", "厅长", "部长", "省长", "委员", "代表", "经理", "总经理", "董事长", "老师", "医生", "护士", "警官", "同志", "先生", "女士", "师傅", "记者"]
)

# jieba glues a head to the person after it ("实验" + "中学老师", "第一" + "小学校长"): such a word is
# cut in two, so the head masks with the name parts before it and the person's word stays.
_AFTER_HEAD = _TITLES | frozenset(["教师", "学生", "家长", "领导", "员工", "职工", "民警", "保安", "教授", "工作人员"])
_HEAD_PREFIXES = frozenset(h for h in _HEADS if len(h) in (2, 3))


def _split_glued(words: list[str]) -> list[str]:
    """The words with each head-plus-person word ("中学老师") cut into its head and person."""
    out: list[str] = []
    for word in words:
        if len(word) > 3:
            for size in (2, 3):
                if word[:size] in _HEAD_PREFIXES and word[size:] in _AFTER_HEAD:
                    out += (word[:size], word[size:])
                    break
            else:
                out.append(word)
        else:
            out.append(word)
    return out


@cache
def _name_tags() -> dict[str, str]:
    """jieba's dictionary words tagged as names or places (read once, without importing jieba)."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("jieba is not installed")
    tags: dict[str, str] = {}
    with (Path(spec.origin).parent / "dict.txt").open(encoding="utf-8") as lines:  # line by line: 5 MB
        for line in lines:
            parts = line.split(" ")
            tag = parts[-1].strip()
            if len(parts) == 3 and tag in _KEPT_TAGS:
                tags[parts[0]] = sys.intern(tag)
    return tags


class Masker:
    """Replaces organisation, place and person names (and given terms) with `NAME`."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self._names = _name_tags()
        self.terms: frozenset[str] = frozenset()
        # A configured term is a name unless jieba knows it as an ordinary word: a scheme
        # "交通局 AND (投诉 OR 拒载)" masks 交通局, never 投诉 or 拒载.
        named = [t for t in terms if self._is_head(t) or self._tag(t) in _NAME_TAGS | {"?"}]
        self.terms = frozenset(t for t in (*read_user_dictionary(), *named) if len(t) > 1)
        # The analyzer registers the category rules' words with jieba: so does training, so that
        # both cut text the same way.
        register_words([*self.terms, *Categorizer().words()])

    def tokens(self, text: str) -> list[str]:
        """Cut normalised text into jieba words with every name run replaced by one `NAME`."""
        import rjieba

        words = _split_glued(rjieba.cut(_ADDRESS_RE.sub(NAME, _CODED_RE.sub(NAME, text))))
        named = [self._is_head(w) for w in words]
        for i, word in enumerate(words):
            if not named[i] and word in _TITLES and i and self._is_person(words[i - 1]):
                named[i - 1] = True  # "胡华衡书记": the name goes, the title stays
        for i in range(len(words)):
            if named[i] or (words[i] in _SUFFIXES and i and self._is_part(words[i - 1])):
                named[i] = True
                j = i - 1
                while j >= 0 and i - j <= MAX_LEFT and not named[j] and self._is_part(words[j]):
                    named[j] = True
                    j -= 1
        out: list[str] = []
        for word, is_name in zip(words, named, strict=True):
            if is_name:
                if not out or out[-1] != NAME:
                    out.append(NAME)
            else:
                out.append(ADDRESS if word in _GENDERED else word)
        return out

    def mask(self, text: str) -> str:
        """Return normalised text with names replaced by `NAME`."""
        return "".join(self.tokens(text))

    def _tag(self, word: str) -> str:
        """A word's jieba tag if it is a name or place, "?" if jieba does not know it, else ""."""
        import rjieba

        return self._names.get(word) or ("" if rjieba.has_word(word) else "?")

    def _is_head(self, word: str) -> bool:
        if word == NAME or word in self.terms:
            return True
        if len(word) < 2 or not _CJK_RE.match(word):
            return False
        if word.endswith(_HEADS) or self._tag(word) in ("ns", "nt"):
            return True
        return word[-1] in _SUFFIXES and self._tag(word) in _NAME_TAGS | {"?"}

    def _is_part(self, word: str) -> bool:
        if word == NAME or word in _NAME_PARTS or _ALNUM_RE.match(word):
            return True
        return bool(_CJK_RE.match(word)) and self._tag(word) in ("ns", "nt", "nr", "nrt", "j", "s", "?")

    def _is_person(self, word: str) -> bool:
        return word == NAME or (1 <= len(word) <= 3 and bool(_CJK_RE.match(word))
                                and self._tag(word) in ("nr", "nrt", "nrfg", "?"))


_lock = threading.Lock()
_maskers: dict[frozenset[str], Masker] = {}


def get_masker(terms: Iterable[str] = ()) -> Masker:
    """Return a shared Masker for these extra terms (built once per process per term set)."""
    key = frozenset(terms)
    with _lock:
        if key not in _maskers:
            _maskers[key] = Masker(key)
        return _maskers[key]
