"""Find and redact personal data (PIPL): phone numbers, resident ID numbers, card numbers, e-mail.

Spoken numbers reach us as Arabic digits, full-width digits or Chinese numerals (一三九…, 幺 for 1);
all are mapped one character to one digit, so spans found in that view index the original text.
Numbers that validate get their kind; any other run of 11+ digits is still redacted as `number`,
because a card or ID the customer misspoke is still personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from stdnum import luhn
from stdnum.cn import ric

PLACEHOLDERS = {
    "mobile": "[手机号]",
    "landline": "[固话]",
    "id_card": "[身份证号]",
    "bank_card": "[银行卡号]",
    "email": "[邮箱]",
    "number": "[号码]",
}

_DIGIT_MAP = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "零": "0",
        "〇": "0",
        "一": "1",
        "幺": "1",
        "二": "2",
        "两": "2",
        "三": "3",
        "四": "4",
        "五": "5",
        "六": "6",
        "七": "7",
        "八": "8",
        "九": "9",
        "Ｘ": "X",
        "ｘ": "x",
        "＋": "+",
    }
)

_SEP = r"[ \-－—]?"
_ID = re.compile(r"(?<![0-9])(?:[0-9]" + _SEP + r"){17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9+])(?:\+?86" + _SEP + r")?1[3-9][0-9](?:" + _SEP + r"[0-9]){8}(?![0-9])")
_LANDLINE = re.compile(
    r"(?<![0-9+])(?:\+?86"
    + _SEP
    + r")?(?:\(0[0-9]{2,3}\)|0[0-9]{2,3})"
    + _SEP
    + r"[2-9][0-9]{2,3}"
    + _SEP
    + r"[0-9]{4}(?![0-9])"
)
_CARD = re.compile(r"(?<![0-9])[0-9](?:" + _SEP + r"[0-9]){12,18}(?![0-9])")
_LONG_NUMBER = re.compile(r"(?<![0-9])[0-9](?:" + _SEP + r"[0-9]){10,}(?![0-9])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class PiiSpan:
    """A piece of personal data: its kind and where it is in the original text."""

    kind: str
    start: int
    end: int


def _digits(value: str) -> str:
    return re.sub(r"[^0-9Xx+]", "", value)


def _valid_id(value: str) -> bool:
    return ric.is_valid(_digits(value).upper())


def _valid_phone(value: str) -> bool:
    try:
        number = phonenumbers.parse(_digits(value), "CN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def _valid_card(value: str) -> bool:
    return luhn.is_valid(_digits(value))


# Order matters: the first kind to claim characters keeps them.
_RULES = (
    ("email", _EMAIL, None),
    ("id_card", _ID, _valid_id),
    ("bank_card", _CARD, _valid_card),
    ("mobile", _MOBILE, _valid_phone),
    ("landline", _LANDLINE, _valid_phone),
    ("number", _LONG_NUMBER, None),
)


def find_pii(text: str) -> list[PiiSpan]:
    """All personal-data spans in `text`, non-overlapping, in order."""
    view = text.translate(_DIGIT_MAP)
    taken = [False] * len(text)
    spans: list[PiiSpan] = []
    for kind, pattern, valid in _RULES:
        for match in pattern.finditer(view):
            start, end = match.span()
            if any(taken[start:end]) or (valid is not None and not valid(match.group())):
                continue
            taken[start:end] = [True] * (end - start)
            spans.append(PiiSpan(kind, start, end))
    return sorted(spans, key=lambda s: s.start)


def redact(text: str, spans: list[PiiSpan] | None = None) -> str:
    """`text` with every PII span replaced by its typed placeholder."""
    spans = find_pii(text) if spans is None else spans
    out = []
    cursor = 0
    for span in spans:
        out.append(text[cursor : span.start])
        out.append(PLACEHOLDERS[span.kind])
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)
