"""The capture agent: device → 16 kHz → VAD → utterances → roles → spool → uploader.

Audio is on disk (fsync'd) before anything is sent, and deleted only once the server has it, so
a crash, a power cut or a network outage loses no utterance that was cut. A device that goes away
(a Bluetooth headset out of range) is closed, waited for, and opened again; a full spool disk stops
capture loudly instead of dropping audio.
"""

from __future__ import annotations

import hashlib
import logging
import math
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
import numpy as np
import soxr

from audio import SAMPLE_RATE, wav_bytes
from capture.channels import ChannelMap, Combine, assign
from capture.cutter import CutterOptions, CutUtterance, UtteranceCutter
from capture.source import AudioSource
from capture.spool import Spool, SpooledUtterance, SpoolFullError
from capture.uploader import DeviceRefusedError, Uploader
from capture.vad import FRAME, StreamingVad
from core import __version__
from core.errors import ConfigError, DeviceError

log = logging.getLogger(__name__)

Mode = Literal["counter", "field"]
EXIT_OK, EXIT_CONFIG, EXIT_SPOOL_FULL, EXIT_REFUSED = 0, 2, 3, 4
_STALL_SECONDS = 3.0  # no audio for this long from an open stream: treat the device as gone


@dataclass(frozen=True)
class AgentConfig:
    """What `kesheng agent run` was told."""

    device_id: int
    mode: Mode = "counter"
    channel_map: ChannelMap | None = None  # None: all channels are one unknown source
    combine: Combine = "delay-sum"
    customer: str | None = None
    cutter: CutterOptions = field(default_factory=CutterOptions)
    heartbeat_every: float = 15.0
    shutdown_grace: float = 5.0  # on stop, how long to keep trying to upload what is spooled
    reopen_every: float = 1.0


@dataclass
class Levels:
    """Input level over the last heartbeat interval."""

    sum_squares: float = 0.0
    count: int = 0
    peak: float = 0.0

    def add(self, block: np.ndarray) -> None:
        self.sum_squares += float(np.sum(np.square(block, dtype=np.float64)))
        self.count += block.size
        self.peak = max(self.peak, float(np.max(np.abs(block))) if block.size else 0.0)

    def take(self) -> tuple[float | None, bool]:
        """(dBFS, clipping) since the last take."""
        level = 10 * math.log10(self.sum_squares / self.count) if self.count and self.sum_squares > 0 else None
        clipping = self.peak >= 0.999
        self.sum_squares, self.count, self.peak = 0.0, 0, 0.0
        return (max(level, -200.0) if level is not None else None), clipping


def new_session_name(now: datetime | None = None) -> str:
    """Sortable and unique even across restarts: a restarted agent never reuses a sequence number."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


class Agent:
    """Runs until stop() (SIGTERM/SIGINT) or a fatal error; run() returns the exit code."""

    def __init__(
        self,
        config: AgentConfig,
        spool: Spool,
        source: AudioSource,
        uploader: Uploader | None = None,
    ) -> None:
        self.config = config
        self.spool = spool
        self.source = source
        self.uploader = uploader
        self.stop_event = threading.Event()
        self.vad = StreamingVad()
        self.cutter = UtteranceCutter(config.cutter)
        self.levels = Levels()
        self.full_error: str | None = None  # set when the spool disk fills: capture stops
        self.refused: str | None = None
        self.config_error: str | None = None
        self._missing_logged = -math.inf
        self.spooled = 0
        self._customer_changes: queue.Queue[str] = queue.Queue()
        self._resampler: soxr.ResampleStream | None = None
        self._pending = np.zeros((0, 1), dtype=np.float32)
        self._samples = 0  # 16 kHz samples pushed through the cutter since start
        self._anchor = (datetime.now(UTC), 0)  # wall time of sample index, reset at every (re)open
        self._start_session(config.customer)

    # ---- control -------------------------------------------------------------------------------
    @property
    def spool_full(self) -> bool:
        """The spool disk filled up and capture stopped."""
        return self.full_error is not None

    def stop(self) -> None:
        """Finish the current utterance into the spool and stop (safe from a signal handler)."""
        self.stop_event.set()

    def set_customer(self, customer: str) -> None:
        """The next customer at the counter: the current utterance is closed and a new session begins."""
        self._customer_changes.put(customer)

    def run(self) -> int:
        """Capture (and upload, when an uploader is given) until stopped."""
        removed = self.spool.recover()
        if removed:
            log.info("spool: removed %d incomplete entr(ies) left by a crash", removed)
        threads = [threading.Thread(target=self._heartbeats, name="kesheng-heartbeat", daemon=True)]
        if self.uploader is not None:
            threads.append(threading.Thread(target=self._upload_loop, name="kesheng-upload", daemon=True))
        for thread in threads:
            thread.start()
        try:
            self._capture()
        finally:
            self.stop_event.set()
            if self.uploader is not None:
                self.uploader.wake.set()
            for thread in threads:
                thread.join(timeout=self.config.shutdown_grace + 5)
            self._final_upload()
            self._send_heartbeat()
            for fatal in (self.config_error, self.full_error):  # the reason capture stopped outranks upload noise
                if fatal:
                    self.spool.note_error(fatal)
        if self.refused:
            return EXIT_REFUSED
        if self.config_error:
            return EXIT_CONFIG
        return EXIT_SPOOL_FULL if self.spool_full else EXIT_OK

    # ---- capture -------------------------------------------------------------------------------
    def _capture(self) -> None:
        while not self.stop_event.is_set():
            if not self._open():
                continue
            last_audio = time.monotonic()
            while not self.stop_event.is_set() and not self.spool_full:
                self._apply_customer_changes()
                block = self.source.read(timeout=0.2)
                if block is not None:
                    last_audio = time.monotonic()
                    self._process(block)
                if not self.source.alive() or time.monotonic() - last_audio > _STALL_SECONDS:
                    log.warning("input device %s went away; waiting for it to come back", self.source.name)
                    self.spool.note_error(f"input device {self.source.name} lost")
                    break
            self.source.close()
            while (block := self.source.read(timeout=0)) is not None and not self.spool_full:
                self._process(block)  # what the stream had already delivered
            self._finish_utterance()
            if self.spool_full:
                return

    def _open(self) -> bool:
        try:
            self.source.open()
        except ConfigError as exc:
            self.config_error = str(exc)
            self.spool.note_error(str(exc))
            log.error("%s", exc)
            self.stop_event.set()
            return False
        except DeviceError as exc:
            now = time.monotonic()
            if now - self._missing_logged > 30:  # say it once, then every 30 s, while waiting for it
                log.warning("%s; waiting for it", exc)
                self._missing_logged = now
            self.stop_event.wait(self.config.reopen_every)
            return False
        self._missing_logged = -math.inf
        self._resampler = (
            soxr.ResampleStream(self.source.rate, SAMPLE_RATE, self.source.channels, dtype="float32")
            if self.source.rate != SAMPLE_RATE
            else None
        )
        self._pending = np.zeros((0, self.source.channels), dtype=np.float32)
        self.vad.reset()
        self._anchor = (datetime.now(UTC), self._samples)
        log.info("capturing from %s: %d channel(s) at %d Hz", self.source.name, self.source.channels, self.source.rate)
        return True

    def _process(self, block: np.ndarray) -> None:
        block = block.reshape(len(block), -1)
        self.levels.add(block)
        audio = self._resampler.resample_chunk(block) if self._resampler is not None else block
        self._pending = np.concatenate([self._pending, audio.reshape(len(audio), -1)], axis=0)
        whole = len(self._pending) // FRAME
        if not whole:
            return
        frames = self._pending[: whole * FRAME].reshape(whole, FRAME, -1)
        self._pending = self._pending[whole * FRAME :]
        probs = self.vad(frames.mean(axis=2))  # speech anywhere in the room opens an utterance
        for frame, prob in zip(frames, probs, strict=True):
            self._samples += FRAME
            cut = self.cutter.push(frame, float(prob))
            if cut is not None:
                self._store(cut)
                if self.spool_full:
                    return

    def _finish_utterance(self) -> None:
        cut = self.cutter.flush()
        if cut is not None:
            self._store(cut)

    # ---- sessions and the spool ----------------------------------------------------------------
    def _start_session(self, customer: str | None) -> None:
        self.session_started = datetime.now(UTC)
        self.session = new_session_name(self.session_started)
        self.customer = customer or None
        self.seq = 0

    def _apply_customer_changes(self) -> None:
        while True:
            try:
                customer = self._customer_changes.get_nowait()
            except queue.Empty:
                return
            self._finish_utterance()
            self._start_session(customer)
            log.info("new session %s for customer %s", self.session, customer)

    def _store(self, cut: CutUtterance) -> None:
        mapping = self.config.channel_map or ChannelMap.default(cut.samples.shape[1])
        role, mono = assign(cut.samples, mapping, self.config.combine)
        audio = wav_bytes(mono)
        wall, at = self._anchor
        started = max(wall + timedelta(seconds=(cut.start - at) / SAMPLE_RATE), self.session_started)
        meta = SpooledUtterance(
            device_id=self.config.device_id,
            session=self.session,
            seq=self.seq,
            started_at=started.isoformat(),
            duration=round(len(mono) / SAMPLE_RATE, 3),
            role=role,
            sha256=hashlib.sha256(audio).hexdigest(),
            customer=self.customer,
            session_started_at=self.session_started.isoformat(),
            mode=self.config.mode,
        )
        try:
            self.spool.put(audio, meta)
        except SpoolFullError as exc:
            self.full_error = str(exc)
            self.spool.note_error(str(exc))
            log.error("%s", exc)
            self._send_heartbeat()
            return
        self.seq += 1
        self.spooled += 1
        log.info("spooled %s role=%s %.1fs", meta.key, role, meta.duration)
        if self.uploader is not None:
            self.uploader.wake.set()

    # ---- background: uploads and heartbeats ----------------------------------------------------
    def _upload_loop(self) -> None:
        assert self.uploader is not None
        try:
            self.uploader.run(self.stop_event)
        except DeviceRefusedError as exc:
            self.refused = str(exc)
            log.error("%s; capture stops (re-enrol the device)", exc)
            self.stop_event.set()

    def _final_upload(self) -> None:
        if self.uploader is None or self.refused:
            return
        try:
            result = self.uploader.drain(time.monotonic() + self.config.shutdown_grace)
        except DeviceRefusedError as exc:
            self.refused = str(exc)
            return
        if result.left:
            log.warning("%d utterance(s) stay in the spool for the next run or `kesheng agent upload`", result.left)

    def _heartbeats(self) -> None:
        while not self.stop_event.wait(self.config.heartbeat_every):
            self._send_heartbeat()

    def _send_heartbeat(self) -> None:
        if self.uploader is None:
            return
        level, clipping = self.levels.take()
        last = self.uploader.last_upload_at
        body = {
            "agent_version": __version__,
            "input_level_db": level,
            "clipping": clipping,
            "spool_backlog": self.spool.status()["spooled"],
            "last_upload_at": last.isoformat() if last else None,
            "spool_full": self.spool_full,
        }
        try:
            self.uploader.client.post(self.uploader.url.rsplit("/", 1)[0] + "/heartbeat", json=body)
        except httpx.HTTPError as exc:  # the server may be down; the spool covers that
            log.debug("heartbeat failed: %s", exc)
