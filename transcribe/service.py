"""Transcribe decoded audio: per channel for stereo calls, with roles, in one output script."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from audio import DecodedAudio, decode_audio
from core.errors import InvalidRequestError
from core.settings import OutputScript, Settings
from transcribe.correction import Corrector
from transcribe.engine import ChannelResult, DecodeOptions, Transcriber, WhisperTranscriber, Word
from transcribe.model import ModelSpec, model_name, resolve_model
from transcribe.numbers import normalise_numbers
from transcribe.script import unify_script
from transcribe.types import Segment, Transcript
from zhtext.vocabulary import Vocabulary, load_vocabulary


def make_transcriber(settings: Settings, *, lazy: bool = False) -> Transcriber:
    """The one place the ASR engine is chosen from settings; `lazy`: loaded on first use."""
    if lazy:
        return LazyTranscriber(model_name(settings.asr_model), lambda: make_transcriber(settings))
    return WhisperTranscriber(model_spec(settings))


class LazyTranscriber:
    """A transcriber that loads its engine on first use: an API node whose jobs run on other machines,
    or a request that never transcribes, need not spend the seconds and memory of loading Whisper."""

    def __init__(self, name: str, load: Callable[[], Transcriber]) -> None:
        self.name = name
        self._load = load
        self._engine: Transcriber | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    @property
    def engine(self) -> Transcriber:
        with self._lock:
            if self._engine is None:
                self._engine = self._load()
            return self._engine

    def transcribe(self, samples: np.ndarray, options: DecodeOptions) -> ChannelResult:
        return self.engine.transcribe(samples, options)

    def words(self, samples: np.ndarray, options: DecodeOptions) -> list[Word]:
        return self.engine.words(samples, options)

    def token_count(self, text: str) -> int:
        return self.engine.token_count(text)


def model_spec(settings: Settings) -> ModelSpec:
    """Which Whisper model, device and compute type the settings name (assembles the bundled one)."""
    return resolve_model(
        settings.asr_model,
        settings.model_cache_dir,
        settings.asr_device,
        settings.asr_compute_type,
        settings.asr_cpu_threads,
    )


def vocabulary(settings: Settings) -> Vocabulary:
    """The vocabulary as its file reads now (edits apply to the next recording, without a restart)."""
    return load_vocabulary(settings.vocabulary_path, missing_ok=settings.vocabulary_file is None)


def decode_options(
    settings: Settings, branch: str | None = None, transcriber: Transcriber | None = None
) -> DecodeOptions:
    """Decode options from settings, with the terms chosen for this recording's branch as hotwords.

    With a transcriber the hotword budget is counted in its own tokens, else in UTF-8 bytes (an upper bound).
    """
    hotwords = None
    if settings.asr_hotwords:
        count = getattr(transcriber, "token_count", None)
        hotwords = vocabulary(settings).hotwords(branch, settings.asr_industry, settings.asr_hotword_tokens, count)
    return DecodeOptions(
        language=settings.asr_language or None,
        beam_size=settings.asr_beam_size,
        window_seconds=settings.asr_window_seconds,
        batch_size=settings.asr_batch_size,
        initial_prompt=settings.asr_initial_prompt or None,
        hotwords=hotwords,
        min_chars_per_second=settings.asr_min_chars_per_second,
        guards=settings.asr_guards,
        temperature_fallback=settings.asr_temperature_fallback,
    )


@dataclass(frozen=True)
class TextRules:
    """What happens to each decoded line: homophones of vocabulary terms corrected, numbers in digits."""

    corrector: Corrector | None = None
    numbers: bool = True

    @classmethod
    def of(cls, settings: Settings) -> TextRules:
        return cls(Corrector.of(vocabulary(settings).terms) if settings.asr_correction else None)

    def apply(self, text: str) -> str:
        if self.corrector is not None:
            text = self.corrector.correct(text)
        return normalise_numbers(text) if self.numbers else text


def transcribe_audio(
    audio: DecodedAudio,
    transcriber: Transcriber,
    options: DecodeOptions,
    roles: tuple[str, ...],
    script: OutputScript,
    file: str = "",
    rules: TextRules | Future[TextRules] = TextRules(),
) -> Transcript:
    """Transcribe each channel, label it with its role, merge by start time, unify the script, apply the rules."""
    if len(audio.channels) > 1 and len(roles) < len(audio.channels):
        raise InvalidRequestError(f"{len(audio.channels)} channels but a role map for {len(roles)}")
    segments: list[Segment] = []
    languages: list[str] = []
    for index, samples in enumerate(audio.channels):
        role = roles[index] if len(audio.channels) > 1 else (roles[0] if len(roles) == 1 else "unknown")
        result = transcriber.transcribe(samples, options)
        if result.language:
            languages.append(result.language)
        segments += [replace(s, channel=index, role=role) for s in result.segments]
    segments.sort(key=lambda s: (s.start, s.channel))
    ready = rules.result() if isinstance(rules, Future) else rules
    # The rules first: the vocabulary is simplified, and the script conversion comes last.
    texts = unify_script([ready.apply(s.text) for s in segments], script)
    segments = [replace(s, text=t) for s, t in zip(segments, texts, strict=True)]
    warnings = ("audio ended early (truncated file); transcribed what decoded",) if audio.truncated else ()
    return Transcript(
        file=file,
        duration=audio.duration,
        language=languages[0] if languages else None,
        segments=tuple(segments),
        model=transcriber.name,
        warnings=warnings,
    )


def transcribe_file(
    path: Path,
    transcriber: Transcriber,
    settings: Settings,
    roles: tuple[str, ...] | None = None,
    beam_size: int | None = None,
    branch: str | None = None,
) -> Transcript:
    """Decode and transcribe one file; stereo files are split using the role map; `branch` picks the hotwords."""
    roles = roles or settings.role_map
    audio = decode_audio(path, split_stereo=len(roles) >= 2, max_seconds=settings.max_audio_seconds)
    options = decode_options(settings, branch, transcriber)
    if beam_size is not None:
        options = replace(options, beam_size=beam_size)
    with ThreadPoolExecutor(max_workers=1) as pool:
        rules = pool.submit(TextRules.of, settings)  # pypinyin loads (0.2-0.4 s, once) while Whisper decodes
        return transcribe_audio(audio, transcriber, options, roles, settings.output_script, str(path), rules)
