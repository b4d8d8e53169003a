"""The default templates' layout, as data: the title and blocks (headings, text, tables, images)
of daily.docx, period.docx and incident.docx. `build_templates` turns them into .docx files;
the field names are the contexts `alerts.reports.render` builds.

A table column is (heading, field, width in mm); a field written "r name" is rich text (a link).
"""

from __future__ import annotations

from typing import Any

Block = tuple[Any, ...]


def when_empty(items: str, text: str) -> list[Block]:
    """A paragraph shown only when `items` is empty."""
    return [("p", f"{{%p if not {items} %}}"), ("p", text), ("p", "{%p endif %}")]


FIGURES: list[Block] = [("table", "f in figures", [("指标", "name", 60), ("{{ this_label }}", "value", 34),
                                                    ("{{ before_label }}", "before", 34), ("变化", "change", 32)])]

DAILY: list[Block] = [
    ("h1", "一、总体情况"), ("p", "{{ overview }}"), *FIGURES,
    ("h1", "二、需关注的事件"), *when_empty("attention", "当日无需关注的分级事件。"),
    ("table", "s in attention", [("级别", "tier", 14), ("事件", "r link", 52), ("站点", "sites", 12),
                                  ("帖子", "posts", 12), ("24小时点击", "clicks", 18), ("转发", "reposts", 14),
                                  ("分级理由与趋势", "reason", 38)]),
    ("h1", "三、新增事件"), ("p", "{{ new_text }}"),
    ("table", "s in new_stories", [("级别", "tier", 14), ("事件", "r link", 62), ("类型", "category", 20),
                                    ("首次发现", "first_seen", 24), ("站点", "sites", 12), ("帖子", "posts", 12),
                                    ("负面度", "negativity", 16)]),
    ("h1", "四、处置情况"), *when_empty("incidents", "当日没有处置中的事件。"),
    ("table", "i in incidents", [("编号", "id", 12), ("事件", "r link", 50), ("级别", "tier", 14),
                                  ("状态", "status", 16), ("确认人", "acknowledged_by", 18), ("时限", "deadlines", 50)]),
    ("h1", "五、主要负面信息"), *when_empty("top_items", "当日没有负面相关信息。"),
    ("table", "t in top_items", [("标题", "r link", 64), ("站点", "site", 30), ("类型", "category", 18),
                                  ("负面度", "negativity", 14), ("点击/回复", "engagement", 18), ("发现", "seen", 16)]),
    ("h1", "六、趋势图表"), ("image", "charts.hourly"), ("image", "charts.daily"),
    ("image", "charts.site"), ("image", "charts.category"),
    ("h1", "七、监测盲区"), ("p", "{{ blind_text }}"),
    ("table", "b in blind_spots", [("来源", "source", 34), ("站点", "site", 36), ("原因", "reasons", 62),
                                    ("最近成功", "last_success", 28)]),
]

PERIOD: list[Block] = [
    ("p", "统计时段:{{ range_text }}"),
    ("h1", "一、总体情况"), ("p", "{{ overview }}"), *FIGURES,
    ("h1", "二、分级事件及处置"), *when_empty("stories", "本期没有分级事件。"),
    ("table", "s in stories", [("级别", "tier", 13), ("事件", "r link", 45), ("首次发现", "first_seen", 20),
                                ("站点", "sites", 11), ("帖子", "posts", 11), ("点击", "clicks", 15),
                                ("转发", "reposts", 12), ("处置与时限", "handling", 33)]),
    ("h1", "三、信息来源与监测盲区"),
    ("table", "c in sources", [("来源", "name", 36), ("站点", "site", 44), ("类型", "kind", 16),
                                ("抓取次数", "polls", 22), ("失败", "failed", 18), ("新增条目", "new_items", 24)]),
    ("p", "{{ blind_text }}"),
    ("table", "b in blind_spots", [("来源", "source", 34), ("站点", "site", 36), ("原因", "reasons", 62),
                                    ("最近成功", "last_success", 28)]),
    ("h1", "四、趋势"), ("image", "charts.daily"), ("image", "charts.site"), ("image", "charts.category"),
    ("h1", "五、监测方案"), *when_empty("schemes", "没有配置监测方案:全部信息视为相关。"),
    ("table", "m in schemes", [("方案", "name", 50), ("本期相关信息", "posts", 28), ("上期", "previous", 24),
                                ("变化", "change", 28), ("其中负面", "negative", 30)]),
]

INCIDENT: list[Block] = [
    ("h2", "{{ story_title }}"),
    ("h1", "一、事件概况"),
    ("table", "k in overview", [("项目", "name", 34), ("内容", "r value", 126)]),
    ("p", "{{ summary }}"),
    ("h1", "二、传播情况"), ("image", "charts.propagation"),
    ("table", "p in pickups", [("站点", "site", 46), ("首次发现", "first_seen", 30), ("帖子", "posts", 16),
                                ("首条链接", "r link", 68)]),
    ("h1", "三、指标与分级"),
    ("table", "m in metrics", [("指标", "name", 80), ("数值(生成时)", "value", 80)]),
    ("p", ""),
    ("table", "t in tier_steps", [("时间", "at", 30), ("分级", "label", 30), ("理由", "reason", 100)]),
    ("h1", "四、处置建议"), ("p", "{{ guidance }}"),
    ("h1", "五、处置情况"),
    ("table", "d in deadlines", [("时限", "label", 30), ("截止", "due", 40), ("完成", "done", 40),
                                  ("状态", "state", 50)]),
    ("p", ""),
    ("table", "e in handling", [("时间", "at", 30), ("事项", "kind", 24), ("人员", "actor", 30),
                                 ("说明", "note", 76)]),
    ("p", "{{ response_text }}"),
    ("h1", "六、证据存档"), ("p", "{{ evidence_text }}"),
    ("table", "v in evidence", [("站点", "site", 28), ("转载", "r link", 44), ("存档时间", "fetched", 24),
                                 ("SHA-256(原始页面)", "sha256", 34), ("删除情况", "state", 30)]),
    ("p", "{%p for s in screenshots %}"), ("image", "s.image"), ("p", "{{ s.caption }}"), ("p", "{%p endfor %}"),
    ("h1", "七、研判"), ("p", "(由值班人员填写研判意见)"), ("p", ""), ("p", ""), ("p", ""), ("p", ""),
    ("p", "研判人:                    审核:                    日期:"),
]

LAYOUTS: dict[str, tuple[str, list[Block]]] = {
    "daily": ("舆情日报", DAILY),
    "period": ("{{ title }}", PERIOD),
    "incident": ("舆情专报", INCIDENT),
}
