"""Organisation-swap suite: the same text with 24 organisations as its subject → kept verdicts, recall.

Our own complaint and neutral headlines, plus real held-out complaint titles whose organisation
is replaced; used by bench/sentiment.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

ORGS = (
    "市交通运输局", "公交公司", "市卫健委", "市人民医院", "供电公司", "自来水公司", "燃气公司", "城管局",
    "东湖街道办事处", "城南派出所", "市教育局", "实验中学", "物业公司", "市人社局", "区住建局", "市税务局",
    "市医保局", "地铁集团", "市场监管局", "区生态环境局", "青山镇政府", "河西村委会", "中国移动", "国家电网",
)
COMPLAINTS = (
    "{org}对群众投诉不闻不问", "{org}乱收费，市民多次反映无果", "{org}工作人员推诿扯皮，办事难",
    "恳请{org}尽快解决小区停水停电问题", "{org}为何至今对安全隐患无人过问？", "{org}拖欠工程款，农民工讨薪无门",
    "{org}服务窗口态度恶劣，群众排队一上午", "网曝{org}工作人员收受红包", "{org}承诺的整改半年没有兑现",
    "{org}对坍塌的桥面不管不问，村民出行冒险", "质疑{org}暗箱操作，招标结果不公开", "{org}热线永远打不通",
)
NEUTRAL = (
    "{org}召开年度工作会议", "{org}发布节假日服务安排", "{org}开展安全生产大检查", "{org}公布上半年工作情况",
    "{org}举行新闻发布会", "{org}启动便民服务月活动", "{org}通报近期重点工作进展", "{org}领导走访慰问困难群众",
)
# An organisation named in a real title: a run of letters ending in an organisation word — not
# the 小学/中学 of 小学生/中学生 (pupils: swapping "实验中学" in makes "实验中学生", no organisation).
ORG_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{0,8}?(?:局|委|公司|集团|医院|学校|中学|小学|派出所|街道办事处|街道|社区|政府)(?!生)")


def swap_texts(real_titles: Sequence[tuple[int, str]]) -> list[tuple[str, int, list[str]]]:
    """Return (template id, label, one text per organisation) for our templates and real titles."""
    suites = [(f"ours:{t}", 1, [t.format(org=o) for o in ORGS]) for t in COMPLAINTS]
    suites += [(f"ours:{t}", 0, [t.format(org=o) for o in ORGS]) for t in NEUTRAL]
    for label, title in real_titles:
        match = ORG_RE.search(title)
        if match:
            suites.append((f"real:{title}", label, [title[: match.start()] + o + title[match.end():] for o in ORGS]))
    return suites


def swap_figures(flag: Callable[[str], bool], suites: list[tuple[str, int, list[str]]]) -> dict[str, float]:
    """Return the share of swapped texts that keep their template's majority verdict and per-org recall."""
    kept = total = 0
    hits = [0] * len(ORGS)
    negatives = 0
    for _, label, texts in suites:
        verdicts = [flag(t) for t in texts]
        majority = max((True, False), key=verdicts.count)
        kept += verdicts.count(majority)
        total += len(verdicts)
        if label:
            negatives += 1
            hits = [h + v for h, v in zip(hits, verdicts, strict=True)]
    recall = [h / negatives for h in hits] if negatives else [0.0] * len(ORGS)
    mean = sum(recall) / len(recall)
    return {"templates": len(suites), "pairs_kept": kept / total, "recall_mean": mean,
            "recall_min": min(recall), "recall_max": max(recall),
            "worst_org": ORGS[recall.index(min(recall))]}
