"""Correct words Whisper spelt with the wrong characters for the right sounds: 贵台 → 柜台, 克服 → 客服.

After decoding, a stretch of the text whose pinyin (with tones) is exactly a vocabulary term's, but
whose characters are not, is replaced by the term. Only confident matches change: the sounds must
agree syllable for syllable, and a stretch that is itself a common word (克服 "overcome") changes only
when the same sentence already holds another vocabulary term, the sign that it is about the
business. bench/bench_accuracy.py measures it on domain and on general real speech.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from core.errors import ConfigError

HAN = re.compile(r"[\u4e00-\u9fff]")
SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]*")
COMMON_WORD_FREQUENCY = 50  # jieba frequency at which a stretch counts as a word of its own


_TONE_MARKS = {
    **dict.fromkeys("āēīōūǖ", 1),
    **dict.fromkeys("áéíóúǘń", 2),
    **dict.fromkeys("ǎěǐǒǔǚň", 3),
    **dict.fromkeys("àèìòùǜǹ", 4),
}
_PLAIN = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹü", "aaaaeeeeiiiioooouuuuvvvvnnnv")


@cache
def _readings() -> dict[int, str]:
    """pypinyin's character table (code point → "guì,jǔ"), read alone: the whole package takes 0.35 s
    to import (its phrase tables), this file 0.04 s."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("pypinyin is not installed (pip install pypinyin), needed by KESHENG_ASR_CORRECTION")
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.py"
    module_spec = importlib.util.spec_from_file_location("_kesheng_pinyin_dict", path)
    if module_spec is None or module_spec.loader is None:
        raise ConfigError(f"cannot read pypinyin's table at {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.pinyin_dict  # type: ignore[no-any-return]


@cache
def _syllable(ch: str) -> str:
    """The character's most common reading, tone as a digit: 柜 → gui4 ("?" when it has none)."""
    reading = _readings().get(ord(ch))
    if not reading:
        return "?"
    first = reading.split(",")[0]
    tone = next((_TONE_MARKS[c] for c in first if c in _TONE_MARKS), 5)
    return first.translate(_PLAIN) + str(tone)


def syllables(text: str) -> tuple[str, ...]:
    """Toned pinyin, one syllable per character (its most common reading; the same rule on both sides)."""
    return tuple(_syllable(ch) for ch in text)


@cache
def _jieba_dictionary() -> bytes:
    """jieba's dictionary file ("word frequency pos" lines), read as bytes without loading jieba (~1 s)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return b""
    return b"\n" + (Path(spec.origin).parent / "dict.txt").read_bytes()


@cache
def _word_frequency(word: str) -> int:
    """How common `word` is in jieba's dictionary (0: not a word there)."""
    dictionary = _jieba_dictionary()
    start = dictionary.find(b"\n" + word.encode() + b" ")
    if start < 0:
        return 0
    fields = dictionary[start + 1 : dictionary.find(b"\n", start + 1)].split()
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0


@dataclass(frozen=True)
class Corrector:
    """Vocabulary terms indexed by their pinyin."""

    by_sound: dict[tuple[str, ...], str]
    lengths: tuple[int, ...]
    terms: frozenset[str]

    @classmethod
    def of(cls, terms: Iterable[str]) -> Corrector:
        """The corrector of these terms (built once per distinct list)."""
        return _corrector(tuple(terms))

    @classmethod
    def build(cls, terms: Iterable[str]) -> Corrector:
        """Index Han-only terms of 2 to 8 characters; two terms with the same sound cancel out."""
        by_sound: dict[tuple[str, ...], str | None] = {}
        for term in terms:
            if not 2 <= len(term) <= 8 or not all(HAN.match(ch) for ch in term):
                continue
            sound = syllables(term)
            by_sound[sound] = term if by_sound.get(sound, term) == term else None  # ambiguous: neither
        kept = {sound: term for sound, term in by_sound.items() if term}
        return cls(kept, tuple(sorted({len(s) for s in kept}, reverse=True)), frozenset(kept.values()))

    def correct(self, text: str) -> str:
        """The text with confident homophone matches replaced, sentence by sentence."""
        if not self.by_sound or not HAN.search(text):
            return text
        return "".join(self._sentence(match.group()) for match in SENTENCE.finditer(text)) or text

    def _sentence(self, sentence: str) -> str:
        found = self._matches(sentence)
        if not found:
            return sentence
        in_domain = any(term in sentence for term in self.terms)
        out, cursor = [], 0
        for start, stretch, term in found:
            if _word_frequency(stretch) >= COMMON_WORD_FREQUENCY and not in_domain:
                continue  # a common word (克服) and nothing else in the sentence about the business
            out += [sentence[cursor:start], term]
            cursor = start + len(stretch)
        return "".join(out) + sentence[cursor:]

    def _matches(self, sentence: str) -> list[tuple[int, str, str]]:
        """(start, stretch, term) of non-overlapping stretches that sound like a term, longest first."""
        positions = [i for i, ch in enumerate(sentence) if HAN.match(ch)]
        if len(positions) < 2:
            return []
        sounds = syllables("".join(sentence[i] for i in positions))
        found: list[tuple[int, str, str]] = []
        k = 0
        while k < len(positions):
            for length in self.lengths:
                span = positions[k : k + length]
                if len(span) < length or span[-1] - span[0] != length - 1:
                    continue  # runs over punctuation or Latin letters
                term = self.by_sound.get(sounds[k : k + length])
                stretch = sentence[span[0] : span[0] + length]
                if term is not None:
                    if term != stretch:
                        found.append((span[0], stretch, term))
                    k += length
                    break
            else:
                k += 1
        return found


@lru_cache(maxsize=8)
def _corrector(terms: tuple[str, ...]) -> Corrector:
    return Corrector.build(terms)
