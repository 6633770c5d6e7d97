"""What a contextual model sees of an utterance: the turn before it, then the utterance itself.

Contextual tasks (intent, complaint) get one string per utterance, `previous + SEP + text`, so
that any classifier that takes texts can take them: the bundled vectoriser splits the two parts
and weighs them apart; a transformers model sees the pair through its own `[SEP]`.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

SEP = " [SEP] "
CONTEXT_TASKS = ("intent", "complaint")


def with_context(previous: str | None, text: str) -> str:
    """The model input for `text` said after `previous` (None: the first turn)."""
    return f"{previous or ''}{SEP}{text}"


def split_context(value: str) -> tuple[str, str]:
    """(previous turn, text); a plain text has no previous turn."""
    previous, sep, text = value.rpartition(SEP)
    return (previous, text) if sep else ("", value)


class ContextVectorizer(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Character n-grams of the utterance, and (weighed down) of the turn before it."""

    def __init__(self, previous_weight: float = 0.35, max_features: int = 80_000) -> None:
        self.previous_weight = previous_weight
        self.max_features = max_features

    def fit(self, values: list[str], y: object = None) -> ContextVectorizer:
        previous, texts = zip(*(split_context(v) for v in values), strict=True) if values else ((), ())
        self.text_ = _char_tfidf((1, 3), self.max_features).fit(texts)
        self.previous_ = _char_tfidf((1, 2), self.max_features // 10).fit([p or "∅" for p in previous])
        return self

    def transform(self, values: list[str]) -> sparse.csr_matrix:
        previous, texts = zip(*(split_context(v) for v in values), strict=True) if values else ((), ())
        current = self.text_.transform(texts)
        before = self.previous_.transform([p or "∅" for p in previous]) * self.previous_weight
        return sparse.hstack([current, before]).tocsr()

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.concatenate(
            [self.text_.get_feature_names_out(), ["prev:" + f for f in self.previous_.get_feature_names_out()]]
        )


def _char_tfidf(ngrams: tuple[int, int], max_features: int) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True, max_features=max_features)
