"""Capture sessions: an agent's visit at a counter or in the field, and the live utterances it sent.

Data functions: they take the caller's session and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidRequestError, NotFoundError
from store.models import CaptureSession, Complaint, Device, Interaction, Job, LiveUtterance
from store.repository import get_or_create_customer

# Jobs run lowest priority first: a customer at a counter now comes before last month's calls.
LIVE_PRIORITY = 10


def live_backlog(session: Session) -> int:
    """Live utterances queued or being transcribed."""
    query = select(func.count()).select_from(Job).where(Job.priority == LIVE_PRIORITY, Job.status == "queued")
    return session.scalar(query) or 0


def find_live_utterance(session: Session, key: str) -> LiveUtterance | None:
    """The live utterance received under this idempotency key, if any."""
    return session.scalar(select(LiveUtterance).where(LiveUtterance.key == key))


def open_capture_session(
    session: Session,
    device: Device,
    name: str,
    *,
    mode: str,
    started_at: datetime,
    customer: str | None,
    recording_id: int,
    asr_model: str,
) -> CaptureSession:
    """The device's session by name, created with its interaction on the first utterance (whose
    recording the interaction is filed under); a customer named later is attached to it."""
    capture = session.scalar(
        select(CaptureSession).where(CaptureSession.device_id == device.id, CaptureSession.name == name)
    )
    if capture is not None:
        if customer and capture.customer is None:
            attach_customer(session, capture, customer)
        return capture
    owner = get_or_create_customer(session, customer)
    interaction = Interaction(
        recording_id=recording_id,
        asr_model=asr_model,
        customer=owner,
        branch=device.branch,
        channel=mode,
        occurred_at=started_at,
        time_source="capture",
        staff=device.staff,  # the staff member the counter's device was set up for
    )
    capture = CaptureSession(
        device_id=device.id, name=name, mode=mode, customer=owner, interaction=interaction, started_at=started_at
    )
    session.add_all([interaction, capture])
    session.flush()
    return capture


def add_live_utterance(session: Session, row: LiveUtterance) -> LiveUtterance:
    """Record a received live utterance (its key makes a retry a duplicate)."""
    session.add(row)
    session.flush()
    return row


def utterance_count(session: Session, capture_session_id: int) -> int:
    """Live utterances received in a capture session."""
    query = select(func.count()).where(LiveUtterance.capture_session_id == capture_session_id)
    return session.scalar(query) or 0


def attach_customer(session: Session, capture: CaptureSession, external_id: str) -> CaptureSession:
    """Put a session (its interaction and complaints so far too) on a customer's record."""
    customer = get_or_create_customer(session, external_id)
    if customer is None:
        raise InvalidRequestError("a customer id is required")
    capture.customer = customer
    if capture.interaction is not None:
        capture.interaction.customer = customer
        for complaint in session.scalars(select(Complaint).where(Complaint.interaction_id == capture.interaction_id)):
            complaint.customer = customer
    session.flush()
    return capture


def get_capture_session(session: Session, capture_session_id: int) -> CaptureSession:
    """A capture session by id."""
    capture = session.get(CaptureSession, capture_session_id)
    if capture is None:
        raise NotFoundError("capture session", capture_session_id)
    return capture


def list_capture_sessions(
    session: Session, device_id: int | None = None, limit: int = 100, branch_ids: frozenset[int] | None = None
) -> list[CaptureSession]:
    """Newest sessions first, optionally of one device, within the branches given (None: all)."""
    query = select(CaptureSession).order_by(CaptureSession.id.desc()).limit(limit)
    if device_id is not None:
        query = query.where(CaptureSession.device_id == device_id)
    if branch_ids is not None:
        query = query.join(Device, CaptureSession.device_id == Device.id).where(Device.branch_id.in_(branch_ids))
    return list(session.scalars(query))
