"""Simplified/traditional Chinese: detection and whole-text conversion (OpenCC)."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import opencc

_lock = threading.Lock()  # OpenCC converters are not documented as thread-safe


@lru_cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def convert(text: str, config: str) -> str:
    """Convert with an OpenCC config such as 't2s' or 's2t'."""
    with _lock:
        return _converter(config).convert(text)


def to_simplified(text: str) -> str:
    """Traditional → simplified; simplified text passes through unchanged."""
    return convert(text, "t2s")


def to_traditional(text: str) -> str:
    """Simplified → traditional."""
    return convert(text, "s2t")


def script_counts(text: str) -> tuple[int, int]:
    """(characters that only exist in traditional, characters that only exist in simplified)."""
    simplified = to_simplified(text)
    traditional = to_traditional(text)
    trad_only = sum(1 for a, b in zip(text, simplified, strict=False) if a != b)
    simp_only = sum(1 for a, b in zip(text, traditional, strict=False) if a != b)
    return trad_only, simp_only


_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def plain_text(text: str) -> str:
    """Simplified script, lower case, no punctuation or spaces: the form texts are compared in."""
    return _NOT_TEXT.sub("", to_simplified(text)).lower()


def dominant_script(text: str) -> str:
    """'traditional' when more characters are traditional-only than simplified-only, else 'simplified'."""
    trad_only, simp_only = script_counts(text)
    return "traditional" if trad_only > simp_only else "simplified"
