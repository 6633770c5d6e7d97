"""ASR engines behind one small interface; faster-whisper is the one shipped."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from transcribe.hallucination import HallucinationLimits, keep_segment, strip_repetition
from transcribe.model import ModelSpec, load_whisper
from transcribe.segmenting import SpeechMap, split_segment
from transcribe.types import Segment


@dataclass(frozen=True)
class DecodeOptions:
    """How to decode; one object instead of a dozen loose arguments."""

    language: str | None = "zh"
    beam_size: int = 5
    initial_prompt: str | None = "以下是普通话的句子。"
    hotwords: str | None = None
    vad: bool = True
    limits: HallucinationLimits = field(default_factory=HallucinationLimits)


@dataclass(frozen=True)
class ChannelResult:
    """Segments of one mono channel plus the language Whisper settled on."""

    segments: tuple[Segment, ...]
    language: str | None


class Transcriber(Protocol):
    """Turns one mono 16 kHz channel into segments."""

    name: str

    def transcribe(self, samples: np.ndarray, options: DecodeOptions) -> ChannelResult:
        """Transcribe one channel; segment channel/role are filled in by the caller."""
        ...


SAMPLE_RATE = 16000


def find_speech(samples: np.ndarray) -> list[dict[str, int]]:
    """Speech chunks (sample offsets) found by faster-whisper's Silero VAD."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if samples.size == 0:
        return []
    return get_speech_timestamps(samples, VadOptions())


class WhisperTranscriber:
    """faster-whisper with VAD and hallucination guards."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.model = load_whisper(spec)
        # CTranslate2 runs one model call at a time well on few cores; serialise instead of thrashing.
        self._lock = threading.Lock()

    def transcribe(self, samples: np.ndarray, options: DecodeOptions) -> ChannelResult:
        """Decode one channel and keep only segments that pass the hallucination checks."""
        speech = find_speech(samples) if options.vad else [{"start": 0, "end": samples.size}]
        if not speech:
            return ChannelResult((), options.language)  # silence: nothing to decode, nothing invented
        packed = np.concatenate([samples[c["start"] : c["end"]] for c in speech])
        speech_map = SpeechMap.from_chunks(speech, SAMPLE_RATE)
        with self._lock:
            raw, info = self.model.transcribe(
                packed,
                language=options.language,
                beam_size=options.beam_size,
                initial_prompt=options.initial_prompt,
                hotwords=options.hotwords,
                vad_filter=False,  # done above, so segment times can be mapped back sentence by sentence
                condition_on_previous_text=False,  # stops one bad segment from seeding a loop
            )
            decoded = list(raw)
        kept = []
        for seg in decoded:
            text = seg.text.strip()
            if not keep_segment(text, seg.no_speech_prob, seg.avg_logprob, seg.compression_ratio, options.limits):
                continue
            text = strip_repetition(text, options.limits.max_repeats)
            for start, end, piece in split_segment(text, seg.start, seg.end, speech_map):
                kept.append(
                    Segment(
                        start=start, end=end, text=piece, avg_logprob=seg.avg_logprob, no_speech_prob=seg.no_speech_prob
                    )
                )
        return ChannelResult(tuple(kept), info.language)
