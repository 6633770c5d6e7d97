"""Makers of bad and unusual inputs, written to a folder: each returns the path it wrote."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import av
import numpy as np


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """16-bit PCM WAV; `samples` float in [-1, 1], shape (n,) or (n, channels)."""
    data = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1 if data.ndim == 1 else data.shape[1])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(data.tobytes())
    return path


def empty(folder: Path) -> Path:
    path = folder / "empty.wav"
    path.write_bytes(b"")
    return path


def header_only(folder: Path) -> Path:
    return write_wav(folder / "header_only.wav", np.zeros(0), 16000)


def not_audio(folder: Path) -> Path:
    path = folder / "invoice.wav"
    path.write_bytes(b"%PDF-1.4\n" + b"this is not audio at all\n" * 200)
    return path


def unknown_codec(folder: Path) -> Path:
    """A well-formed WAV whose format tag (0x1234) no codec has: FFmpeg opens it but cannot decode it."""
    data = b"\x00\x01" * 16000
    fmt = struct.pack("<HHIIHH", 0x1234, 1, 16000, 32000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path = folder / "odd_codec.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def gigabyte_header(folder: Path, source: Path) -> Path:
    """A real WAV whose RIFF and data sizes claim ~4 GB while the file holds a few seconds."""
    raw = bytearray(source.read_bytes())
    struct.pack_into("<I", raw, 4, 0xFFFFFFF0)
    data_at = raw.find(b"data")
    struct.pack_into("<I", raw, data_at + 4, 0xFFFFFF00)
    path = folder / "claims_gigabytes.wav"
    path.write_bytes(bytes(raw))
    return path


def silence(folder: Path, seconds: float = 600.0, rate: int = 16000) -> Path:
    return write_wav(folder / f"silence_{int(seconds)}s.wav", np.zeros(int(seconds * rate)), rate)


def white_noise(folder: Path, seconds: float = 20.0, rate: int = 16000) -> Path:
    rng = np.random.default_rng(7)
    return write_wav(folder / "white_noise.wav", rng.normal(0, 0.3, int(seconds * rate)), rate)


def transcode(
    source: Path, target: Path, codec: str, rate: int | None = None, metadata: dict[str, str] | None = None
) -> Path:
    """Re-encode `source` with PyAV (mp3, flac, aac in m4a, vorbis in ogg, pcm) at an optional rate,
    with container metadata (e.g. the creation_time a phone writes)."""
    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        dst.metadata.update(metadata or {})
        in_stream = src.streams.audio[0]
        out_rate = rate or in_stream.rate
        layout = "stereo" if in_stream.channels == 2 else "mono"  # WAVs say "1 channels"; encoders refuse
        out_stream = dst.add_stream(codec, rate=out_rate, layout=layout)
        formats = [f.name for f in out_stream.codec_context.codec.audio_formats or []]
        out_stream.codec_context.format = next(
            (f for f in ("s16p", "fltp", "s16", "flt") if f in formats), formats[0] if formats else "s16"
        )
        out_stream.codec_context.open()  # fixes frame_size before frames are made
        resampler = av.AudioResampler(format=out_stream.codec_context.format.name, layout=layout, rate=out_rate)
        fifo = av.AudioFifo()
        for frame in src.decode(in_stream):
            frame.pts = None
            for converted in resampler.resample(frame):
                fifo.write(converted)
        for converted in resampler.resample(None):
            fifo.write(converted)
        size = out_stream.codec_context.frame_size or 1024
        while fifo.samples:
            chunk = fifo.read(min(size, fifo.samples))
            chunk.pts = None
            dst.mux(out_stream.encode(chunk))
        dst.mux(out_stream.encode(None))
    return target


def truncated(source: Path, folder: Path, keep: float = 0.5) -> Path:
    """The first `keep` share of an encoded file's bytes, cut mid-frame."""
    raw = source.read_bytes()
    path = folder / f"truncated{source.suffix}"
    path.write_bytes(raw[: int(len(raw) * keep) + 3])
    return path
