"""Where Whisper stopped writing inside a window, and where to go on decoding from.

Whisper sometimes ends a window early: it writes a sentence, gives it an end timestamp far too late
(or none of the rest), and jumps to the window's end, so the speech after it is lost. Decoding the
whole window again in smaller pieces recovers it but costs a full encoder pass per piece (the
encoder always reads 30 s). Going on from the pause where the written text really ends costs only
the decode of what was lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

# Characters a second of ordinary Mandarin speech (counter talk runs at 3-5). Used to guess where a
# stretched segment's text really ends; a guess too early repeats a few characters, which
# trim_overlap removes, while a guess too late would lose speech.
SPOKEN_RATE = 4.0
# Speech left after the last segment that is worth another decode (seconds of packed audio).
MIN_MISSING = 1.5


class Timed(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...


T = TypeVar("T", bound=Timed)


def resume_point(
    segments: Sequence[T], start: float, end: float, pauses: Sequence[float], min_rate: float
) -> tuple[list[T], float | None]:
    """(segments to keep, packed time to go on decoding from), or None where the window is whole.

    `pauses` are the clip edges (VAD pauses) in packed time; decoding goes on only from one of
    them, so no word is cut. A segment with fewer than `min_rate` characters a second over a span
    that holds a pause is stretched: its text ends at the pause nearest before where its characters
    would end if spoken at SPOKEN_RATE.
    """
    inside = [p for p in pauses if start < p < end]
    if min_rate <= 0 or not inside or not segments:
        return list(segments), None
    kept: list[T] = []
    for seg in segments:
        kept.append(seg)
        chars = len(seg.text.strip())
        spanned = [p for p in inside if seg.start < p < seg.end]
        if spanned and seg.end - seg.start > chars / min_rate:
            said_until = seg.start + chars / SPOKEN_RATE
            return kept, max((p for p in spanned if p <= said_until), default=spanned[0])
    last = kept[-1].end
    later = [p for p in inside if p > last - MIN_MISSING / 2]
    if end - last < MIN_MISSING or not later:
        return kept, None
    return kept, min(later, key=lambda p: abs(p - last))


def trim_overlap(before: str, after: str, longest: int = 12) -> str:
    """`after` without the characters at its start that repeat the end of `before` (at least 2)."""
    before = before.rstrip("。，,.!?！？、；; ")
    for size in range(min(longest, len(before), len(after)), 1, -1):
        if before.endswith(after[:size]):
            return after[size:]
    return after
