"""Cut Whisper segments into sentence-sized utterances with times on the original timeline.

Speech found by VAD is packed together before decoding (as faster-whisper does), so one Whisper
segment can span two turns that were seconds apart (a staff greeting, the customer's complaint on
the other channel, the staff reply). Each segment is split at sentence ends; a piece gets a share of
the segment's speech time proportional to its characters, with a boundary snapped to a VAD pause
when one is near. Word-level alignment would be exact but costs up to 60% more decode time.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
CLAUSE_END = re.compile(r"(?<=[，,、。！？!?；;])")
SNAP_SECONDS = 0.8


@dataclass(frozen=True)
class SpeechMap:
    """Maps time in the packed speech audio back to time in the original audio."""

    chunk_ends: tuple[float, ...]  # packed-time end of each chunk
    silence_before: tuple[float, ...]  # original-time silence skipped before each chunk

    @classmethod
    def from_chunks(cls, chunks: list[dict[str, int]], rate: int) -> SpeechMap:
        """Build from VAD chunks of sample offsets ({"start", "end"})."""
        ends: list[float] = []
        silences: list[float] = []
        previous_end = 0
        silent = 0
        for chunk in chunks:
            silent += chunk["start"] - previous_end
            previous_end = chunk["end"]
            ends.append((chunk["end"] - silent) / rate)
            silences.append(silent / rate)
        return cls(tuple(ends), tuple(silences))

    def original(self, packed: float, is_end: bool = False) -> float:
        """The original time of a packed time; an end exactly on a chunk edge stays in that chunk."""
        if not self.chunk_ends:
            return packed
        index = bisect.bisect_left(self.chunk_ends, packed) if is_end else bisect.bisect_right(self.chunk_ends, packed)
        index = min(index, len(self.chunk_ends) - 1)
        return round(self.silence_before[index] + packed, 2)

    def pause_near(self, packed: float) -> float | None:
        """The chunk edge (a real pause) within SNAP_SECONDS of a packed time, if any."""
        if not self.chunk_ends:
            return None
        nearest = min(self.chunk_ends[:-1] or self.chunk_ends, key=lambda edge: abs(edge - packed))
        return nearest if abs(nearest - packed) <= SNAP_SECONDS else None


def split_sentences(text: str) -> list[str]:
    """Split after sentence-ending punctuation, dropping empty pieces."""
    return [piece.strip() for piece in SENTENCE_END.split(text) if piece.strip()]


def split_segment(text: str, start: float, end: float, speech: SpeechMap) -> list[tuple[float, float, str]]:
    """Split one packed-time segment into (original start, original end, text) utterances.

    Clauses are cut where a sentence ends, or where a comma falls near a VAD pause (a turn change
    the decoder wrote as a comma); the other clauses stay joined.
    """
    clauses = [c for c in CLAUSE_END.split(text) if c.strip()] or [text]
    total = sum(len(c) for c in clauses) or 1
    out: list[tuple[float, float, str]] = []
    piece_start = cursor = start
    piece = ""
    for i, clause in enumerate(clauses):
        piece += clause
        cursor += (end - start) * len(clause) / total
        last = i == len(clauses) - 1
        pause = None if last else speech.pause_near(cursor)
        if not (last or pause is not None or SENTENCE_END.search(clause[-1:])):
            continue
        piece_end = end if last else min(max(pause if pause is not None else cursor, piece_start), end)
        if piece_end <= piece_start:  # snapped back onto its own start: no time of its own
            if not last:
                continue  # joins the next piece
            if out:
                first, _, joined = out.pop()
                out.append((first, speech.original(end, is_end=True), joined + piece.strip()))
                break
        out.append((speech.original(piece_start), speech.original(piece_end, is_end=True), piece.strip()))
        piece_start = cursor = piece_end
        piece = ""
    return out
