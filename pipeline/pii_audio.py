"""Personal data in the audio: where it was spoken (word timestamps), and playback with it beeped.

Text is redacted before it is stored, but the recording still holds the spoken numbers. When an
utterance's text had personal data, its audio is decoded once more with word timestamps and the
same detector runs on the words, giving the seconds to beep. If the words do not show the number
again (the second decode can differ), the whole utterance is beeped: silence beats a leak.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from audio import SAMPLE_RATE, decode_audio, wav_bytes
from transcribe.engine import DecodeOptions, Transcriber

PAD = 0.25  # seconds of context around the utterance for the word decode
BEEP_HZ = 1000.0
BEEP_LEVEL = 0.2  # about -14 dBFS: clearly a beep, not painful

Finder = Callable[[str], Sequence[tuple[int, int]]]  # text → (start, end) character spans


def pii_times(
    transcriber: Transcriber, samples: np.ndarray, start: float, end: float, options: DecodeOptions, find: Finder
) -> list[list[float]]:
    """[[start, end], ...] in the samples' time where `find` sees personal data in the spoken words."""
    first = max(0.0, start - PAD)
    clip = samples[int(first * SAMPLE_RATE) : int((end + PAD) * SAMPLE_RATE)]
    words = transcriber.words(clip, options)
    text = ""
    placed = []
    for word in words:
        placed.append((len(text), len(text) + len(word.text), word))
        text += word.text
    spans = []
    for char_start, char_end in find(text):
        covering = [w for a, b, w in placed if a < char_end and b > char_start]
        if covering:
            spans.append([round(first + covering[0].start, 3), round(first + covering[-1].end, 3)])
    return spans or [[round(start, 3), round(end, 3)]]


def beep_over(samples: np.ndarray, spans: list[list[float]], offset: float) -> np.ndarray:
    """A copy with every span (in seconds, `offset` = time of sample 0) replaced by a tone."""
    out = samples.copy()
    for span_start, span_end in spans:
        a = max(0, int((span_start - offset) * SAMPLE_RATE))
        b = min(len(out), int((span_end - offset) * SAMPLE_RATE))
        if b > a:
            t = np.arange(b - a) / SAMPLE_RATE
            out[a:b] = BEEP_LEVEL * np.sin(2 * np.pi * BEEP_HZ * t)
    return out


def utterance_wav(
    path: Path, channel: int, start: float, end: float, spans: list[list[float]] | None, stereo: bool
) -> bytes:
    """16 kHz mono WAV of one utterance (times in the file's own timeline), personal data beeped."""
    audio = decode_audio(path, split_stereo=stereo)
    samples = audio.channels[min(channel, len(audio.channels) - 1)]
    first = max(0.0, start - PAD)
    clip = samples[int(first * SAMPLE_RATE) : int((end + PAD) * SAMPLE_RATE)]
    return wav_bytes(beep_over(clip, spans or [], first))
