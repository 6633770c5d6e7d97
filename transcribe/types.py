"""Values passed out of the transcription stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Segment:
    """One stretch of speech on one channel."""

    start: float
    end: float
    text: str
    channel: int = 0
    role: str = "unknown"
    avg_logprob: float | None = None
    no_speech_prob: float | None = None


@dataclass(frozen=True)
class Transcript:
    """A whole file: segments of all channels in time order, and their joined text."""

    file: str
    duration: float
    language: str | None
    segments: tuple[Segment, ...]
    model: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        """All segment texts in time order, joined without separators (Chinese has none)."""
        return "".join(s.text for s in self.segments)

    def to_json(self) -> dict[str, Any]:
        """The `kesheng transcribe --json` object."""
        return {
            "file": self.file,
            "duration": round(self.duration, 3),
            "language": self.language,
            "segments": [
                {
                    "start": round(s.start, 2),
                    "end": round(s.end, 2),
                    "channel": s.channel,
                    "role": s.role,
                    "text": s.text,
                }
                for s in self.segments
            ],
            "text": self.text,
        }
