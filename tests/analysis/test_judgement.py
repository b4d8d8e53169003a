"""Behaviour of the shipped sentiment model, CheckList-style: our own cases, written to the guide.

Minimum functionality (how citizens really complain), invariance (who is named, script,
punctuation) and direction (notices, rebuttals, thanks, inquiries stay below the threshold).
"""

from __future__ import annotations

import pytest

from yuqing.analysis.categories import Categorizer
from yuqing.analysis.masking import ADDRESS, NAME, Masker
from yuqing.analysis.sentiment import SentimentModel, get_model
from yuqing.analysis.text import fold_text, normalize

ORGS = [
    "市交通运输局", "公交公司", "市卫健委", "市人民医院", "供电公司", "自来水公司", "燃气公司", "城管局",
    "东湖街道办事处", "城南派出所", "市教育局", "实验小学", "物业公司", "市人社局", "住建局", "税务局",
    "医保局", "地铁集团", "市场监管局", "区环保局", "镇政府", "村委会", "中国移动", "国家电网",
]
COMPLAINTS = [
    "{org}对乘客投诉不闻不问",
    "{org}推诿扯皮，群众办事跑了五趟还没办成",
    "恳请{org}尽快解决我们小区停水的问题",
    "{org}工作人员态度恶劣，当众辱骂前来咨询的老人",
    "反映了三个月，{org}为何至今无人过问？",
]
NEUTRAL = [
    "{org}召开2024年工作部署会议",
    "{org}发布五一假期服务安排",
    "{org}开展便民服务进社区活动",
    "{org}公布上半年工作完成情况",
]


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return get_model()


def negative(model: SentimentModel, text: str) -> bool:
    return model.is_negative(model.score(text))


@pytest.mark.parametrize("text", [
    "恳请相关部门尽快解决小区停水问题",
    "为何至今无人过问",
    "尊敬的领导您好！我们楼下的餐馆油烟直排进住户家里，已经反映多次，恳请帮忙解决，谢谢！",
    "请问拖欠了半年的工资什么时候才能发下来？",
    "小区门口的路灯坏了两个月了，到底有没有人管？",
    "根据《物业管理条例》规定，物业无权擅自提高收费标准，请相关部门依法查处",
    "这服务真是“一流”，打了一上午电话都没人接",
    "效率真高啊，一个证明跑了六趟还没开出来",
    "学校强制学生购买指定教辅，家长苦不堪言",
    "工地夜间施工噪音扰民，居民整夜无法入睡",
    "高速连环追尾致3死12伤",
    "网传某局长酒驾撞人后逃逸，是真的吗？",
])
def test_complaints_as_citizens_write_them(model: SentimentModel, text: str) -> None:
    assert negative(model, text)


def test_a_long_post_is_judged_by_its_worst_statement(model: SentimentModel) -> None:
    background = ("我们小区建于二〇〇五年，共有十二栋楼，住户大多是附近工厂的退休职工。小区南面是一所小学，"
                  "北面是菜市场，出行还算方便。前年小区做过一次外墙翻新，绿化也补种了不少。")
    assert negative(model, background + "但是三号楼的化粪池堵塞外溢已经两个月，反映多次至今无人处理。")


@pytest.mark.parametrize("text", [
    "市交通运输局发布五一假期出行提示",
    "关于网传“地铁三号线停运”的情况说明：经核实，该消息不实，地铁运营正常",
    "网友您好，您反映的情况经调查基本属实，已责成施工单位整改，感谢您的监督",
    "小区停水的问题昨天已经修好了，感谢供水公司的师傅们",
    "因系统升级，不动产登记业务周六暂停办理",
    "警方依法冻结涉案账户，追回被骗资金三百万元",
    "市场监管局开展专项行动，严查节日期间价格违法行为",
    pytest.param("此次整治针对无证经营，不针对合法经营的个体户",
                 marks=pytest.mark.xfail(strict=True, reason="known miss: 不针对 after 针对 reads as a complaint")),
    "请问社保卡在哪里补办？",
    "地铁六号线什么时候通车？",
    "建议在公园增设几个饮水点",
])
def test_notices_rebuttals_thanks_and_inquiries_are_not_flagged(model: SentimentModel, text: str) -> None:
    assert not negative(model, text)


BACKGROUND = ("我们小区建于二〇〇五年，共有十二栋楼，住户大多是附近工厂的退休职工。小区南面是一所小学，"
              "北面是菜市场，出行还算方便。前年小区做过一次外墙翻新，绿化也补种了不少。")


@pytest.mark.parametrize(("title", "body", "category"), [
    ("东湖路一居民楼发生火灾", "昨晚十一点左右，东湖路一栋居民楼三楼起火，两名老人被烟呛伤送医，消防车半小时后才赶到。",
     "emergency"),
    ("工地塔吊倒塌砸中工棚", "今天下午三点，小区旁边工地的塔吊突然倒塌，砸中了工人住的工棚，有人被埋，救护车已经赶到。",
     "emergency"),
    ("学校食堂多名学生食物中毒", "昨天中午学生在食堂吃饭后，三十多名学生出现呕吐腹泻，已被送往医院。", "emergency"),
    ("反映小区的情况", BACKGROUND + "昨天傍晚三号楼电梯突然坠落，里面的两位老人受伤被送进医院。", "emergency"),
    ("征地补偿款的问题", BACKGROUND + "村支书把我们的征地补偿款挪给了自己的亲戚，村民敢怒不敢言。", "sensitive"),
    ("派出所民警出警时殴打报警人", "我报警说邻居占道，民警来了不问情况，把我按在地上打了几拳，还威胁我不准再打电话。",
     "sensitive"),
    ("小区停水三天无人管", "小区停水三天了，物业说不知道什么时候来水，打了好几次电话都没人管。", "problem"),
    ("小区消防通道被堵", "小区消防通道被堵，万一失火后果不堪设想，请物业尽快清理。", "problem"),  # a hazard
    pytest.param("盲弯路段事故多", "此路段去年已发生多起事故，盲弯无警示牌，请尽快整改。", "problem",
                 marks=pytest.mark.xfail(strict=True, reason="known miss: the model reads 事故 as a fresh accident "
                                                             "(the corpus headlines), though the guide makes a past "
                                                             "accident cited in a request `problem`")),
    ("物业乱收停车费", BACKGROUND + "今年物业突然把地面停车费从每月一百涨到三百，没有公示，业主不交就不让进门。",
     "problem"),
    ("建议在学校门口增设红绿灯", "学校门口车流量大，早晚接送时十分拥堵，建议交警部门在这里增设红绿灯和人行横道。",
     "suggestion"),
])
def test_negative_posts_get_the_category_the_office_needs(model: SentimentModel, title: str, body: str,
                                                          category: str) -> None:
    text = normalize(f"{title}\n{body}")
    odds = model.category_odds(text, normalize(title), normalized=True)
    assert Categorizer().categorize(fold_text(text), True, odds) == category, odds


def test_organisation_swap_keeps_the_verdict(model: SentimentModel) -> None:
    kept = total = 0
    recall: dict[str, float] = {}
    for org in ORGS:
        flags = [negative(model, t.format(org=org)) for t in COMPLAINTS]
        recall[org] = sum(flags) / len(flags)
        for template in NEUTRAL:
            assert not negative(model, template.format(org=org)), template.format(org=org)
    for template in COMPLAINTS + NEUTRAL:
        verdicts = [negative(model, template.format(org=org)) for org in ORGS]
        majority = max(set(verdicts), key=verdicts.count)
        kept += verdicts.count(majority)
        total += len(verdicts)
    assert kept / total >= 0.98
    mean = sum(recall.values()) / len(recall)
    assert min(recall.values()) >= mean - 0.05, recall


def test_names_are_masked_to_one_mark() -> None:
    masker = Masker(["东湖街道"])
    assert masker.mask("市交通运输局对乘客投诉不闻不问") == f"{NAME}对乘客投诉不闻不问"
    assert masker.mask("A3区东湖街道的路灯坏了") == f"{NAME}的路灯坏了"
    assert "投诉" in masker.mask("乘客投诉公交公司")  # a verb before a name stays


def test_gendered_forms_of_address_are_one_mark() -> None:
    masker = Masker()
    assert masker.mask("张先生反映出警太慢") == masker.mask("李女士反映出警太慢") == f"{NAME}{ADDRESS}反映出警太慢"
    assert masker.tokens("王大妈说") == [NAME, ADDRESS, "说"]


@pytest.mark.parametrize(("text", "masked"), [
    ("实验中学老师体罚学生", f"{NAME}老师体罚学生"),  # jieba: 实验 + 中学老师
    ("第一小学校长贪污", f"{NAME}校长贪污"),  # jieba: 第一 + 小学校长
    ("人民医院医生收红包", f"{NAME}医生收红包"),
])
def test_a_head_glued_to_the_person_after_it_is_masked_with_its_name(text: str, masked: str) -> None:
    assert Masker().mask(text) == masked


@pytest.mark.parametrize(("one", "other"), [
    ("市交通运输局对乘客投诉不闻不问", "市交通運輸局對乘客投訴不聞不問"),
    ("小区停水三天了，为何无人管？", "小区停水三天了,为何无人管?"),
    ("小区停水三天了，为何无人管？", "小区停水三天了，为何无人管?"),
    ("张先生反映城南派出所民警出警太慢", "李女士反映城北派出所民警出警太慢"),
    ("A市A3区东湖路施工噪音扰民", "B市C2区西湖路施工噪音扰民"),
])
def test_script_punctuation_and_names_do_not_change_the_score(model: SentimentModel, one: str, other: str) -> None:
    assert model.score(one) == pytest.approx(model.score(other), abs=0.02)
