"""Real speech through the streaming VAD and the utterance cutter."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from audio import SAMPLE_RATE as RATE
from capture.cutter import CutterOptions, CutUtterance, UtteranceCutter
from capture.vad import FRAME, StreamingVad
from kesheng.harness import read_wav
from tests.capture.scenes import VISIT, mono_visit


def cut(samples: np.ndarray, options: CutterOptions | None = None, block: int = 7) -> list[CutUtterance]:
    """Feed like the agent does, a few frames at a time, then flush."""
    vad, cutter = StreamingVad(), UtteranceCutter(options)
    frames = samples[: len(samples) // FRAME * FRAME].reshape(-1, FRAME)
    found = []
    for i in range(0, len(frames), block):
        chunk = frames[i : i + block]
        for frame, prob in zip(chunk, vad(chunk), strict=True):
            if (u := cutter.push(frame[:, None], float(prob))) is not None:
                found.append(u)
    if (u := cutter.flush()) is not None:
        found.append(u)
    return found


def test_a_visit_is_cut_at_its_pauses(tmp_path: Path) -> None:
    audio, _ = read_wav(mono_visit(tmp_path / "visit.wav", pause=1.0))
    utterances = cut(audio[:, 0])
    assert len(utterances) == len(VISIT)
    starts = [u.start / RATE for u in utterances]
    assert starts == sorted(starts) and starts[0] < 0.6
    for u in utterances:  # whole sentences with a little pre-roll and tail, not the pauses
        assert 2.5 < u.duration < 7.0
        assert u.samples.shape[1] == 1


def test_long_speech_is_cut_at_the_maximum_and_goes_on(tmp_path: Path) -> None:
    audio, _ = read_wav(mono_visit(tmp_path / "visit.wav", pause=0.1))  # hardly a breath between sentences
    utterances = cut(audio[:, 0], CutterOptions(max_utterance=3.0))
    assert len(utterances) >= 4
    assert all(u.duration <= 3.0 + FRAME / RATE for u in utterances)
    covered = sum(u.duration for u in utterances)
    assert covered > 0.8 * len(audio) / RATE - 1.0  # the speech is all there, in pieces


def test_clicks_and_silence_make_no_utterance() -> None:
    silence = np.zeros(RATE * 3, dtype=np.float32)
    click = silence.copy()
    click[RATE : RATE + 80] = 0.9
    assert cut(silence) == [] and cut(click) == []
    noise = (np.random.default_rng(0).standard_normal(RATE * 3) * 0.01).astype(np.float32)
    assert cut(noise) == []


def test_stop_mid_sentence_flushes_what_was_said(tmp_path: Path) -> None:
    audio, _ = read_wav(mono_visit(tmp_path / "one.wav", ("counter_complaint_fees",)))
    half = audio[: len(audio) // 2, 0]
    utterances = cut(half)
    assert len(utterances) == 1 and utterances[0].duration > 1.5
