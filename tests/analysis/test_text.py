"""Analysis stage, text: normalisation (words and keywords: test_tokens.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from yuqing.analysis.text import EMO_NEG, EMO_POS, extract_mentions, normalize, to_simplified


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>網傳某局長<b>酒駕</b>撞人後逃逸</p>", "网传某局长 酒驾 撞人后逃逸"),
        ("a&amp;b&nbsp;&lt;c&gt;", "a&b <c>"),
        ("<script>var x=1;</script>正文<!-- ad -->内容", "正文 内容"),
        ("ＡＢＣ１２３，你好！（测试）", "ABC123,你好!(测试)"),
        ("他说：“好的。”《通知》、【公告】", "他说:“好的。”《通知》、【公告】"),
        ("  多个\t空格\n\n换行　全角空格 ", "多个 空格 换行 全角空格"),
        ("详情见 https://www.example.gov.cn/a?b=1&c=2 谢谢", "详情见 谢谢"),
        ("短链 http://t.cn/A6abcd 和 www.example.com/x 还有O网页链接", "短链 和 还有"),
        ("@平安北京 有人管吗", "有人管吗"),
        ("邮箱 abc@qq.com 联系", "邮箱 abc@qq.com 联系"),
        ("太过分了[怒][抓狂]", f"太过分了 {EMO_NEG} {EMO_NEG}"),
        ("点赞[赞]👍", f"点赞 {EMO_POS} {EMO_POS}"),
        ("好气😡🏠", f"好气 {EMO_NEG}"),
        ("[通知]关于施工的公告", "[通知]关于施工的公告"),
        ("转发微博", ""),
        ("太差了//@张三:真的吗//@李四_9: 原帖内容", "太差了 // 真的吗 // 原帖内容"),
        ("回复@王五:谢谢", "谢谢"),
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    raw = "網傳：某局長酒駕[怒]//@張三: 真的？ http://t.cn/abc ＠李四 ＡＢＣ"
    once = normalize(raw)
    assert normalize(once) == once


def test_simplified_text_is_left_alone() -> None:
    # zhconv alone would turn 要么 into 要幺; only text with Traditional chars is converted.
    assert to_simplified("说不懂的，要么女生，要么装") == "说不懂的，要么女生，要么装"
    assert to_simplified("醫院急診室") == "医院急诊室"


def test_extract_mentions() -> None:
    assert extract_mentions("@平安北京 @北京交警：有人管吗 abc@qq.com") == ["平安北京", "北京交警"]


def test_import_is_light() -> None:
    code = "import sys, analysis.text; print('jieba' in sys.modules, 'zhconv' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]

