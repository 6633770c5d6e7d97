"""PII redaction: every kind, every way it is written or spoken, and things that must stay."""

from __future__ import annotations

import re

import pytest

from nlp.pii import find_pii, redact

CASES = [
    ("电话13912345678", "mobile", "13912345678"),
    ("打 +86 139-1234-5678 找我", "mobile", "+86 139-1234-5678"),
    ("手机139 1234 5678", "mobile", "139 1234 5678"),
    ("我的号码是一三九一二三四五六七八", "mobile", "一三九一二三四五六七八"),
    ("号码幺三八零零一三八零零零", "mobile", "幺三八零零一三八零零零"),
    ("全角１３９１２３４５６７８", "mobile", "１３９１２３４５６７８"),
    ("座机010-62345678", "landline", "010-62345678"),
    ("广州的电话020 8765 4321", "landline", "020 8765 4321"),
    ("身份证号11010519491231002X", "id_card", "11010519491231002X"),
    ("身份证 110105 19491231 002x", "id_card", "110105 19491231 002x"),
    ("卡号4111111111111111", "bank_card", "4111111111111111"),
    ("卡号6222 0212 3456 7890 128", "bank_card", "6222 0212 3456 7890 128"),
    ("邮箱 zhang.san@example.com.cn", "email", "zhang.san@example.com.cn"),
]


@pytest.mark.parametrize(("text", "kind", "value"), CASES)
def test_each_kind_is_found_with_exact_span(text: str, kind: str, value: str) -> None:
    spans = find_pii(text)
    assert [(s.kind, text[s.start : s.end]) for s in spans] == [(kind, value)]
    redacted = redact(text, spans)
    assert value not in redacted
    assert not re.search(r"\d{5,}", redacted.translate(str.maketrans("零一二三四五六七八九幺", "01234567891")))


def test_invalid_id_checksum_and_luhn_still_redacted_as_number() -> None:
    text = "身份证110105194912310021，卡号4111111111111112"
    spans = find_pii(text)
    assert [s.kind for s in spans] == ["number", "number"]
    assert redact(text) == "身份证[号码]，卡号[号码]"


def test_several_in_one_sentence_keep_order_and_text_around() -> None:
    text = "我叫张三，电话13800138000，卡号4111111111111111，谢谢"
    assert redact(text) == "我叫张三，电话[手机号]，卡号[银行卡号]，谢谢"


@pytest.mark.parametrize(
    "text", ["上个月扣了200块", "等了45分钟", "2023年11月23日来的", "编号12345", "五十块钱手续费", "第三个窗口"]
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert find_pii(text) == []
    assert redact(text) == text


def test_empty_text() -> None:
    assert find_pii("") == []
    assert redact("") == ""
