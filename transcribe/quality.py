"""Character error rate, the standard accuracy figure for Chinese ASR."""

from __future__ import annotations

import re

from nlp.script import to_simplified

_NOT_SCORED = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_for_cer(text: str) -> str:
    """Simplified script, lower case, no punctuation or spaces: what CER is computed on."""
    return _NOT_SCORED.sub("", to_simplified(text)).lower()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Edits needed to turn the hypothesis into the reference, per reference character."""
    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    return edit_distance(ref, hyp) / max(len(ref), 1)
