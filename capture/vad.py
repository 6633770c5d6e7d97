"""Streaming Silero VAD: speech probability per 32 ms frame, state carried from one block to the next.

faster-whisper ships the Silero model (ONNX) and runs it over whole files; the agent hears audio a
block at a time, so the recurrent state and the 64-sample context are kept here between calls.
"""

from __future__ import annotations

import numpy as np

FRAME = 512  # samples at 16 kHz: 32 ms, the frame Silero is trained on
_CONTEXT = 64


class StreamingVad:
    """Call with whole frames; returns one speech probability per frame."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._session = get_vad_model().session
        self.reset()

    def reset(self) -> None:
        """Forget the past (a new stream, or a device that was re-opened)."""
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """frames: (k, 512) float32 at 16 kHz → (k,) probabilities."""
        if frames.size == 0:
            return np.zeros(0, dtype=np.float32)
        frames = np.ascontiguousarray(frames, dtype=np.float32).reshape(-1, FRAME)
        contexts = np.vstack([self._context[None, :], frames[:-1, -_CONTEXT:]])
        batch = np.concatenate([contexts, frames], axis=1)
        out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = frames[-1, -_CONTEXT:].copy()
        return np.asarray(out, dtype=np.float32).reshape(-1)
