"""Numbers in one form: amounts, dates, times, percentages and digit strings in Arabic digits."""

from __future__ import annotations

import pytest

from transcribe.numbers import normalise_numbers, spoken_int


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("上个月扣了两百块", "上个月扣了200块"),
        ("一共一千二百三十四元", "一共1234元"),
        ("三十万的房贷", "30万的房贷"),
        ("贷了五十万", "贷了50万"),
        ("一万五块", "15000块"),
        ("三十万元", "30万元"),
        ("我的手机号是一三八一二三四五六七八", "我的手机号是13812345678"),
        ("幺三九幺二三四五六七八", "13912345678"),
        ("验证码是三八四七五六", "验证码是384756"),
        ("一三九，一二三四，五六七八", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("6222 0212 3456 7890", "6222021234567890"),
        ("二零二四年三月五日", "2024年3月5日"),
        ("十二月七号下午三点半", "12月7号下午3点半"),
        ("下午三点十五分", "下午3点15分"),
        ("利率百分之三点五", "利率3.5%"),
        ("这款六十五岁的大概一千八", "这款65岁的大概一千八"),
        ("等了二十分钟", "等了20分钟"),
        ("排了三十多个人", "排了30多个人"),
        ("住在十二楼", "住在12楼"),
    ],
)
def test_spoken_numbers_are_written_in_digits(spoken: str, written: str) -> None:
    assert normalise_numbers(spoken) == written


@pytest.mark.parametrize(
    "text",
    [
        "我们一起去",
        "一会儿就好",
        "一共三个",
        "第一次来",
        "这一点很重要",
        "十万八千里",
        "万一出事",
        "一个月",
        "三天",
        "2019,2020",
        "订单号 2024 0512",
        "一点点",
    ],
)
def test_counts_idioms_and_other_numbers_stay_as_written(text: str) -> None:
    assert normalise_numbers(text) == text


@pytest.mark.parametrize(
    ("spoken", "value"),
    [("两百", 200), ("一千零五", 1005), ("十二", 12), ("一万五", 15000), ("三百五", 350), ("一三八", 138)],
)
def test_spoken_integers(spoken: str, value: int) -> None:
    assert spoken_int(spoken) == value


def test_normalising_twice_changes_nothing() -> None:
    once = normalise_numbers("我的卡号是六二二二零二一二三四五六七八九零，扣了两百块")
    assert normalise_numbers(once) == once
