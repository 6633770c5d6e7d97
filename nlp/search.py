"""What full-text search indexes and asks for: jieba words of the simplified text, plus its characters.

Words come from jieba's search mode (long words and the words inside them), so 手续费 is found by
手续费 and 手续. Single Chinese characters are indexed too, so a query word that jieba cut
differently in the stored sentence (乱扣 stored, 扣 asked) still matches. Traditional and simplified
are both indexed and queried as simplified.
"""

from __future__ import annotations

import re

import jieba

from nlp.pii import PLACEHOLDERS
from nlp.tokenize import ensure_dictionary
from zhtext.script import to_simplified

_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")


def _clean(text: str) -> str:
    return to_simplified(_PLACEHOLDER.sub(" ", text)).lower()


def search_tokens(text: str) -> str:
    """The space-joined tokens stored for `text` (utterances.search_tokens)."""
    ensure_dictionary()
    clean = _clean(text)
    tokens: dict[str, None] = {}  # ordered set
    for word in jieba.cut_for_search(clean):
        for piece in _WORD.findall(word):
            tokens[piece] = None
    for char in _CJK.findall(clean):
        tokens[char] = None
    return " ".join(tokens)


def query_terms(query: str) -> list[str]:
    """The words a query must all match, tokenised like the stored text; empty for a query of punctuation."""
    ensure_dictionary()
    terms: dict[str, None] = {}
    for word in jieba.cut(_clean(query)):
        for piece in _WORD.findall(word):
            terms[piece] = None
    return list(terms)
