"""One import, from a file on disk to tagged rows in the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from audio import decode_audio, file_sha256, probe_audio
from core.errors import AudioError, AudioTooLargeError, KeshengError
from core.settings import Settings
from nlp.analyzer import Analysis, Analyzer
from nlp.pii import find_pii
from nlp.search import search_tokens
from pipeline.params import ImportRequest, JobParams, LiveUtterancePart
from pipeline.pii_audio import pii_times
from store.audio_store import AudioStore
from store.captures import get_capture_session
from store.cases import CaseFinding
from store.db import Database
from store.interactions import (
    JobEnd,
    TagValue,
    UtteranceRow,
    add_utterances,
    finish_job,
    interaction_holding,
    interaction_of_recording,
    locked_interaction,
    mark_live_stored,
    new_interaction,
)
from store.models import Interaction, Job
from store.repository import (
    EnqueueResult,
    enqueue_import,
    find_job,
    get_job,
    get_or_create_branch,
    get_or_create_customer,
    store_recording,
)
from transcribe.engine import Transcriber
from transcribe.service import decode_options, transcribe_file
from transcribe.types import Segment, Transcript

log = logging.getLogger(__name__)

# Below any real codec's rate (4 kbit/s); a header claiming more audio than this is not believed.
MIN_BYTES_PER_SECOND = 500


@dataclass
class Services:
    """The loaded models and stores a worker needs; built once per process."""

    settings: Settings
    db: Database
    audio_store: AudioStore
    transcriber: Transcriber
    analyzer: Analyzer
    asr_name: str = field(init=False)

    def __post_init__(self) -> None:
        self.asr_name = self.transcriber.name


def ingest_file(
    session: Session, audio_store: AudioStore, path: Path, request: ImportRequest, asr_model: str, settings: Settings
) -> EnqueueResult:
    """Store the audio (content-addressed) and queue its import; the same audio+model is queued once.

    The caller owns the transaction (its audit row commits with the job, or neither does) and tells
    the workers once it has committed.
    """
    path = Path(path)
    info = probe_audio(path)  # refuse non-audio before anything is stored
    size = path.stat().st_size
    # Trust the header's duration only when the file is big enough to hold it: a WAV header can
    # claim gigabytes over a few seconds of data, and those seconds are worth transcribing.
    claimed = info.duration if info.duration and size >= info.duration * MIN_BYTES_PER_SECOND else None
    if claimed is not None and claimed > settings.max_audio_seconds:
        raise AudioTooLargeError(
            f"{claimed:.0f} s is over the limit of {settings.max_audio_seconds:.0f} s", source=str(path)
        )
    sha = file_sha256(path)
    name = request.original_name or path.name
    recording = store_recording(session, audio_store, path, sha, info, name, claimed)
    return enqueue_import(session, recording, asr_model, JobParams(request).to_json())


def process_job(services: Services, job_id: int) -> None:
    """Run one claimed job to done or failed; never raises for bad audio."""
    db = services.db
    with db.transaction() as session:
        job = find_job(session, job_id)
        if job is None:
            return
        recording_path = services.audio_store.path(job.recording.path)
        params = JobParams.from_json(job.params)
        target = _LiveTarget(params.live) if params.live else _FileTarget(params.request)
        existing = target.stored_before(session, job)
    if existing is not None:  # an earlier attempt finished the work; do not store it twice
        _finish(db, job_id, JobEnd("done", existing))
        return
    try:
        request, beam = params.request, target.beam(services.settings)
        transcript = transcribe_file(
            recording_path, services.transcriber, services.settings, request.roles, beam, request.branch
        )
        # One recording is one conversation: each sentence is judged after the one before it, and
        # mono sentences get their speaker's role from the words and the turn order.
        analyses = services.analyzer.analyze_conversation(
            [s.text for s in transcript.segments], [s.role for s in transcript.segments]
        )
        pii = _locate_pii(services, recording_path, params, transcript, analyses)
        interaction_id = _store(services, job_id, target, transcript, analyses, pii)
    except KeshengError as exc:
        reason = exc.reason if isinstance(exc, AudioError) else str(exc)  # not the audio store's path
        log.info("job %s failed: %s", job_id, reason)
        _finish(db, job_id, JobEnd.failed(reason, exc))
        return
    except Exception as exc:  # a bug must fail the job visibly, not kill the worker
        log.exception("job %s crashed", job_id)
        _finish(db, job_id, JobEnd.failed(f"internal error: {exc.__class__.__name__}: {exc}", exc))
        return
    _finish(db, job_id, JobEnd("done", interaction_id))


class _Target(Protocol):
    """Where a job's utterances go: the two paths through process_job differ only here."""

    offset: float  # seconds added to segment times: the utterance's place on its interaction's timeline

    def beam(self, settings: Settings) -> int | None:
        """The beam size to decode with (None: the settings' default)."""

    def stored_before(self, session: Session, job: Job) -> int | None:
        """The interaction an earlier attempt of this job stored, if it got that far."""

    def interaction(self, session: Session, job: Job, transcript: Transcript) -> Interaction: ...

    def stored(self, session: Session) -> None:
        """Called in the transaction that stored the utterances."""


class _FileTarget:
    """A recording is one interaction of its own."""

    offset = 0.0

    def __init__(self, request: ImportRequest) -> None:
        self.request = request

    def beam(self, settings: Settings) -> int | None:
        return None

    def stored_before(self, session: Session, job: Job) -> int | None:
        return interaction_of_recording(session, job.recording_id, job.asr_model)

    def interaction(self, session: Session, job: Job, transcript: Transcript) -> Interaction:
        # when it happened: as given (manifest, upload), else the file's own time, else now (marked so)
        given, recorded = self.request.occurred_at, job.recording.recorded_at
        return new_interaction(
            session,
            recording_id=job.recording_id,
            asr_model=job.asr_model,
            customer=get_or_create_customer(session, self.request.customer),
            branch=get_or_create_branch(session, self.request.branch),
            channel=self.request.channel,
            language=transcript.language,
            occurred_at=given or recorded,
            time_source="given" if given else "file",
            staff=self.request.staff,
        )

    def stored(self, session: Session) -> None:
        pass


class _LiveTarget:
    """A counter's utterance joins its capture session's interaction, at its place on that timeline."""

    def __init__(self, live: LiveUtterancePart) -> None:
        self.live = live
        self.offset = live.offset

    def beam(self, settings: Settings) -> int | None:
        return settings.live_beam_size  # a counter waits for its transcript

    def stored_before(self, session: Session, job: Job) -> int | None:
        # the session's interaction exists from the start: look for this utterance's own rows
        return interaction_holding(session, job.recording_id, job.asr_model)

    def interaction(self, session: Session, job: Job, transcript: Transcript) -> Interaction:
        capture = get_capture_session(session, self.live.capture_session_id)
        assert capture.interaction_id is not None
        return locked_interaction(session, capture.interaction_id)

    def stored(self, session: Session) -> None:
        mark_live_stored(session, self.live.key)


def _locate_pii(
    services: Services, path: Path, params: JobParams, transcript: Transcript, analyses: list[Analysis]
) -> dict[int, list[list[float]]]:
    """Seconds (file time) of spoken personal data, per segment index, for segments whose text had some."""
    flagged = [i for i, a in enumerate(analyses) if a.pii]
    if not flagged:
        return {}
    roles = params.request.roles or services.settings.role_map
    audio = decode_audio(path, split_stereo=len(roles) >= 2, max_seconds=services.settings.max_audio_seconds)
    options = decode_options(services.settings, params.request.branch, services.transcriber)
    found = {}
    for i in flagged:
        segment = transcript.segments[i]
        samples = audio.channels[min(segment.channel, len(audio.channels) - 1)]
        found[i] = pii_times(services.transcriber, samples, segment.start, segment.end, options, _pii_chars)
    return found


def _pii_chars(text: str) -> list[tuple[int, int]]:
    return [(span.start, span.end) for span in find_pii(text)]


def _store(
    services: Services,
    job_id: int,
    target: _Target,
    transcript: Transcript,
    analyses: list[Analysis],
    pii: dict[int, list[list[float]]],
) -> int:
    pairs = enumerate(zip(transcript.segments, analyses, strict=True))
    rows = [_row(segment, analysis, pii.get(i)) for i, (segment, analysis) in pairs]
    case = services.analyzer.case(analyses)  # one case per conversation, however many sentences complain
    finding = CaseFinding(case.severity, case.category or "other", case.evidence) if case.flag else None
    with services.db.transaction() as session:
        job = get_job(session, job_id)
        interaction = target.interaction(session, job, transcript)
        add_utterances(session, interaction, job.recording_id, rows, services.settings, target.offset, finding)
        interaction.language = interaction.language or transcript.language
        job.recording.duration = transcript.duration  # what decoded, not what the header claimed
        target.stored(session)
        session.flush()
        return interaction.id


def _row(segment: Segment, analysis: Analysis, pii: list[list[float]] | None) -> UtteranceRow:
    tags = [
        TagValue("sentiment", analysis.sentiment.label, analysis.sentiment.score),
        TagValue("intent", analysis.intent.label, analysis.intent.score),
    ]
    tags += [TagValue("keyword", k[:64]) for k in analysis.keywords]
    tags += [TagValue("pii", span.kind) for span in analysis.pii]
    return UtteranceRow(
        start=segment.start,
        end=segment.end,
        channel=segment.channel,
        role=analysis.role,
        text=analysis.redacted,
        search_tokens=search_tokens(analysis.redacted),
        avg_logprob=segment.avg_logprob,
        no_speech_prob=segment.no_speech_prob,
        sentiment=analysis.sentiment_value,
        pii_spans=tuple((a, b) for a, b in pii or ()),
        tags=tuple(tags),
    )


def _finish(db: Database, job_id: int, end: JobEnd) -> None:
    with db.transaction() as session:
        finish_job(session, job_id, end)
