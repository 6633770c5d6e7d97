"""Data functions. Each takes a session and never commits: the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Update, func, select, update
from sqlalchemy.orm import Session, selectinload

from kesheng.errors import InvalidRequestError, NotFoundError
from store.models import (
    CHANNELS,
    COMPLAINT_STATUSES,
    SEVERITIES,
    Branch,
    Complaint,
    ComplaintNote,
    Customer,
    Interaction,
    Job,
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


def find_recording(session: Session, sha256: str) -> Recording | None:
    """A recording by content hash."""
    return session.scalar(select(Recording).where(Recording.sha256 == sha256))


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


def _rows_updated(session: Session, statement: Update) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def claim_job(session: Session, job_id: int) -> bool:
    """Move one queued job to running; False if another worker got there first."""
    # The status check inside the UPDATE is what makes the claim safe between workers.
    claim = (
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", started_at=utcnow(), attempts=Job.attempts + 1)
    )
    return _rows_updated(session, claim) == 1


def claim_next_job(session: Session) -> Job | None:
    """Claim the most urgent queued job (lowest priority, then oldest); None when the queue is empty."""
    while True:
        job_id = session.scalar(select(Job.id).where(Job.status == "queued").order_by(Job.priority, Job.id).limit(1))
        if job_id is None:
            return None
        if claim_job(session, job_id):
            return session.get(Job, job_id)


def requeue_running_jobs(session: Session) -> int:
    """After a restart: jobs left running by a dead process go back to the queue."""
    return _rows_updated(session, update(Job).where(Job.status == "running").values(status="queued"))


def get_job(session: Session, job_id: int) -> Job:
    """A job by id."""
    job = session.get(Job, job_id)
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


@dataclass(frozen=True)
class ComplaintFilter:
    """Filters for the complaint list; None means any."""

    status: str | None = None
    severity: str | None = None
    branch: str | None = None
    category: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


def list_complaints(session: Session, filters: ComplaintFilter) -> tuple[list[Complaint], int]:
    """Complaints matching the filters, newest first, and the total count before paging."""
    if filters.status and filters.status not in COMPLAINT_STATUSES:
        raise InvalidRequestError(f"status must be one of {', '.join(COMPLAINT_STATUSES)}")
    if filters.severity and filters.severity not in SEVERITIES:
        raise InvalidRequestError(f"severity must be one of {', '.join(SEVERITIES)}")
    query = select(Complaint)
    if filters.status:
        query = query.where(Complaint.status == filters.status)
    if filters.severity:
        query = query.where(Complaint.severity == filters.severity)
    if filters.category:
        query = query.where(Complaint.category == filters.category)
    if filters.branch:
        query = query.join(Branch, Complaint.branch_id == Branch.id).where(Branch.code == filters.branch)
    if filters.since:
        query = query.where(Complaint.created_at >= filters.since)
    if filters.until:
        query = query.where(Complaint.created_at < filters.until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(selectinload(Complaint.customer), selectinload(Complaint.branch), selectinload(Complaint.notes))
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return list(rows), total


def get_complaint(session: Session, complaint_id: int) -> Complaint:
    """A complaint by id."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFoundError("complaint", complaint_id)
    return complaint


def update_complaint(
    session: Session,
    complaint_id: int,
    *,
    status: str | None = None,
    assignee: str | None = None,
    note: str | None = None,
    author: str | None = None,
) -> Complaint:
    """Assign, change status, and/or add a note."""
    complaint = get_complaint(session, complaint_id)
    if status is not None:
        if status not in COMPLAINT_STATUSES:
            raise InvalidRequestError(f"status must be one of {', '.join(COMPLAINT_STATUSES)}")
        complaint.status = status
        complaint.resolved_at = utcnow() if status in ("resolved", "dismissed") else None
    if assignee is not None:
        complaint.assignee = assignee or None
    if note:
        complaint.notes.append(ComplaintNote(body=note, author=author))
    complaint.updated_at = utcnow()
    session.flush()
    return complaint
