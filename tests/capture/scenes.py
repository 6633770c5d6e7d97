"""Counter scenes built from the committed fixtures: what a counter microphone or array would hear."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soxr

from kesheng.harness import read_wav, write_wav
from tests.conftest import AUDIO

RATE = 16000
VISIT = ("counter_inquiry_card", "counter_complaint_fees", "counter_praise")
TEXTS = dict(line.split("\t")[::3] for line in (AUDIO / "fixtures.tsv").read_text().splitlines()[1:])


def _mono(name: str) -> np.ndarray:
    samples, rate = read_wav(AUDIO / f"{name}.wav")
    assert rate == RATE
    return samples[:, 0]


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def spoken_seconds(names: tuple[str, ...]) -> float:
    """How long the fixtures last, without the pauses mono_visit puts between them."""
    return sum(len(_mono(name)) for name in names) / RATE


def mono_visit(path: Path, names: tuple[str, ...] = VISIT, pause: float = 1.5) -> Path:
    """A customer saying the fixtures one after another, with pauses, as one 16 kHz mono WAV."""
    parts = [_silence(0.5)]
    for name in names:
        parts += [_mono(name), _silence(pause)]
    return write_wav(path, np.concatenate(parts))


def array_visit(path: Path) -> Path:
    """The stereo call as a 4-mic counter array: mic 0 faces the staff, mics 1-3 the customer.

    Each side leaks into the other's mics at -17 dB, and the customer reaches mics 1-3 a few
    samples apart, as sound does across a real array.
    """
    call, rate = read_wav(AUDIO / "call_stereo_8k.wav")
    call = soxr.resample(call, rate, RATE).astype(np.float32)
    staff, customer = call[:, 0], call[:, 1]
    leak = 0.14
    mics = [staff + leak * customer]
    for delay in (0, 3, 7):
        mics.append(0.85 * np.roll(customer, delay) + leak * staff)
    scene = np.stack(mics, axis=1)
    return write_wav(path, np.concatenate([np.zeros((RATE // 2, 4), np.float32), scene]))
