"""Numbers as customers speak them, written one way: amounts, dates, times, percentages and digit strings.

Whisper writes the same spoken number as 两百块 in one sentence and 200块 in the next, and a phone
number as 一三八一二三四五六七八, 138 1234 5678 or 139，1234，5678. The PII detector looks for digit
runs and a reviewer compares amounts, so every transcript line is normalised to Arabic digits for:
- digit strings of three or more digits (phone, card, ID, verification code): 幺三八… → 138…,
  and digit groups that together make a mobile (11 digits from 1) or card/ID number (15–19);
- amounts: a number before 元/块/毛/角/钱, or ending in 万/亿 (两百块 → 200块, 三十万的房贷 → 30万的房贷);
- dates and times: 二零二四年, 十二月七号, 下午三点半 → 2024年, 12月7号, 下午3点半;
- percentages: 百分之三点五 → 3.5%.
- counts of ten or more before a measure word: 六十五岁 → 65岁, 三十多个 → 30多个.
Counts under ten and idioms (一起, 一共, 三天, 一个月, 十分, 千万, 十万八千里) stay in characters,
as Chinese writes them.
"""

from __future__ import annotations

import re

DIGITS = {
    "零": 0,
    "〇": 0,
    "洞": 0,
    "一": 1,
    "幺": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS = {"十": 10, "百": 100, "千": 1000}
SECTIONS = {"万": 10_000, "亿": 100_000_000}
_D = "零〇一幺二两三四五六七八九"
_N = f"[{_D}十百千万亿]"  # a spoken number with multipliers
_SPOKEN_DIGITS = re.compile(f"[{_D}洞]{{3,}}(?![十百千万亿点])")
_AMOUNT = re.compile(f"({_N}+(?:点[{_D}]+)?)(?=元|块|毛|角|钱)")
_LARGE = re.compile(f"([{_D}十百千]+(?:点[{_D}]+)?)([万亿])(?=的|多|左右|[，。！？,.!?\\s]|$)")
_YEAR = re.compile(f"([{_D}]{{4}})(?=年)")
_MONTH_DAY = re.compile("([一二三四五六七八九十]{1,3})月(?:([一二三四五六七八九十]{1,3})(日|号))?")
# 三点半, 三点钟, 三点十五分 are times; 三点 alone only after 上午/下午... (这一点 is "this point")
_CLOCK = re.compile(f"(上午|下午|晚上|早上|中午|凌晨|傍晚)?([{_D}十]{{1,3}})点(?=半|钟|[{_D}十]{{1,3}}分)")
_DAYTIME = re.compile(f"(上午|下午|晚上|早上|中午|凌晨|傍晚)([{_D}十]{{1,3}})点")
# A count of ten or more before its measure word (Whisper writes 65岁 as often as 六十五岁); one to nine
# stay in characters (一个, 三天), as does a multiplier word on its own (十分 "very", 千万 "by all means").
_COUNT = re.compile(
    f"([{_D}十百千万亿]*[十百千][{_D}十百千万亿]*)"
    "(?=岁|个|天|年|次|人|位|张|份|条|家|分钟|小时|秒|公里|米|斤|件|台|户|笔|期|周|倍|多|号|楼|层|路|栋)"
)
_PERCENT = re.compile(f"百分之({_N}+(?:点[{_D}]+)?)")
_MINUTES = re.compile(f"(\\d点)([{_D}十]{{1,3}})分")
_GROUPED = re.compile(r"\d{2,4}(?:[ \-，,、]\d{2,4}){1,5}")


_APPROXIMATE = re.compile(f"[{_D}]{{2}}[十百千万亿]")  # 七八十, 三四百: "seventy or eighty", no one value


def spoken_int(text: str) -> int:
    """The value of a spoken Chinese integer: 两百 → 200, 一万五 → 15000, 一三八 → 138 (digit by digit).

    ValueError for what is not one number (七八十 is "seventy or eighty")."""
    if text and all(ch in DIGITS for ch in text):
        return int("".join(str(DIGITS[ch]) for ch in text))
    if _APPROXIMATE.search(text):
        raise ValueError(f"an approximate number: {text!r}")
    total = section = number = 0
    last_unit = 1
    for ch in text:
        if ch in DIGITS:
            number = DIGITS[ch]
        elif ch in UNITS:
            section += (number or 1) * UNITS[ch]
            number, last_unit = 0, UNITS[ch]
        elif ch in SECTIONS:
            total = (total + section + number) * SECTIONS[ch]
            section = number = 0
            last_unit = SECTIONS[ch]
        else:
            raise ValueError(f"not a spoken number: {text!r}")
    if number and text[-1] in DIGITS and len(text) > 1 and text[-2] not in DIGITS and last_unit >= 100:
        number *= last_unit // 10  # 一万五 is 15000, 三百五 is 350
    return total + section + number


def spoken_number(text: str) -> str:
    """Digits of a spoken number with an optional decimal part: 三点五 → 3.5."""
    whole, _, fraction = text.partition("点")
    digits = str(spoken_int(whole)) if whole else "0"
    return digits + ("." + "".join(str(DIGITS[ch]) for ch in fraction) if fraction else "")


def _amount(match: re.Match[str]) -> str:
    spoken = match.group(1)
    if spoken[-1] in SECTIONS and spoken[:-1]:  # 三十万元 → 30万元: the section word is how it is written
        return spoken_number(spoken[:-1]) + spoken[-1]
    return spoken if spoken in SECTIONS else spoken_number(spoken)


def _month_day(match: re.Match[str]) -> str:
    month, day, suffix = match.groups()
    if spoken_int(month) > 12 or (day and spoken_int(day) > 31):
        return match.group()
    return f"{spoken_int(month)}月" + (f"{spoken_int(day)}{suffix}" if day else "")


def _grouped(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    mobile = len(digits) == 11 and digits.startswith("1")
    return digits if mobile or 15 <= len(digits) <= 19 else match.group()


def _keep_on_error(convert):  # type: ignore[no-untyped-def]
    """A substitution that leaves a span as spoken when it is not one number (七八十块)."""

    def sub(match: re.Match[str]) -> str:
        try:
            return str(convert(match))
        except ValueError:
            return match.group()

    return sub


def normalise_numbers(text: str) -> str:
    """The text with amounts, dates, times, percentages and digit strings in Arabic digits."""
    if not text:
        return text
    text = _PERCENT.sub(_keep_on_error(lambda m: spoken_number(m.group(1)) + "%"), text)
    text = _YEAR.sub(_keep_on_error(lambda m: str(spoken_int(m.group(1)))), text)
    text = _MONTH_DAY.sub(_keep_on_error(_month_day), text)
    text = _CLOCK.sub(_keep_on_error(lambda m: (m.group(1) or "") + str(spoken_int(m.group(2))) + "点"), text)
    text = _DAYTIME.sub(_keep_on_error(lambda m: m.group(1) + str(spoken_int(m.group(2))) + "点"), text)
    text = _MINUTES.sub(_keep_on_error(lambda m: m.group(1) + str(spoken_int(m.group(2))) + "分"), text)
    text = _AMOUNT.sub(_keep_on_error(_amount), text)
    text = _LARGE.sub(_keep_on_error(lambda m: spoken_number(m.group(1)) + m.group(2)), text)
    text = _COUNT.sub(_keep_on_error(lambda m: spoken_number(m.group(1))), text)
    text = _SPOKEN_DIGITS.sub(_keep_on_error(lambda m: str(spoken_int(m.group().replace("洞", "零")))), text)
    return _GROUPED.sub(_grouped, text)
