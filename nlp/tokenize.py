"""jieba tokenization with the domain dictionary; traditional input is segmented as simplified."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import jieba
import jieba.analyse

from nlp.pii import PLACEHOLDERS
from zhtext.script import to_simplified
from zhtext.vocabulary import load_vocabulary

jieba.setLogLevel(logging.WARNING)  # it prints "Building prefix dict" on every start otherwise

_PLACEHOLDER = re.compile("(" + "|".join(re.escape(p) for p in PLACEHOLDERS.values()) + ")")
_WORDLIKE = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()
_added: set[str] = set()

STOPWORDS = frozenset(
    """
    的 了 是 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 就 都 也
    还 在 有 和 与 吗 呢 吧 啊 呀 嗯 哦 一个 什么 怎么 为什么 可以 能
    会 要 想 说 给 把 被 让 对 不 没 没有 很 太 又 再 到 从 上 下 里
    我要 一下 一些 已经 现在 今天 还是 但是 因为 所以 如果 就是 然后 请问
    麻烦 帮 帮我
    """.split()
)


def ensure_dictionary(vocabulary_file: Path | None = None) -> None:
    """Load jieba's dictionary and add the domain terms; terms added to the file since are added too."""
    terms = load_vocabulary(vocabulary_file, missing_ok=True).terms  # cached; read again when the file changes
    with _lock:
        if _added.issuperset(terms):
            return
        jieba.initialize()
        for term in terms:
            if term not in _added:
                jieba.add_word(term, freq=20000)  # high enough to win against splitting the term
                _added.add(term)


def tokenize(text: str, vocabulary_file: Path | None = None) -> list[str]:
    """Words of `text` in its own script; placeholders like [手机号] stay one token; punctuation dropped."""
    ensure_dictionary(vocabulary_file)
    tokens: list[str] = []
    for part in _PLACEHOLDER.split(text):
        if not part:
            continue
        if _PLACEHOLDER.fullmatch(part):
            tokens.append(part)
            continue
        simplified = to_simplified(part)
        # OpenCC maps character for character here; when it does not, fall back to simplified words.
        same_length = len(simplified) == len(part)
        for word, start, end in jieba.tokenize(simplified):
            if _WORDLIKE.search(word):
                tokens.append(part[start:end] if same_length else word)
    return tokens


def keywords(text: str, limit: int = 5, vocabulary_file: Path | None = None) -> list[str]:
    """The most distinctive words (TF-IDF over jieba's corpus statistics), simplified script."""
    ensure_dictionary(vocabulary_file)
    cleaned = _PLACEHOLDER.sub(" ", to_simplified(text))
    words = jieba.analyse.extract_tags(cleaned, topK=limit * 3)
    return [w for w in words if w not in STOPWORDS and not w.isdigit()][:limit]
