"""WAV bytes of float samples, as the spool stores and the API plays them."""

from __future__ import annotations

import io
import wave

import numpy as np

from audio.rate import SAMPLE_RATE


def wav_bytes(samples: np.ndarray) -> bytes:
    """16-bit mono WAV of float samples in [-1, 1] at 16 kHz."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
