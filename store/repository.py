"""Data functions. Each takes a session and never commits: the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Update, and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from audio import AudioInfo
from core.errors import InvalidRequestError, NotFoundError
from store.audio_store import AudioStore
from store.models import (
    CHANNELS,
    Branch,
    Customer,
    Interaction,
    Job,
    LiveUtterance,
    Recording,
    Utterance,
    utcnow,
)


def get_or_create_customer(session: Session, external_id: str | None) -> Customer | None:
    """The customer with this CRM id, created on first sight; None when no id is given."""
    if not external_id:
        return None
    customer = session.scalar(select(Customer).where(Customer.external_id == external_id))
    if customer is None:
        customer = Customer(external_id=external_id)
        session.add(customer)
        session.flush()
    return customer


def get_or_create_branch(session: Session, code: str | None) -> Branch | None:
    """The branch with this code, created on first sight; None when no code is given."""
    if not code:
        return None
    branch = session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        branch = Branch(code=code)
        session.add(branch)
        session.flush()
    return branch


def set_branch(session: Session, code: str, name: str | None = None, region: str | None = None) -> Branch:
    """Create or update a branch; None leaves a field as it is."""
    branch = get_or_create_branch(session, code.strip())
    if branch is None:
        raise InvalidRequestError("a branch needs a code")
    if name is not None:
        branch.name = name
    if region is not None:
        branch.region = region or None
    session.flush()
    return branch


def branch_id(session: Session, code: str | None) -> int | None:
    """The id of the branch with this code; None for no code or an unknown one."""
    return session.scalar(select(Branch.id).where(Branch.code == code)) if code else None


def branch_codes(session: Session, branch_ids: frozenset[int] | None = None) -> list[str]:
    """Branch codes in order, of the branches given (None: all)."""
    query = select(Branch.code).order_by(Branch.code)
    if branch_ids is not None:
        query = query.where(Branch.id.in_(branch_ids))
    return list(session.scalars(query))


def find_recording(session: Session, sha256: str) -> Recording | None:
    """A recording by content hash."""
    return session.scalar(select(Recording).where(Recording.sha256 == sha256))


def store_recording(
    session: Session,
    audio_store: AudioStore,
    source: Path,
    identity: str,
    info: AudioInfo,
    original_name: str,
    duration: float | None,
) -> Recording:
    """The recording of this identity (content hash), its audio put in the store; made if it is new.

    A recording whose audio retention removed gets it back. Adds to the session, never commits.
    """
    recording = find_recording(session, identity)
    if recording is not None:
        if recording.purged_at is not None:
            recording.path = audio_store.put(source, identity, source.suffix)
            recording.purged_at = None
        return recording
    recording = Recording(
        sha256=identity,
        path=audio_store.put(source, identity, source.suffix),
        original_name=original_name,
        format=info.format,
        size_bytes=source.stat().st_size,
        duration=duration,
        sample_rate=info.sample_rate,
        channels=info.channels,
        recorded_at=info.recorded_at,
    )
    session.add(recording)
    session.flush()
    return recording


@dataclass(frozen=True)
class EnqueueResult:
    """The job an import maps to, and whether it already existed (a re-import)."""

    job: Job
    duplicate: bool


def enqueue_import(
    session: Session, recording: Recording, asr_model: str, params: dict[str, object], priority: int = 100
) -> EnqueueResult:
    """Queue an import job, unless this recording+model already has a live or finished one."""
    if params.get("channel") not in CHANNELS:
        raise InvalidRequestError(f"channel must be one of {', '.join(CHANNELS)}")
    existing = session.scalars(
        select(Job)
        .where(
            Job.recording_id == recording.id, Job.asr_model == asr_model, Job.status.in_(("queued", "running", "done"))
        )
        .order_by(Job.id)
    ).first()
    if existing is not None:
        return EnqueueResult(existing, True)
    job = Job(recording_id=recording.id, asr_model=asr_model, params=params, priority=priority)
    session.add(job)
    session.flush()
    return EnqueueResult(job, False)


def rows_updated(session: Session, statement: Update) -> int:
    """How many rows an UPDATE changed (the test-and-set of every claim)."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def claim_job(session: Session, job_id: int, lease_seconds: float = 60.0) -> bool:
    """Move one job to running: a queued one, or a running one whose lease ran out (its worker died).

    False if another worker got there first: the condition inside the UPDATE is what makes the
    claim safe between workers on any number of machines.
    """
    now = utcnow()
    claim = (
        update(Job)
        .where(Job.id == job_id, _claimable(now, lease_seconds))
        .values(status="running", started_at=now, heartbeat_at=now, attempts=Job.attempts + 1)
    )
    return rows_updated(session, claim) == 1


def _claimable(now: datetime, lease_seconds: float) -> ColumnElement[bool]:
    stale = now - timedelta(seconds=lease_seconds)
    return or_(
        Job.status == "queued",
        and_(Job.status == "running", or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale)),
    )


def claim_next_job(
    session: Session,
    lease_seconds: float = 60.0,
    max_attempts: int = 3,
    priorities: tuple[int | None, int | None] = (None, None),
) -> Job | None:
    """Claim the most urgent job (lowest priority, then oldest); None when there is nothing to do.

    `priorities` (lowest, highest; inclusive, None for open) limits which jobs this worker takes.
    A job already tried `max_attempts` times (its workers kept dying on it) is not run again: it
    becomes `dead`, with its last error kept, and never loops.
    """
    lowest, highest = priorities
    while True:
        query = select(Job).where(_claimable(utcnow(), lease_seconds))
        if lowest is not None:
            query = query.where(Job.priority >= lowest)
        if highest is not None:
            query = query.where(Job.priority <= highest)
        job = session.scalars(query.order_by(Job.priority, Job.id).limit(1)).first()
        if job is None:
            return None
        if job.attempts >= max_attempts:
            last = f"; last error: {job.error}" if job.error else ""
            job.status, job.finished_at = "dead", utcnow()
            job.error = f"gave up after {job.attempts} attempt(s) (the worker stopped each time){last}"
            job.error_kind = job.error_kind or "WorkerLost"
            session.flush()
            continue
        if claim_job(session, job.id, lease_seconds):
            session.refresh(job)
            return job


def stale_job_ids(session: Session, lease_seconds: float, older_than: float) -> list[tuple[int, int]]:
    """(id, priority) of claimable jobs queued more than `older_than` seconds ago, most urgent first."""
    cutoff = utcnow() - timedelta(seconds=older_than)
    rows = session.execute(
        select(Job.id, Job.priority)
        .where(_claimable(utcnow(), lease_seconds), Job.created_at < cutoff)
        .order_by(Job.priority, Job.id)
        .limit(1000)
    )
    return [(job_id, priority) for job_id, priority in rows]


def renew_lease(session: Session, job_id: int) -> bool:
    """The worker on a running job is alive; False when the job is no longer running."""
    renew = update(Job).where(Job.id == job_id, Job.status == "running").values(heartbeat_at=utcnow())
    return rows_updated(session, renew) == 1


def find_job(session: Session, job_id: int) -> Job | None:
    """A job by id; None when there is none."""
    return session.get(Job, job_id)


def get_job(session: Session, job_id: int) -> Job:
    """A job by id."""
    job = find_job(session, job_id)
    if job is None:
        raise NotFoundError("job", job_id)
    return job


def get_interaction(session: Session, interaction_id: int) -> Interaction:
    """An interaction with its utterances, tags and complaints loaded."""
    interaction = session.scalar(
        select(Interaction)
        .where(Interaction.id == interaction_id)
        .options(
            selectinload(Interaction.utterances).selectinload(Utterance.tags),
            selectinload(Interaction.complaints),
            selectinload(Interaction.customer),
            selectinload(Interaction.branch),
        )
    )
    if interaction is None:
        raise NotFoundError("interaction", interaction_id)
    return interaction


def get_customer(session: Session, external_id: str) -> Customer:
    """A customer by CRM id."""
    customer = session.scalar(select(Customer).where(Customer.external_id == external_id))
    if customer is None:
        raise NotFoundError("customer", external_id)
    return customer


def customer_interactions(session: Session, customer: Customer) -> list[Interaction]:
    """All of a customer's interactions, oldest first, with complaints loaded."""
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.customer_id == customer.id)
            .options(selectinload(Interaction.complaints), selectinload(Interaction.branch))
            .order_by(Interaction.occurred_at, Interaction.id)
        )
    )


def get_utterance(session: Session, utterance_id: int) -> Utterance:
    """An utterance by id."""
    utterance = session.get(Utterance, utterance_id)
    if utterance is None:
        raise NotFoundError("utterance", utterance_id)
    return utterance


def utterance_recording(session: Session, utterance: Utterance) -> tuple[Recording | None, float]:
    """The recording an utterance's audio is in, and where that recording starts on the utterance's
    timeline: a live utterance has its own file, `offset` seconds into its visit."""
    interaction = utterance.interaction
    recording = session.get(Recording, utterance.recording_id or interaction.recording_id)
    if recording is None or recording.id == interaction.recording_id:
        return recording, 0.0
    offset = session.scalar(select(LiveUtterance.offset).where(LiveUtterance.recording_id == recording.id))
    return recording, offset or 0.0
