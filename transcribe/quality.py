"""Character error rate, the standard accuracy figure for Chinese ASR."""

from __future__ import annotations

from transcribe.numbers import normalise_numbers
from zhtext.script import plain_text


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
    # Scored without punctuation, in one script, with numbers in one form (两百 and 200 are the same words).
    ref, hyp = (plain_text(normalise_numbers(text)) for text in (reference, hypothesis))
    return edit_distance(ref, hyp) / max(len(ref), 1)
