"""Decode wav/mp3/m4a/flac/ogg (anything FFmpeg reads) into 16 kHz float32 channels.

Decoding streams frame by frame and stops at the configured duration limit, so a header that
claims gigabytes or an endless stream costs bounded memory and time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import av
import numpy as np

from audio.rate import SAMPLE_RATE
from core.errors import AudioTooLargeError, EmptyAudioError, UnsupportedAudioError


@dataclass(frozen=True)
class AudioInfo:
    """What the container says about the audio, before decoding it."""

    format: str
    sample_rate: int
    channels: int
    duration: float | None
    recorded_at: datetime | None = None  # the file's own creation time (MP4/M4A, and others that keep one)


@dataclass(frozen=True)
class DecodedAudio:
    """Decoded audio: one float32 array per kept channel, at `sample_rate`."""

    channels: tuple[np.ndarray, ...]
    sample_rate: int
    info: AudioInfo
    truncated: bool  # the file ended early or broke off mid-stream; what decoded is kept

    @property
    def duration(self) -> float:
        """Seconds of decoded audio."""
        return len(self.channels[0]) / self.sample_rate if self.channels else 0.0


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise UnsupportedAudioError("file does not exist", source=str(path))
    if path.stat().st_size == 0:
        raise EmptyAudioError("file is empty (0 bytes)", source=str(path))
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise UnsupportedAudioError(f"not a readable audio file ({exc.__class__.__name__})", source=str(path)) from exc
    if not container.streams.audio:
        container.close()
        raise UnsupportedAudioError("contains no audio stream", source=str(path))
    return container


def probe_audio(path: Path) -> AudioInfo:
    """Read the container header: format, rate, channels, duration when known."""
    with _open(path) as container:
        return _info(container)


def _info(container: av.container.InputContainer) -> AudioInfo:
    stream = container.streams.audio[0]
    if stream.codec_context is None:  # a container FFmpeg reads around a codec it does not know (WAV tag 0x1234)
        raise UnsupportedAudioError(f"the audio's codec is not one FFmpeg can decode ({container.format.name})")
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    return AudioInfo(
        format=container.format.name.split(",")[0],
        sample_rate=int(stream.codec_context.sample_rate or 0),
        channels=int(stream.codec_context.channels or 0),
        duration=duration,
        recorded_at=_recorded_at({**stream.metadata, **container.metadata}),
    )


def _recorded_at(metadata: dict[str, str]) -> datetime | None:
    """The `creation_time` a phone or recorder wrote (UTC by the MP4 format), when it is a believable time.

    Devices without a clock write 1904-01-01 or 1970-01-01; a date without a time is too vague to date a call.
    """
    text = metadata.get("creation_time", "").strip()
    if len(text) <= 10:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment if moment.year >= 1990 else None


def decode_audio(
    path: Path, *, split_stereo: bool = False, max_seconds: float = 4 * 3600, sample_rate: int = SAMPLE_RATE
) -> DecodedAudio:
    """Decode to mono (or two channels when split_stereo and the file is stereo) at sample_rate."""
    path = Path(path)
    with _open(path) as container:
        info = _info(container)
        keep_two = split_stereo and info.channels == 2
        layout = "stereo" if keep_two else "mono"
        resampler = av.AudioResampler(format="s16", layout=layout, rate=sample_rate)
        limit = int(max_seconds * sample_rate)
        chunks: list[np.ndarray] = []
        total = 0
        truncated = False
        stream = container.streams.audio[0]
        try:
            for frame in container.decode(stream):
                frame.pts = None  # let the resampler count; broken timestamps must not matter
                for out in resampler.resample(frame):
                    total = _append(out, chunks, total, limit, max_seconds, path)
            for out in resampler.resample(None):
                total = _append(out, chunks, total, limit, max_seconds, path)
        except (av.error.FFmpegError, ValueError) as exc:
            if total == 0:
                raise UnsupportedAudioError(
                    f"cannot decode audio ({exc.__class__.__name__}: {exc})", source=str(path)
                ) from exc
            truncated = True  # a cut-off file: keep what decoded
    if total == 0:
        raise EmptyAudioError("decodes to no audio samples", source=str(path))
    interleaved = np.concatenate(chunks).astype(np.float32) / 32768.0
    n = 2 if keep_two else 1
    channels = tuple(np.ascontiguousarray(interleaved[i::n]) for i in range(n))
    return DecodedAudio(channels=channels, sample_rate=sample_rate, info=info, truncated=truncated)


def _append(
    frame: av.AudioFrame, chunks: list[np.ndarray], total: int, limit: int, max_seconds: float, path: Path
) -> int:
    data = frame.to_ndarray().reshape(-1)
    chunks.append(data)
    total += frame.samples
    if total > limit:
        raise AudioTooLargeError(f"longer than the limit of {max_seconds:.0f} s", source=str(path))
    return total
