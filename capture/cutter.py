"""Cut a stream of VAD-scored frames into utterances: start after enough speech, end after a hang-over.

Frames carry every input channel, so a mic array's utterance keeps all of them until roles are
decided. Times are sample indices on the stream's 16 kHz clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from audio import SAMPLE_RATE
from capture.vad import FRAME

_FRAME_SECONDS = FRAME / SAMPLE_RATE


@dataclass(frozen=True)
class CutterOptions:
    """Seconds, except the thresholds (speech probability)."""

    threshold: float = 0.5  # a frame at or above this is speech
    neg_threshold: float = 0.35  # below this it is silence; in between continues what was going on
    min_speech: float = 0.25  # this much speech in a row opens an utterance
    hangover: float = 0.6  # this much silence closes it
    min_utterance: float = 0.5  # shorter voiced stretches (a cough, a click) are dropped
    max_utterance: float = 20.0  # longer speech is cut here and goes on in the next utterance
    pre_roll: float = 0.3  # audio kept from before the start, so the first syllable is whole
    tail: float = 0.2  # silence kept after the end

    def frames(self, seconds: float) -> int:
        """Whole frames in `seconds` (at least one)."""
        return max(1, round(seconds / _FRAME_SECONDS))


@dataclass(frozen=True)
class CutUtterance:
    """One utterance: its first sample on the stream clock, and samples (n, channels)."""

    start: int
    samples: np.ndarray

    @property
    def duration(self) -> float:
        """Seconds."""
        return len(self.samples) / SAMPLE_RATE


class UtteranceCutter:
    """Feed frames with their speech probability; get utterances back as they end."""

    def __init__(self, options: CutterOptions | None = None) -> None:
        self.options = options or CutterOptions()
        o = self.options
        self._pre = deque[np.ndarray](maxlen=o.frames(o.pre_roll) + o.frames(o.min_speech))
        self._need_speech = o.frames(o.min_speech)
        self._need_silence = o.frames(o.hangover)
        self._max = o.frames(o.max_utterance)
        self._tail = o.frames(o.tail)
        self._min = o.frames(o.min_utterance)
        self._frame_index = 0  # index of the next frame pushed
        self._reset()

    def _reset(self) -> None:
        self._buf: list[np.ndarray] = []
        self._start_frame = 0
        self._speech_run = 0
        self._silence_run = 0
        self._voiced = 0

    @property
    def in_speech(self) -> bool:
        """An utterance is open."""
        return bool(self._buf)

    def push(self, frame: np.ndarray, prob: float) -> CutUtterance | None:
        """One (512, channels) frame; returns an utterance when this frame ended one."""
        index = self._frame_index
        self._frame_index += 1
        o = self.options
        if not self._buf:
            self._pre.append(frame)
            self._speech_run = self._speech_run + 1 if prob >= o.threshold else 0
            if self._speech_run >= self._need_speech:
                self._buf = list(self._pre)
                self._pre.clear()
                self._start_frame = index + 1 - len(self._buf)
                self._voiced = self._speech_run
                self._silence_run = 0
            return None
        self._buf.append(frame)
        if prob < o.neg_threshold:
            self._silence_run += 1
        else:
            self._silence_run = 0
            self._voiced += 1
        if self._silence_run >= self._need_silence:
            return self._emit(trailing_silence=self._silence_run)
        if len(self._buf) >= self._max:  # keep talking, but ship what is there: latency stays bounded
            cut = self._emit(trailing_silence=0)
            self._speech_run = self._need_speech - 1  # still speaking: one more speech frame opens the next part
            return cut
        return None

    def flush(self) -> CutUtterance | None:
        """End of stream (stop, device lost): the open utterance, if long enough."""
        if not self._buf:
            return None
        cut = self._emit(trailing_silence=self._silence_run)
        self._pre.clear()
        return cut

    def _emit(self, trailing_silence: int) -> CutUtterance | None:
        keep = len(self._buf) - max(0, trailing_silence - self._tail)
        frames, start, voiced = self._buf[:keep], self._start_frame, self._voiced
        self._reset()
        if voiced < self._min or not frames:
            return None
        return CutUtterance(start=start * FRAME, samples=np.concatenate(frames, axis=0))
