"""Where the agent's audio comes from: a real input device through sounddevice, or a file (tests, bench).

A device is named by PortAudio index, by PortAudio name, or by a sound-server source name (a
Bluetooth headset's `bluez_source...`, an array's source), which is opened through PortAudio's
`pulse` device with PULSE_SOURCE set. `alive()` says whether the device is still there, so the
agent can close a headset that went away and open it again when it comes back.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from audio_inputs.listing import InputDevice, portaudio_inputs, sound_server_sources
from core.errors import ConfigError, DeviceError


class AudioSource(Protocol):
    """Blocks of float32 samples (frames, channels) at `rate`."""

    rate: int
    channels: int
    name: str

    def open(self) -> None: ...
    def read(self, timeout: float) -> np.ndarray | None: ...
    def alive(self) -> bool: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class ResolvedDevice:
    """How to open a named device: the PortAudio device and, for a sound-server source, its name."""

    portaudio: int | str
    pulse_source: str | None
    info: InputDevice


def resolve_device(device: str) -> ResolvedDevice:
    """NAME|INDEX → how to open it; DeviceError naming what exists when nothing matches."""
    inputs = portaudio_inputs()
    if device.strip().isdigit():
        index = int(device)
        for d in inputs:
            if d.index == index:
                return ResolvedDevice(index, None, d)
        raise DeviceError(f"no input device with index {index}; see `kesheng devices list`")
    for d in inputs:
        if d.name == device:
            return ResolvedDevice(d.name if d.index is None else d.index, None, d)
    for d in sound_server_sources():
        if d.name == device:
            pulse = next((p for p in inputs if p.name == "pulse"), None)
            if pulse is None or pulse.index is None:
                raise DeviceError(f"{device} is a sound-server source, but PortAudio has no 'pulse' device")
            return ResolvedDevice(pulse.index, d.name, d)
    raise DeviceError(f"no input device named {device!r}; see `kesheng devices list`")


class DeviceSource:
    """A sounddevice input stream at the device's own rate, blocks handed over through a queue."""

    def __init__(self, device: str, channels: int | None = None, block_seconds: float = 0.05) -> None:
        self.device = device
        self.name = device
        self.requested_channels = channels
        self.block_seconds = block_seconds
        self.rate = 0
        self.channels = 0
        self.overflows = 0
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=2000)
        self._stream: Any = None
        self._pulse_source: str | None = None
        self._checked_at = 0.0
        self._present = True

    def open(self) -> None:
        """Open the stream; DeviceError when the device is not there (the caller waits and retries)."""
        import sounddevice

        resolved = resolve_device(self.device)
        self._pulse_source = resolved.pulse_source
        self.rate = int(resolved.info.default_samplerate) or 48000
        self.channels = self.requested_channels or max(1, resolved.info.channels)
        if resolved.info.channels and self.channels > resolved.info.channels:  # waiting will not fix this
            raise ConfigError(f"{self.device} has {resolved.info.channels} channel(s); the map needs {self.channels}")
        if resolved.pulse_source:
            os.environ["PULSE_SOURCE"] = resolved.pulse_source  # read by libpulse when the stream opens
        try:
            self._stream = sounddevice.InputStream(
                device=resolved.portaudio,
                channels=self.channels,
                samplerate=self.rate,
                dtype="float32",
                blocksize=int(self.rate * self.block_seconds),
                callback=self._callback,
            )
            self._stream.start()
        except sounddevice.PortAudioError as exc:
            self._stream = None
            raise DeviceError(f"cannot open {self.device}: {exc}") from exc
        self._present = True

    def _callback(self, indata: np.ndarray, _frames: int, _time: Any, status: Any) -> None:
        if status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:  # the consumer is stuck; counted, the stream must not block
            self.overflows += 1

    def read(self, timeout: float) -> np.ndarray | None:
        """The next block, or None when none came within `timeout`."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def alive(self) -> bool:
        """The stream runs and (for a sound-server source) the source still exists; checked once a second."""
        if self._stream is None or not self._stream.active:
            return False
        if self._pulse_source and time.monotonic() - self._checked_at > 1.0:
            self._checked_at = time.monotonic()
            # When a source disappears the sound server moves our stream to another one: we would
            # record the wrong microphone without noticing, so look for it by name.
            self._present = any(s.name == self._pulse_source for s in sound_server_sources())
        return self._present

    def close(self) -> None:
        """Stop and close the stream; queued blocks are kept for read()."""
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # the device may already be gone; closing must not fail
                pass


class FileSource:
    """A WAV file played as if it were a microphone: blocks paced in real time (or as fast as asked)."""

    def __init__(self, path: Path, block_seconds: float = 0.05, realtime: bool = True) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.block_seconds = block_seconds
        self.realtime = realtime
        with wave.open(str(self.path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise DeviceError(f"{path}: FileSource reads 16-bit PCM WAV")
            self.rate = wav.getframerate()
            self.channels = wav.getnchannels()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        self._samples = (pcm.astype(np.float32) / 32768.0).reshape(-1, self.channels)
        self._pos = 0
        self._t0 = 0.0
        self.finished = threading.Event()

    def open(self) -> None:
        self._t0 = time.monotonic()

    def read(self, timeout: float) -> np.ndarray | None:
        if self._pos >= len(self._samples):
            self.finished.set()
            time.sleep(min(timeout, 0.05))
            return None
        block = int(self.rate * self.block_seconds)
        if self.realtime:  # hand out a block only once its last sample has "been spoken"
            due = self._t0 + (self._pos + block) / self.rate
            time.sleep(max(0.0, due - time.monotonic()))
        out = self._samples[self._pos : self._pos + block]
        self._pos += block
        return out

    def alive(self) -> bool:
        return True

    def close(self) -> None:
        pass
