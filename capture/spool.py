"""The agent's on-disk spool: every utterance is durable before it is sent, deleted only once acknowledged.

Layout under `<agent dir>/spool/`:

    pending/<session>-<seq>.wav    the audio (16 kHz mono PCM)
    pending/<session>-<seq>.json   metadata + sha256 of the audio; written last, so it marks completeness
    quarantine/                    entries whose audio no longer matches its checksum, or unreadable JSON
    state.json                     counters: uploaded, quarantined, last_error

Each file is written to a temporary name, fsync'd, renamed, and the directory fsync'd, so a crash
(SIGKILL, power loss) leaves either a whole entry or an orphan `.wav` without metadata, which is
recovered on the next start. A full disk raises `SpoolFullError`: capture must stop loudly rather
than drop audio.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.errors import KeshengError


class SpoolError(KeshengError):
    """The spool cannot take or give back an utterance."""


class SpoolFullError(SpoolError):
    """No space left for the next utterance: capture must stop and say so."""


@dataclass(frozen=True)
class SpooledUtterance:
    """Metadata of one spooled utterance; `key` is the idempotency key the server deduplicates on."""

    device_id: int
    session: str
    seq: int
    started_at: str  # ISO 8601, when the utterance began
    duration: float
    role: str
    sha256: str
    customer: str | None = None
    session_started_at: str | None = None  # ISO 8601; the session's interaction starts here
    mode: str = "counter"

    @property
    def key(self) -> str:
        """device:session:seq — unique per utterance, stable across retries."""
        return f"{self.device_id}:{self.session}:{self.seq}"

    @property
    def stem(self) -> str:
        """File name without suffix."""
        return f"{self.session}-{self.seq:08d}"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise SpoolFullError(f"spool disk is full at {path.parent}: capture stopped, nothing dropped") from exc
        raise SpoolError(f"cannot write {path}: {exc}") from exc
    _fsync_dir(path.parent)


class Spool:
    """Durable queue of utterances on disk."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser()
        self.pending = self.root / "pending"
        self.quarantine = self.root / "quarantine"
        for directory in (self.pending, self.quarantine):
            directory.mkdir(parents=True, exist_ok=True)

    def put(self, audio: bytes, meta: SpooledUtterance) -> Path:
        """Store audio then metadata, each durably; returns the metadata path."""
        if hashlib.sha256(audio).hexdigest() != meta.sha256:
            raise SpoolError("metadata checksum does not match the audio")
        _write_durably(self.pending / f"{meta.stem}.wav", audio)
        meta_path = self.pending / f"{meta.stem}.json"
        _write_durably(meta_path, json.dumps(asdict(meta)).encode())
        return meta_path

    def entries(self) -> list[tuple[SpooledUtterance, Path]]:
        """Complete, verified entries oldest first; broken ones are moved to quarantine on the way."""
        good = []
        for meta_path in sorted(self.pending.glob("*.json")):
            audio_path = meta_path.with_suffix(".wav")
            try:
                meta = SpooledUtterance(**json.loads(meta_path.read_text()))
                audio = audio_path.read_bytes()
            except (OSError, ValueError, TypeError) as exc:
                self._quarantine(meta_path, f"unreadable entry: {exc.__class__.__name__}")
                continue
            if hashlib.sha256(audio).hexdigest() != meta.sha256:
                self._quarantine(meta_path, "audio does not match its checksum")
                continue
            good.append((meta, audio_path))
        return good

    def acknowledge(self, meta: SpooledUtterance) -> None:
        """The server has the utterance: delete it (metadata first, so a crash never leaves a half entry)."""
        (self.pending / f"{meta.stem}.json").unlink(missing_ok=True)
        (self.pending / f"{meta.stem}.wav").unlink(missing_ok=True)
        self._bump("uploaded")

    def reject(self, meta: SpooledUtterance, reason: str) -> None:
        """The server refused the entry for good (not a transient error): keep it aside, not deleted."""
        self._quarantine(self.pending / f"{meta.stem}.json", reason)

    def recover(self) -> int:
        """On start: remove temp files and audio whose metadata never got written (a crash mid-put)."""
        removed = 0
        for tmp in self.pending.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        for audio_path in self.pending.glob("*.wav"):
            if not audio_path.with_suffix(".json").exists():
                audio_path.unlink(missing_ok=True)  # never acknowledged as captured: not in the spool yet
                removed += 1
        return removed

    def note_error(self, message: str) -> None:
        """Remember the last error for `kesheng agent status`."""
        state = self._state()
        state["last_error"] = message
        self._save_state(state)

    def status(self) -> dict[str, Any]:
        """The `kesheng agent status --json` object."""
        state = self._state()
        return {
            "spooled": len(list(self.pending.glob("*.json"))),
            "uploaded": state.get("uploaded", 0),
            "quarantined": len(list(self.quarantine.glob("*.reason"))),
            "last_error": state.get("last_error"),
        }

    def _quarantine(self, meta_path: Path, reason: str) -> None:
        for path in (meta_path, meta_path.with_suffix(".wav")):
            if path.exists():
                os.replace(path, self.quarantine / path.name)
        (self.quarantine / f"{meta_path.stem}.reason").write_text(reason)
        self.note_error(f"quarantined {meta_path.stem}: {reason}")

    def _state(self) -> dict[str, Any]:
        try:
            return json.loads((self.root / "state.json").read_text())
        except (OSError, ValueError):
            return {}

    def _save_state(self, state: dict[str, Any]) -> None:
        _write_durably(self.root / "state.json", json.dumps(state).encode())

    def _bump(self, counter: str) -> None:
        state = self._state()
        state[counter] = state.get(counter, 0) + 1
        self._save_state(state)
