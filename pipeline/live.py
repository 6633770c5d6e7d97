"""Live utterances from capture agents: deduplicated on their idempotency key, queued ahead of imports.

Each agent session (a counter visit, a field visit) becomes one capture session and one interaction
on the customer's record; every utterance is its own small recording and job, so the first words of
a complaint are on record seconds after they were spoken, while the visit is still going on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from audio import AudioInfo, file_sha256, probe_audio
from core.errors import AudioTooLargeError, BusyError, ConflictError, InvalidRequestError
from core.kinds import CaptureMode
from core.settings import ROLES
from pipeline.importer import Services
from pipeline.params import ImportRequest, JobParams, LiveUtterancePart
from store.captures import LIVE_PRIORITY, add_live_utterance, find_live_utterance, live_backlog, open_capture_session
from store.devices import get_device
from store.models import LiveUtterance
from store.repository import enqueue_import, store_recording

MODES = tuple(CaptureMode)


@dataclass(frozen=True)
class LiveUpload:
    """What an agent says about one utterance it uploads."""

    capture_name: str  # the agent's name for the visit (the form's `session`)
    seq: int
    started_at: datetime  # when the utterance began
    capture_started_at: datetime  # when the visit began (the form's `session_started_at`)
    role: str = "unknown"
    mode: str = "counter"
    customer: str | None = None
    sha256: str | None = None

    def key(self, device_id: int) -> str:
        """The idempotency key: device:session:seq."""
        return f"{device_id}:{self.capture_name}:{self.seq}"

    def check(self) -> None:
        """Refuse values that cannot be right before anything is stored."""
        if not self.capture_name or len(self.capture_name) > 64 or ":" in self.capture_name:
            raise InvalidRequestError("session must be 1-64 characters without ':'")
        if self.seq < 0:
            raise InvalidRequestError("seq must be >= 0")
        if self.role not in ROLES:
            raise InvalidRequestError(f"role must be one of {', '.join(ROLES)}")
        if self.mode not in MODES:
            raise InvalidRequestError(f"mode must be one of {', '.join(MODES)}")
        if self.started_at.tzinfo is None or self.capture_started_at.tzinfo is None:
            raise InvalidRequestError("times must carry a time zone (ISO 8601 with offset)")


@dataclass(frozen=True)
class LiveResult:
    """Where an uploaded utterance went; `duplicate` when this key had been received before."""

    key: str
    job_id: int
    capture_session_id: int
    interaction_id: int
    duplicate: bool


def ingest_utterance(services: Services, device_id: int, upload: LiveUpload, path: Path) -> LiveResult:
    """Store one live utterance and queue it; a retry of the same key is acknowledged, not stored again."""
    upload.check()
    key = upload.key(device_id)
    sha = file_sha256(path)
    if upload.sha256 and upload.sha256.lower() != sha:
        raise InvalidRequestError("audio does not match its sha256 (truncated or altered upload)")
    with services.db.transaction() as session:
        known = _known(session, key, sha)
        if known is None and live_backlog(session) >= services.settings.live_queue_limit:
            raise BusyError(f"{services.settings.live_queue_limit} live utterances are waiting; retry shortly", 5)
    if known is not None:
        return known
    info = probe_audio(path)  # refuse non-audio before anything is stored
    limit = services.settings.max_utterance_seconds
    if info.duration is not None and info.duration > limit:
        raise AudioTooLargeError(f"{info.duration:.1f} s is longer than one utterance may be ({limit:.0f} s)")
    try:
        with services.db.transaction() as session:
            return _store_upload(services, session, device_id, upload, key, sha, path, info)
    except IntegrityError:  # the same key raced in on another connection: it is stored once
        with services.db.transaction() as session:
            known = _known(session, key, sha)
        if known is None:
            raise
        return known


def _known(session: Session, key: str, sha: str) -> LiveResult | None:
    row = find_live_utterance(session, key)
    if row is None:
        return None
    if row.sha256 != sha:
        raise ConflictError(f"utterance {key} was already received with different audio")
    capture = row.capture_session
    assert capture.interaction_id is not None
    return LiveResult(key, row.job_id, capture.id, capture.interaction_id, duplicate=True)


def _store_upload(
    services: Services,
    session: Session,
    device_id: int,
    upload: LiveUpload,
    key: str,
    sha: str,
    path: Path,
    info: AudioInfo,
) -> LiveResult:
    device = get_device(session, device_id)
    # Each live utterance is its own recording, even when its bytes equal another session's (a
    # digital source, a replay): its session's interaction and its job must not be someone else's.
    identity = hashlib.sha256(f"{key}:{sha}".encode()).hexdigest()
    name = f"{upload.capture_name}-{upload.seq}.wav"
    duration = info.duration or 0.0
    recording = store_recording(session, services.audio_store, path, identity, info, name, duration)
    capture = open_capture_session(
        session,
        device,
        upload.capture_name,
        mode=upload.mode,
        started_at=upload.capture_started_at,
        customer=upload.customer,
        recording_id=recording.id,
        asr_model=services.asr_name,
    )
    offset = max(0.0, (upload.started_at - capture.started_at).total_seconds())
    params = JobParams(
        ImportRequest(
            channel=upload.mode,
            roles=(upload.role,),
            branch=device.branch.code if device.branch else None,  # picks the branch's vocabulary
        ),
        LiveUtterancePart(capture.id, offset, key),
    )
    job = enqueue_import(session, recording, services.asr_name, params.to_json(), priority=LIVE_PRIORITY).job
    add_live_utterance(
        session,
        LiveUtterance(
            key=key,
            capture_session_id=capture.id,
            seq=upload.seq,
            sha256=sha,
            role=upload.role,
            offset=offset,
            duration=duration,
            recording_id=recording.id,
            job_id=job.id,
        ),
    )
    assert capture.interaction_id is not None
    return LiveResult(key, job.id, capture.id, capture.interaction_id, duplicate=False)
