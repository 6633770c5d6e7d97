"""ASR engines behind one small interface; faster-whisper is the one shipped."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from audio import SAMPLE_RATE
from transcribe.continuation import resume_point, trim_overlap
from transcribe.hallucination import HallucinationLimits, echoes_prompt, keep_segment, strip_repetition
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
    window_seconds: float = 30.0  # speech decoded per call, cut at pauses (see pack_windows)
    # Above 1: faster-whisper's batched pipeline over the same windows, this many per model call.
    # 0: GPU_BATCH_SIZE on a GPU, none on CPU (where batching measured no faster).
    batch_size: int = 0
    # A segment with fewer characters per second than this over a pause, or text that stops before
    # the window's speech does, means Whisper skipped speech: decoding goes on from the pause where
    # its text ends (transcribe/continuation.py). 0 turns the check off.
    min_chars_per_second: float = 2.0
    guards: bool = True  # the hallucination checks of transcribe/hallucination.py
    # Whisper's fallback: a window whose text is too repetitive or unlikely is decoded again, sampling
    # at rising temperatures. Off: one greedy-or-beam pass at temperature 0.
    temperature_fallback: bool = False
    limits: HallucinationLimits = field(default_factory=HallucinationLimits)


@dataclass(frozen=True)
class ChannelResult:
    """Segments of one mono channel plus the language Whisper settled on."""

    segments: tuple[Segment, ...]
    language: str | None


@dataclass(frozen=True)
class Word:
    """One word with its time in the samples it was decoded from."""

    start: float
    end: float
    text: str


class Transcriber(Protocol):
    """Turns one mono 16 kHz channel into segments."""

    name: str

    def transcribe(self, samples: np.ndarray, options: DecodeOptions) -> ChannelResult:
        """Transcribe one channel; segment channel/role are filled in by the caller."""
        ...

    def words(self, samples: np.ndarray, options: DecodeOptions) -> list[Word]:
        """Word-level timestamps of a short stretch (one utterance), for locating what was said when."""
        ...

    def token_count(self, text: str) -> int:
        """How many prompt tokens a text takes (the hotword budget is counted in these)."""
        ...


WINDOW_SECONDS = 30.0  # Whisper's input length
GPU_BATCH_SIZE = 8
# A batched window (one segment, no timestamps) is decoded again when its text is thinner than this
# many times DecodeOptions.min_chars_per_second over the whole window (2.5 characters a second at
# the default): long-form CER 0.228 batched, against 0.303 at 1.0 and bare batched 0.425.
BATCHED_WINDOW_RATE = 1.25
# The temperature fallback samples; a fixed seed per channel makes a file's transcript the same on
# every run (and kesheng comparable with bare faster-whisper seeded the same way).
SAMPLING_SEED = 1234


def seed_sampling() -> None:
    """Reset CTranslate2's random generator (call with the model lock held)."""
    import ctranslate2

    ctranslate2.set_random_seed(SAMPLING_SEED)


def find_speech(samples: np.ndarray) -> list[dict[str, int]]:
    """Speech clips (sample offsets) found by faster-whisper's Silero VAD, none longer than a window.

    Half a second of silence ends a clip, so windows can be cut at real pauses.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if samples.size == 0:
        return []
    options = VadOptions(min_silence_duration_ms=500, max_speech_duration_s=WINDOW_SECONDS - 1)
    return get_speech_timestamps(samples, options)


def pack_windows(speech: SpeechMap, limit: float) -> list[tuple[float, float]]:
    """Packed-time windows of whole clips, each as long as fits in `limit` (a longer clip alone).

    Decoding packed audio in plain 30 s windows cuts sentences at window edges, and Whisper then
    often writes one segment for the rest of the window and skips what follows; a window that ends
    at a pause has no such edge (bench/bench_accuracy.py measures the long-form error rate).
    """
    windows: list[tuple[float, float]] = []
    start = previous = 0.0
    for end in speech.chunk_ends:
        if end - start > limit and previous > start:
            windows.append((start, previous))
            start = previous
        previous = end
    if previous > start:
        windows.append((start, previous))
    return windows


def clip_spans(speech: SpeechMap) -> list[tuple[float, float]]:
    """Packed-time span of each clip."""
    starts = (0.0, *speech.chunk_ends[:-1])
    return list(zip(starts, speech.chunk_ends, strict=True))


def _whisper_args(options: DecodeOptions) -> dict[str, Any]:
    """What both the plain and the batched faster-whisper calls are given."""
    return {
        "language": options.language,
        "beam_size": options.beam_size,
        "initial_prompt": options.initial_prompt,
        "hotwords": options.hotwords,
        "vad_filter": False,  # done here, so segment times can be mapped back sentence by sentence
        **({} if options.temperature_fallback else {"temperature": 0.0}),
    }


class WhisperTranscriber:
    """faster-whisper with VAD and hallucination guards."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.model = load_whisper(spec)
        self._batched: Any = None  # faster_whisper.BatchedInferencePipeline, made on first use
        # CTranslate2 runs one model call at a time well on few cores; serialise instead of thrashing.
        self._lock = threading.Lock()

    def transcribe(self, samples: np.ndarray, options: DecodeOptions) -> ChannelResult:
        """Decode one channel and keep only segments that pass the hallucination checks."""
        speech = find_speech(samples) if options.vad else [{"start": 0, "end": samples.size}]
        if not speech:
            return ChannelResult((), options.language)  # silence: nothing to decode, nothing invented
        packed = np.concatenate([samples[c["start"] : c["end"]] for c in speech])
        speech_map = SpeechMap.from_chunks(speech, SAMPLE_RATE)
        clips = clip_spans(speech_map)
        batch_size = options.batch_size or (GPU_BATCH_SIZE if self.spec.device == "cuda" else 1)
        with self._lock:
            seed_sampling()
            windows = pack_windows(speech_map, options.window_seconds)
            if batch_size > 1 and all(end - start <= WINDOW_SECONDS for start, end in windows):
                decoded, language = self._decode_batched(packed, windows, replace(options, batch_size=batch_size))
                decoded = self._redo_short_windows(packed, windows, clips, decoded, options)
            else:
                decoded, language = self._decode(packed, windows, options, clips)
        kept = []
        duration = round(samples.size / SAMPLE_RATE, 2)
        for seg in decoded:
            text = _guarded_text(seg, options)
            if not text:
                continue
            for start, end, piece in split_segment(text, seg.start, seg.end, speech_map):
                end = min(end, duration)  # Whisper's last timestamp can run past the audio
                kept.append(
                    Segment(
                        start=min(start, end),
                        end=end,
                        text=piece,
                        avg_logprob=seg.avg_logprob,
                        no_speech_prob=seg.no_speech_prob,
                    )
                )
        return ChannelResult(tuple(kept), language)

    def token_count(self, text: str) -> int:
        """Tokens of `text` in this model's tokenizer, as faster-whisper encodes hotwords."""
        return len(self.model.hf_tokenizer.encode(text, add_special_tokens=False).ids)

    def words(self, samples: np.ndarray, options: DecodeOptions) -> list[Word]:
        """Decode once more with word timestamps (cross-attention alignment); used on few utterances."""
        with self._lock:
            seed_sampling()
            raw, _info = self.model.transcribe(
                samples, **_whisper_args(options), word_timestamps=True, condition_on_previous_text=False
            )
            return [Word(w.start, w.end, w.word) for seg in raw for w in (seg.words or [])]

    def _decode(self, packed: np.ndarray, windows: list[tuple[float, float]], options: DecodeOptions, clips=()):  # type: ignore[no-untyped-def]
        """One window after another, each ending at a pause; segment times in packed time.

        Each window is its own call: faster-whisper's clip_timestamps can seek past a clip's end and
        then repeat one segment dozens of times.
        """
        decoded = []
        language = options.language
        for start, end in windows:
            segments, language = self._decode_window(packed, start, end, options)
            decoded += self._go_on(packed, segments, start, end, clips, options)
        return decoded, language

    def _go_on(self, packed, segments, start: float, end: float, clips, options: DecodeOptions):  # type: ignore[no-untyped-def]
        """A window's segments, decoding on from the pause where Whisper stopped writing until it is whole.

        The text decoded on replaces what Whisper wrote after that pause only where it holds more
        that passes the guards (a second decode can loop where the first did not).
        """
        kept, resume = resume_point(segments, start, end, [e for _, e in clips], options.min_chars_per_second)
        if resume is None:
            return kept
        rest = segments[len(kept) :]
        more, _ = self._decode_window(packed, resume, end, options)
        if more:
            more[0] = replace(more[0], text=trim_overlap(kept[-1].text, more[0].text.strip()))
        more = self._go_on(packed, more, resume, end, clips, options)
        return kept + (more if _guarded_chars(more, options) > _guarded_chars(rest, options) else rest)

    def _redo_short_windows(self, packed, windows, clips, decoded, options: DecodeOptions):  # type: ignore[no-untyped-def]
        """Batched output with each window whose text is too short for its speech decoded again plainly.

        Batched windows come back as one segment without timestamps, so where the text stopped is
        unknown: the window is decoded with timestamps (and on from where that stops), and the text
        with more that passes the guards is kept.
        """
        whole = []
        pauses = [e for _, e in clips]
        for start, end in windows:
            mine = [seg for seg in decoded if start - 0.01 <= seg.start < end]
            short = _guarded_chars(mine, options) < BATCHED_WINDOW_RATE * options.min_chars_per_second * (end - start)
            if short and any(start < p < end for p in pauses):
                plain, _ = self._decode_window(packed, start, end, options)
                plain = self._go_on(packed, plain, start, end, clips, options)
                mine = plain if _guarded_chars(plain, options) > _guarded_chars(mine, options) else mine
            whole += mine
        return whole

    def _decode_window(self, packed: np.ndarray, start: float, end: float, options: DecodeOptions):  # type: ignore[no-untyped-def]
        audio = packed[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]
        raw, info = self.model.transcribe(
            audio,
            **_whisper_args(options),
            condition_on_previous_text=False,  # stops one bad segment from seeding a loop
        )
        return [replace(seg, start=seg.start + start, end=seg.end + start) for seg in raw], info.language

    def _decode_batched(self, packed: np.ndarray, windows: list[tuple[float, float]], options: DecodeOptions):  # type: ignore[no-untyped-def]
        """The same windows as _decode, options.batch_size per model call, one segment each.

        (Every clip its own window measured worse: 0.241 against bare batched faster-whisper's 0.223 on
        the shared real clips, as short clips lose their context.)
        """
        from faster_whisper import BatchedInferencePipeline

        if self._batched is None:
            self._batched = BatchedInferencePipeline(self.model)
        raw, info = self._batched.transcribe(
            packed,
            **_whisper_args(options),
            clip_timestamps=[{"start": start, "end": end} for start, end in windows],
            batch_size=options.batch_size,
            # With timestamps a batched window cannot seek on after its first segment and drops the rest.
            without_timestamps=True,
        )
        return list(raw), info.language


def _guarded_text(seg, options: DecodeOptions) -> str:  # type: ignore[no-untyped-def]
    """A segment's text as the hallucination guards leave it ("" where they drop it)."""
    text = seg.text.strip()
    if not options.guards:
        return text
    if echoes_prompt(text, options.initial_prompt) or not keep_segment(
        text, seg.no_speech_prob, seg.avg_logprob, seg.compression_ratio, options.limits
    ):
        return ""
    return strip_repetition(text, options.limits.max_repeats)


def _guarded_chars(segments, options: DecodeOptions) -> int:  # type: ignore[no-untyped-def]
    return sum(len(_guarded_text(seg, options)) for seg in segments)
