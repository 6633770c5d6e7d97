"""Transcribe decoded audio: per channel for stereo calls, with roles, in one output script."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from capture.audio import DecodedAudio, decode_audio
from kesheng.errors import InvalidRequestError
from kesheng.settings import OutputScript, Settings
from transcribe.engine import DecodeOptions, Transcriber, WhisperTranscriber
from transcribe.model import ModelSpec, resolve_model
from transcribe.script import unify_script
from transcribe.types import Segment, Transcript
from transcribe.vocabulary import load_vocabulary


def make_transcriber(settings: Settings) -> Transcriber:
    """The one place the ASR engine is chosen from settings."""
    return WhisperTranscriber(model_spec(settings))


def model_spec(settings: Settings) -> ModelSpec:
    """Which Whisper model, device and compute type the settings name (assembles the bundled one)."""
    return resolve_model(
        settings.asr_model,
        settings.model_cache_dir,
        settings.asr_device,
        settings.asr_compute_type,
        settings.asr_cpu_threads,
    )


def decode_options(settings: Settings) -> DecodeOptions:
    """Decode options from settings, with the domain vocabulary as hotwords."""
    vocabulary = load_vocabulary(settings.vocabulary_file)
    return DecodeOptions(
        language=settings.asr_language or None,
        beam_size=settings.asr_beam_size,
        window_seconds=settings.asr_window_seconds,
        batch_size=settings.asr_batch_size,
        initial_prompt=settings.asr_initial_prompt or None,
        hotwords=(vocabulary.hotwords() or None) if settings.asr_hotwords else None,
    )


def transcribe_audio(
    audio: DecodedAudio,
    transcriber: Transcriber,
    options: DecodeOptions,
    roles: tuple[str, ...],
    script: OutputScript,
    file: str = "",
) -> Transcript:
    """Transcribe each channel, label it with its role, merge by start time, unify the script."""
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
    texts = unify_script([s.text for s in segments], script)
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
) -> Transcript:
    """Decode and transcribe one file; stereo files are split using the role map."""
    roles = roles or settings.role_map
    audio = decode_audio(path, split_stereo=len(roles) >= 2, max_seconds=settings.max_audio_seconds)
    options = decode_options(settings)
    if beam_size is not None:
        options = replace(options, beam_size=beam_size)
    return transcribe_audio(audio, transcriber, options, roles, settings.output_script, file=str(path))
