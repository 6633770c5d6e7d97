"""Make a written sentence look like what the recogniser writes: fillers, repeats, its punctuation, its errors."""

from __future__ import annotations

import random

FILLERS = ("嗯", "那个", "就是", "呃", "然后", "啊", "嗯嗯", "就是说")
# Confusions Whisper base makes on this kind of speech (heard on the project's recordings).
HOMOPHONES = (("柜台", "贵台"), ("柜员", "贵元"), ("客服", "克服"), ("账户", "帐户"), ("的", "得"), ("在", "再"))


def spoken(text: str, rng: random.Random, question: bool = False) -> str:
    """One noisy rendering of `text` (words separated by spaces where a speaker pauses)."""
    words = text.split(" ")
    if rng.random() < 0.3:
        words.insert(0, rng.choice(FILLERS))
    if len(words) > 1 and rng.random() < 0.15:
        words.insert(rng.randrange(1, len(words)), rng.choice(FILLERS))
    if rng.random() < 0.1 and len(words[-1]) >= 2:
        first = words[-1 if len(words) == 1 else 0]
        words[0 if len(words) > 1 else -1] = first[:1] + first
    out = _punctuate(words, rng, question)
    for right, wrong in HOMOPHONES:
        if right in out and rng.random() < (0.25 if len(right) > 1 else 0.04):
            out = out.replace(right, wrong, 1)
    return out


def _punctuate(words: list[str], rng: random.Random, question: bool) -> str:
    style = rng.random()
    if style < 0.45:
        body = "，".join(words)
    elif style < 0.7:
        body = "".join(words)
    elif style < 0.9:
        body = " ".join(words)
    else:
        body = "、".join(words) if len(words) < 3 else "，".join(words)
    end = rng.random()
    if end < 0.45:
        return body + ("？" if question else "。")
    if end < 0.55 and not question:
        return body + "！"
    return body
