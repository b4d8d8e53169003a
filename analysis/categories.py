"""Analysis stage, categories (类型, docs/spec.md §4): folded post text + negative flag → category id.

Pure. Each category has weighted rules written in the scheme query language; configured
`analysis.categories.<id>.keywords` add rules. The highest score wins; ties go to the more urgent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from yuqing.analysis.query import Query, SchemeError, parse_query
from yuqing.config.settings import AnalysisSettings

# Ties go to the category whose guidance is the most urgent to follow.
PRIORITY = ("emergency", "rumour", "sensitive", "problem", "suggestion")
DEFAULT_NEGATIVE = "problem"
MIN_SCORE = 1.0  # a category needs at least this much evidence to beat the default
# A complaint often ends with "希望尽快处理": only an explicit suggestion makes it one.
MIN_NEGATIVE_SUGGESTION = 2.0
CONFIGURED_WEIGHT = 2.0  # an operator's keyword counts as a strong signal
# The trained model's probability (analysis.sentiment, on masked text) counts like this many rule
# points: it decides unless the rules find strong evidence (measured on held-out real complaints).
MODEL_WEIGHT = 10.0

_OFFICIAL = (
    "(官员 OR 书记 OR 主任 OR 干部 OR 领导 OR 公职人员 OR 公务员 OR 民警 OR 警察 OR 辅警 OR 交警 OR 城管"
    " OR 执法人员 OR 村支书 OR 人大代表 OR 政协委员 OR 辅导员 OR 医生 OR 教师 OR 老师 OR 穿制服 OR 警员"
    " OR 网格员 OR 工作人员 OR 社区工作者 OR 街道办"
    r" OR /[局处科所乡镇县市区厅院校队]长/)"
)
_MISCONDUCT = (
    "(违纪 OR 违规 OR 受贿 OR 行贿 OR 索贿 OR 收受 OR 收礼 OR 红包 OR 回扣 OR 贪污 OR 腐败 OR 侵吞 OR 挪用"
    " OR 打人 OR 殴打 OR 动手 OR 掀翻 OR 拖出 OR 按在地上 OR 特权 OR 特殊化 OR 包养 OR 吃空饷 OR 公款 OR 公帑"
    " OR 公车私用 OR 酒驾 OR 醉驾 OR 酒后驾驶 OR 嫖娼 OR 赌博 OR 打麻将 OR 滥用职权 OR 以权谋私 OR 不雅"
    " OR 威胁 OR 辱骂 OR 骂 OR 歧视 OR 性骚扰 OR 猥亵 OR 体罚 OR 强拆 OR 打击报复 OR 横行霸道 OR 保护费"
    " OR 名表 OR 豪车 OR 茅台 OR 摆拍 OR 群众演员 OR 作秀 OR 形式主义 OR 处分 OR 停职 OR 问责 OR 插手"
    " OR 截留 OR 亲戚 OR 粗暴 OR 闹事 OR 素质 OR 强制 OR 删帖 OR 删除网帖 OR 喝多了 OR 索要)"
)

# An incident reported as just happened (docs/labelling.md: "a concrete incident that happened
# suddenly — just now or in the last days"): a word of recency and a harm in the same clause, with
# no "万一 / 一旦 / 隐患" making it a hazard that did not happen. Citizens' messages cite past
# accidents in requests far more often (those are problem or suggestion); this reads only the
# fresh ones, and weighs as much as the model's certainty (MODEL_WEIGHT, below): the guide takes the
# most urgent category when two fit. Matches 2 of the 3,055 training messages (bench/category_cv.py).
_RECENT = "刚才|刚刚|今天|今早|今晨|今晚|今日|昨天|昨晚|昨日|昨夜|前天|凌晨|此刻|当晚|正在"
_HYPOTHETICAL = "万一|一旦|如果|假如|差点|险些|隐患|可能|将会|以防|防止"
_HARM = ("起火|着火|失火|火灾|大火|爆炸|爆燃|坍塌|倒塌|垮塌|塌方|坠落|下坠|坠楼|受伤|伤亡|死亡|身亡|遇难|撞倒|撞伤"
         "|撞死|砸中|砸伤|中毒|被困|溺水|溺亡|车祸|追尾|侧翻|踩踏|持刀|砍伤|堵路|围堵")
FRESH_INCIDENT = f"/({_RECENT})(?:(?!{_HYPOTHETICAL})[^。!?;\\n]){{0,30}}({_HARM})/"
FRESH_INCIDENT_WEIGHT = 10.0

BUILTIN_RULES: dict[str, tuple[tuple[str, float], ...]] = {
    "emergency": (
        (FRESH_INCIDENT, FRESH_INCIDENT_WEIGHT),
        ("火灾 OR 起火 OR 着火 OR 失火 OR 大火 OR 爆炸 OR 爆燃 OR 坍塌 OR 倒塌 OR 塌方", 2.0),
        ("死亡 OR 身亡 OR 遇难 OR 丧生 OR 伤亡 OR 溺水 OR 溺亡 OR 中毒 OR 踩踏 OR 命案", 2.0),
        ("车祸 OR 侧翻 OR 坠楼 OR 持刀 OR 砍人 OR 地震 OR 泥石流 OR 山体滑坡 OR 群体性事件", 2.0),
        (r"/致\d+(人)?(死|伤|亡)/ OR /\d+人(死亡|受伤|遇难|失联|被困)/", 2.0),
        ("事故 OR 受伤 OR 追尾 OR 泄漏 OR 被困 OR 失联 OR 内涝 OR 洪水 OR 救援 OR 送医", 1.5),
        ("突发 OR 紧急 OR 疫情 OR 暴雨 OR 塌陷 OR 冒烟", 0.75),
    ),
    # 造谣诽谤类 covers unverified hearsay too: what the office answers with facts (辟谣, 澄清).
    "rumour": (
        ("谣言 OR 造谣 OR 诽谤 OR 不实信息 OR 虚假信息 OR 假消息 OR 虚假消息 OR 辟谣 OR 抹黑 OR 污蔑 OR 诬告", 2.5),
        ("网传 OR 网曝 OR 据传 OR 传言 OR 传闻 OR 据说 OR 听说 OR 有人说 OR 网上流传 OR 网友称 OR 网友说"
         " OR 在传 OR 疯传 OR 未经证实 OR 是不是真的 OR 是真是假 OR 真的假的 OR 求证", 2.5),
        ("爆料 OR 疑似 OR 不实 OR 压消息 OR 瞒着 OR 转起来 OR 转发扩散", 1.0),
    ),
    "sensitive": (
        (f"{_OFFICIAL} {_MISCONDUCT}", 2.5),
        ("落马 OR 双开 OR 开除党籍 OR 贪腐 OR 留置 OR 保护伞 OR 立案审查 OR 纪委 OR 监委 OR 特权车 OR 官二代"
         " OR 萝卜招聘", 2.0),
        ("泄露隐私 OR 隐私泄露 OR 侵犯隐私 OR 个人信息泄露 OR 信息泄露 OR 泄露个人信息 OR 泄露公民 OR 人肉"
         " OR 宗教信仰 OR 境外护照", 2.0),
        ("(泄露 OR 外泄 OR 公开了 OR 发到 OR 直播) (个人资料 OR 个人信息 OR 住址 OR 电话号码 OR 身份证"
         " OR 病历 OR 就诊记录 OR 检查结果 OR 患者 OR 隐私)", 2.0),
        ("少数民族 OR 宗教 OR 地域歧视 OR 歧视 OR 强拆 OR 你知道我是谁 OR 列队欢迎 OR 官僚主义", 2.0),
        ("上访 OR 拉横幅 OR 聚集 OR 围堵 OR 堵路 OR 罢工 OR 静坐 OR 讨说法", 1.5),
        ("官员 OR 领导干部 OR 公职人员 OR 暴力执法 OR 打压 OR 个人信息 OR 隐私", 1.0),
    ),
    "problem": (
        ("乱收费 OR 推诿 OR 不作为 OR 乱作为 OR 拖欠 OR 欠薪 OR 扯皮 OR 刁难 OR 踢皮球 OR 吃拿卡要", 2.0),
        ("投诉 OR 拒载 OR 态度恶劣 OR 态度差 OR 霸王条款 OR 扰民 OR 没人管 OR 无人管 OR 久拖不决", 1.5),
        ("举报 OR 维权 OR 违建 OR 绕路 OR 拖延 OR 排长队 OR 停水 OR 停电 OR 异味 OR 故障 OR 乱象", 1.0),
        ("质量问题 OR 退款 OR 收费 OR 罚款 OR 整改 OR 脏乱差", 0.5),
    ),
    "suggestion": (
        ("建议 OR 呼吁 OR 恳请 OR 提议 OR 倡议 OR 意见建议 OR 献策 OR 谏言", 2.0),
        ("能否 OR 可否 OR 能不能 OR 盼望 OR 期待 OR 希望 OR 恳求 OR 请求 OR 增设 OR 增加", 1.0),
        ("应该 OR 最好", 0.5),
    ),
}


@dataclass(frozen=True)
class CategoryResult:
    """The chosen category (None for a non-negative post that is no suggestion) and why."""

    category: str | None
    scores: dict[str, float]
    hits: dict[str, list[str]]


class Categorizer:
    """Scores folded text against every category's rules and picks one."""

    def __init__(self, extra: Mapping[str, Sequence[str]] | None = None) -> None:
        self.rules: dict[str, list[tuple[Query, float]]] = {
            cid: [(parse_query(q), w) for q, w in rules] for cid, rules in BUILTIN_RULES.items()
        }
        for cid, keywords in (extra or {}).items():
            for i, keyword in enumerate(keywords):
                try:
                    self.rules[cid].append((parse_query(keyword), CONFIGURED_WEIGHT))
                except SchemeError as exc:
                    raise exc.located(f"analysis.categories.{cid}.keywords[{i}]") from None
        source = "\n".join(f"{c}\t{q.source}\t{w}" for c, rules in self.rules.items() for q, w in rules)
        self.fingerprint = hashlib.sha256(source.encode()).hexdigest()[:12]

    @classmethod
    def from_settings(cls, analysis: AnalysisSettings) -> Categorizer:
        """The built-in rules plus the configured keywords of each category."""
        return cls({cid: own.keywords for cid, own in analysis.categories.items() if own.keywords})

    def words(self) -> list[str]:
        """The words of every rule's terms, for the tokenizer's user dictionary."""
        return list(dict.fromkeys(w for rules in self.rules.values() for q, _ in rules for w in q.words()))

    def scores(self, folded: str, only: str | None = None) -> dict[str, float]:
        """Each category's score (or only that one's): the sum of the weights of its matching rules."""
        scores = dict.fromkeys(self.rules, 0.0)
        for cid, rules in self.rules.items():
            if only is None or cid == only:
                for query, weight in rules:
                    if query.root.matches(folded):
                        scores[cid] += weight
        return scores

    def categorize(self, folded: str, negative: bool, odds: Mapping[str, float] | None = None) -> str | None:
        """The category of a post: negative posts always get one; others only `suggestion`.

        `odds` are the trained model's category probabilities; for a negative post they are added
        to the rule scores (MODEL_WEIGHT points for certainty).
        """
        # Most posts are not negative: then only the suggestion rules can matter.
        scores = self.scores(folded, None if negative else "suggestion")
        if negative and odds:
            if scores["suggestion"] < MIN_NEGATIVE_SUGGESTION:
                scores["suggestion"] = 0.0
            scores = {cid: score + MODEL_WEIGHT * odds.get(cid, 0.0) for cid, score in scores.items()}
            return max(PRIORITY, key=lambda cid: (scores[cid], -PRIORITY.index(cid)))
        return self._choose(scores, negative)

    def explain(self, folded: str, negative: bool) -> CategoryResult:
        """The category with every score and the rule terms found per category."""
        scores = self.scores(folded)
        hits = {cid: [h for q, _ in rules for h in q.explain(folded).hits]
                for cid, rules in self.rules.items()}
        return CategoryResult(self._choose(scores, negative), scores, {c: h for c, h in hits.items() if h})

    @staticmethod
    def _choose(scores: dict[str, float], negative: bool) -> str | None:
        if not negative:
            return "suggestion" if scores["suggestion"] >= MIN_SCORE else None
        if scores["suggestion"] < MIN_NEGATIVE_SUGGESTION:
            scores = {**scores, "suggestion": 0.0}
        best = max(PRIORITY, key=lambda cid: (scores[cid], -PRIORITY.index(cid)))
        return best if scores[best] >= MIN_SCORE else DEFAULT_NEGATIVE
