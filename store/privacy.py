"""Data protection (PIPL): audio retention, and deleting one customer's data on request.

Rows change inside one transaction; audio files are removed only after it commits, so a failed
deletion never leaves rows that point at vanished audio. A crash between the two leaves files the
database already calls purged: `sweep_purged_files` (run with every retention pass) removes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from store.audio_store import AudioStore
from store.audit import record
from store.auth import Principal
from store.db import Database
from store.models import (
    CaptureSession,
    CaseEvent,
    CaseEvidence,
    Complaint,
    ComplaintNote,
    Customer,
    Interaction,
    Job,
    LiveUtterance,
    Purchase,
    Recording,
    Tag,
    TagCorrection,
    Utterance,
    WebhookDelivery,
    utcnow,
)
from store.repository import get_customer

RETENTION = Principal("system:retention", "admin", None)


@dataclass(frozen=True)
class DeletionReport:
    """How much of one customer's data went (counts only: the audit log keeps this, not content)."""

    interactions: int
    utterances: int
    complaints: int
    recordings: int


def recorded_at() -> ColumnElement[datetime]:
    """When a recording was made: its interaction's time (from the manifest, the upload or the agent),
    or where it has none yet (a job still queued or failed) when it was received."""
    interaction_time = select(func.min(Interaction.occurred_at)).where(Interaction.recording_id == Recording.id)
    visit_time = (
        select(func.min(CaptureSession.started_at))
        .join(LiveUtterance, LiveUtterance.capture_session_id == CaptureSession.id)
        .where(LiveUtterance.recording_id == Recording.id)
    )
    return func.coalesce(interaction_time.scalar_subquery(), visit_time.scalar_subquery(), Recording.created_at)


def purge_expired_audio(db: Database, audio_store: AudioStore, retention_days: float) -> int:
    """Delete audio recorded more than `retention_days` ago (by when it was recorded, not imported);
    transcripts (already redacted) stay."""
    cutoff = utcnow() - timedelta(days=retention_days)
    with db.transaction() as session:
        ids = session.scalars(select(Recording.id).where(recorded_at() < cutoff, Recording.purged_at.is_(None))).all()
        if ids:
            session.execute(update(Recording).where(Recording.id.in_(ids)).values(purged_at=utcnow()))
            record(session, RETENTION, "audio.purge", "recording", None, None, recordings=len(ids), days=retention_days)
    sweep_purged_files(db, audio_store)
    return len(ids)


def sweep_purged_files(db: Database, audio_store: AudioStore) -> None:
    """Remove files of recordings marked purged (idempotent: missing files are fine)."""
    with db.transaction() as session:
        keys = session.scalars(select(Recording.path).where(Recording.purged_at.is_not(None))).all()
    for key in keys:
        audio_store.delete(key)


def delete_customer(session: Session, external_id: str, who: Principal) -> tuple[DeletionReport, list[str]]:
    """Remove a customer's audio, text, tags and complaints; returns the report and the files to delete.

    The caller commits, then deletes the files. Audio shared with another customer's record (the
    same file imported twice for two customers) is kept for the other one.
    """
    customer = get_customer(session, external_id)
    interaction_ids = list(session.scalars(select(Interaction.id).where(Interaction.customer_id == customer.id)))
    utterances = select(Utterance.id).where(Utterance.interaction_id.in_(interaction_ids))
    complaints = select(Complaint.id).where(
        or_(Complaint.interaction_id.in_(interaction_ids), Complaint.customer_id == customer.id)
    )
    recording_ids = set(session.scalars(select(Interaction.recording_id).where(Interaction.id.in_(interaction_ids))))
    recording_ids |= {
        r for r in session.scalars(select(Utterance.recording_id).where(Utterance.id.in_(utterances))) if r
    }
    captures = select(CaptureSession.id).where(
        or_(CaptureSession.customer_id == customer.id, CaptureSession.interaction_id.in_(interaction_ids))
    )
    counts = DeletionReport(
        interactions=len(interaction_ids),
        utterances=len(session.scalars(utterances).all()),
        complaints=len(session.scalars(complaints).all()),
        recordings=0,
    )
    job_ids = select(LiveUtterance.job_id).where(LiveUtterance.capture_session_id.in_(captures))
    for statement in (
        delete(TagCorrection).where(TagCorrection.utterance_id.in_(utterances)),
        delete(Tag).where(Tag.utterance_id.in_(utterances)),
        delete(ComplaintNote).where(ComplaintNote.complaint_id.in_(complaints)),
        delete(CaseEvent).where(CaseEvent.complaint_id.in_(complaints)),
        delete(CaseEvidence).where(
            or_(CaseEvidence.complaint_id.in_(complaints), CaseEvidence.utterance_id.in_(utterances))
        ),
        delete(WebhookDelivery).where(WebhookDelivery.complaint_id.in_(complaints)),  # payloads hold text
        delete(Complaint).where(Complaint.id.in_(complaints)),
        delete(Utterance).where(Utterance.id.in_(utterances)),
    ):
        session.execute(statement, execution_options={"synchronize_session": False})
    job_id_list = list(session.scalars(job_ids))
    session.execute(delete(LiveUtterance).where(LiveUtterance.capture_session_id.in_(captures)))
    session.execute(delete(CaptureSession).where(CaptureSession.id.in_(captures)))
    # Jobs carry the customer's id in their parameters and point at the audio.
    session.execute(delete(Job).where(or_(Job.id.in_(job_id_list), Job.interaction_id.in_(interaction_ids))))
    session.execute(delete(Interaction).where(Interaction.id.in_(interaction_ids)))
    still_used = set(
        session.scalars(select(Interaction.recording_id).where(Interaction.recording_id.in_(recording_ids)))
    )
    still_used |= set(session.scalars(select(Utterance.recording_id).where(Utterance.recording_id.in_(recording_ids))))
    doomed = recording_ids - still_used
    session.execute(delete(Job).where(Job.recording_id.in_(doomed)))
    keys = list(session.scalars(select(Recording.path).where(Recording.id.in_(doomed))))
    session.execute(delete(Recording).where(Recording.id.in_(doomed)))
    session.execute(delete(Purchase).where(Purchase.customer_id == customer.id))
    session.execute(delete(Customer).where(Customer.id == customer.id))
    report = DeletionReport(counts.interactions, counts.utterances, counts.complaints, len(doomed))
    record(session, who, "customer.delete", "customer", customer.id, None, **report.__dict__)
    session.flush()
    return report, keys
