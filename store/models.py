"""Typed ORM models: customers, branches, interactions, recordings, utterances, tags, complaints, jobs,
users and their tokens, the audit log, tag corrections and webhook deliveries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Dialect, Float, ForeignKey, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.kinds import Channel, ComplaintStatus, JobStatus, Role, UserRole

CHANNELS = tuple(Channel)
ROLES = tuple(Role)
SEVERITIES = ("none", "low", "medium", "high")
COMPLAINT_STATUSES = tuple(ComplaintStatus)
JOB_STATUSES = tuple(JobStatus)
JOB_FINAL = (JobStatus.done, JobStatus.failed, JobStatus.dead)
USER_ROLES = tuple(UserRole)
TAG_KINDS = ("sentiment", "intent", "keyword", "pii", "complaint")


def utcnow() -> datetime:
    """Timezone-aware now, so SQLite and PostgreSQL store the same thing."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in and out: SQLite drops the zone, so values read back naive are UTC again."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None:  # naive input is taken as UTC, like everything kesheng writes
            value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Branch(Base):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    # Value tier and lifecycle stage as they stand: a reviewer's override, else scored from purchases
    # (store/rfm.py); the override is kept through rescoring.
    value_tier: Mapped[str | None] = mapped_column(String(32))
    lifecycle_stage: Mapped[str | None] = mapped_column(String(32))
    rfm_r: Mapped[int | None]
    rfm_f: Mapped[int | None]
    rfm_m: Mapped[int | None]
    value_tier_override: Mapped[str | None] = mapped_column(String(32))
    lifecycle_override: Mapped[str | None] = mapped_column(String(32))
    scored_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    interactions: Mapped[list[Interaction]] = relationship(back_populates="customer")


class Purchase(Base):
    """A customer's transaction, from a CSV or a CRM, for their value and lifecycle (store/rfm.py)."""

    __tablename__ = "purchases"
    # The same transaction read twice (a re-imported file, a CRM sync) is stored once.
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    occurred_at: Mapped[datetime]
    amount: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))  # csv | zoho | fxiaoke
    external_id: Mapped[str] = mapped_column(String(128))

    customer: Mapped[Customer] = relationship()


class Recording(Base):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    original_name: Mapped[str | None] = mapped_column(String(500))
    format: Mapped[str | None] = mapped_column(String(32))
    size_bytes: Mapped[int]
    duration: Mapped[float | None]
    sample_rate: Mapped[int | None]
    channels: Mapped[int | None]
    recorded_at: Mapped[datetime | None]  # the file's own creation time, where its metadata has one
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the retention policy (or a deletion request) removed the audio file; rows stay.
    purged_at: Mapped[datetime | None]


class Interaction(Base):
    __tablename__ = "interactions"
    # The idempotency key of an import: the same audio through the same model is one interaction.
    __table_args__ = (UniqueConstraint("recording_id", "asr_model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"))
    asr_model: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Where occurred_at came from: given (manifest, upload, admin), file (its metadata), capture (the
    # agent's clock), import (none of those: the time it was imported, the last resort).
    time_source: Mapped[str | None] = mapped_column(String(8))
    staff: Mapped[str | None] = mapped_column(String(128), index=True)  # who served the customer
    # Mean of p(pos) - p(neg) over customer utterances, in [-1, 1]; None when nobody spoke.
    sentiment: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recording: Mapped[Recording] = relationship()
    customer: Mapped[Customer | None] = relationship(back_populates="interactions")
    branch: Mapped[Branch | None] = relationship()
    utterances: Mapped[list[Utterance]] = relationship(
        back_populates="interaction", order_by="Utterance.start", cascade="all, delete-orphan"
    )
    complaints: Mapped[list[Complaint]] = relationship(back_populates="interaction")


class Utterance(Base):
    __tablename__ = "utterances"

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), index=True)
    start: Mapped[float]
    end: Mapped[float]
    channel: Mapped[int] = mapped_column(default=0)
    role: Mapped[str] = mapped_column(String(16), default="unknown")
    # Only redacted text is ever stored: PII is removed before this row exists.
    text: Mapped[str] = mapped_column(Text)
    avg_logprob: Mapped[float | None]
    no_speech_prob: Mapped[float | None]
    # p(positive) - p(negative), kept so a live session's mean can be recomputed as utterances arrive.
    sentiment: Mapped[float | None]
    # The audio it was heard in: the interaction's own recording, or one live utterance of a session.
    recording_id: Mapped[int | None] = mapped_column(ForeignKey("recordings.id"), index=True)
    # [[start, end], ...] seconds on the interaction's timeline where personal data was spoken:
    # playback beeps them. Found with word timestamps; the whole utterance when they fail.
    pii_spans: Mapped[list[list[float]] | None] = mapped_column(JSON)
    # jieba tokens of the text, space-joined: what full-text search indexes (FTS5 / tsvector).
    search_tokens: Mapped[str | None] = mapped_column(Text)

    interaction: Mapped[Interaction] = relationship(back_populates="utterances")
    tags: Mapped[list[Tag]] = relationship(back_populates="utterance", cascade="all, delete-orphan")


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_kind_label", "kind", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    utterance_id: Mapped[int] = mapped_column(ForeignKey("utterances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # sentiment | intent | keyword | pii
    label: Mapped[str] = mapped_column(String(64))
    score: Mapped[float | None]
    source: Mapped[str] = mapped_column(String(32), default="model")  # model | reviewer

    utterance: Mapped[Utterance] = relationship(back_populates="tags")


class Complaint(Base):
    """A case: one customer problem, however many sentences and contacts it took to tell.

    It begins with the interaction where it was first heard (`interaction_id`, `utterance_id` the
    first evidence); a later complaint of the same customer and category within the reopen window
    joins it as another contact (`contacts`, `last_contact_at`, more evidence).
    """

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), index=True)
    utterance_id: Mapped[int] = mapped_column(ForeignKey("utterances.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    severity: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    assignee: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)  # redacted, like the utterance it came from
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None]
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # first contact: when it was said
    last_contact_at: Mapped[datetime] = mapped_column(default=utcnow)
    contacts: Mapped[int] = mapped_column(default=1)  # interactions in which the customer raised it
    due_at: Mapped[datetime | None] = mapped_column(index=True)  # to be resolved by (KESHENG_CASE_DUE_DAYS)
    overdue_at: Mapped[datetime | None]  # when it was escalated for passing its due time unresolved
    crm_id: Mapped[str | None] = mapped_column(String(64))  # its record in the CRM, once pushed
    crm_status: Mapped[str | None] = mapped_column(String(16))  # the status the CRM was last told

    interaction: Mapped[Interaction] = relationship(back_populates="complaints")
    utterance: Mapped[Utterance] = relationship()
    evidence: Mapped[list[CaseEvidence]] = relationship(
        back_populates="complaint", order_by="CaseEvidence.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="complaint", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    customer: Mapped[Customer | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    notes: Mapped[list[ComplaintNote]] = relationship(
        back_populates="complaint", order_by="ComplaintNote.created_at", cascade="all, delete-orphan"
    )


class CaseEvidence(Base):
    """An utterance that carries a case's complaint (each utterance is evidence of one case at most)."""

    __tablename__ = "complaint_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    utterance_id: Mapped[int] = mapped_column(ForeignKey("utterances.id"), unique=True)

    complaint: Mapped[Complaint] = relationship(back_populates="evidence")
    utterance: Mapped[Utterance] = relationship()


class CaseEvent(Base):
    """A case's history: opened, another contact, reopened, status and assignee changes, escalation."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(128))  # None: kesheng itself
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(500))

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class ComplaintNote(Base):
    __tablename__ = "complaint_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    author: Mapped[str | None] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="notes")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_priority", "status", "priority", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="import")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # Lower runs first; live capture will sit below bulk imports.
    priority: Mapped[int] = mapped_column(default=100)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    asr_model: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(64))  # exception class, for metrics
    attempts: Mapped[int] = mapped_column(default=0)
    # A running job's lease: renewed while a worker is alive on it; when it runs out another takes over.
    heartbeat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    recording: Mapped[Recording] = relationship()


class Device(Base):
    """A capture agent's machine: enrolled once with a one-time code, then known by its token."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    counter: Mapped[str | None] = mapped_column(String(64))
    staff: Mapped[str | None] = mapped_column(String(128))
    # Only hashes are stored: a database leak must not hand out working codes or tokens.
    enrolment_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolment_expires_at: Mapped[datetime | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    agent_version: Mapped[str | None] = mapped_column(String(64))
    input_level_db: Mapped[float | None]
    clipping: Mapped[bool | None]
    spool_backlog: Mapped[int | None]
    spool_full: Mapped[bool | None]  # the agent stopped capturing: its disk is full
    last_upload_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    branch: Mapped[Branch | None] = relationship()


class CaptureSession(Base):
    """One stretch of live capture on a device (a counter visit, a field visit): one interaction."""

    __tablename__ = "capture_sessions"
    __table_args__ = (UniqueConstraint("device_id", "session"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    name: Mapped[str] = mapped_column("session", String(64))  # the agent's own name for the visit
    mode: Mapped[str] = mapped_column(String(16))  # counter | field
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    started_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    device: Mapped[Device] = relationship()
    customer: Mapped[Customer | None] = relationship()
    interaction: Mapped[Interaction | None] = relationship()


class LiveUtterance(Base):
    """One utterance uploaded by an agent; its idempotency key makes every retry land once."""

    __tablename__ = "live_utterances"
    __table_args__ = (UniqueConstraint("capture_session_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # device:session:seq
    capture_session_id: Mapped[int] = mapped_column(ForeignKey("capture_sessions.id"), index=True)
    seq: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    offset: Mapped[float]  # seconds from the session's start to the utterance's start
    duration: Mapped[float]
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When its utterances were stored: the end of the capture-to-record latency.
    stored_at: Mapped[datetime | None]

    capture_session: Mapped[CaptureSession] = relationship()
    job: Mapped[Job] = relationship()


class User(Base):
    """Someone who signs in: an admin, a CX manager, counter staff or an auditor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    scopes: Mapped[list[UserScope]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class UserScope(Base):
    """One branch code or region a scoped user (cx_manager, counter_staff) may see."""

    __tablename__ = "user_scopes"
    __table_args__ = (UniqueConstraint("user_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # branch | region
    value: Mapped[str] = mapped_column(String(100))


class UserToken(Base):
    """A bearer token (kind api) or a web session (kind session, with its CSRF token); hashes only."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class AuditEntry(Base):
    """Who read personal data or changed something, when, on what. Never the content itself.

    Append-only: database triggers refuse UPDATE and DELETE on this table.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. interaction.read, complaint.update
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    branch_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TagCorrection(Base):
    """A reviewer's fix of a model's tag: labelled data that `kesheng nlp train` learns from."""

    __tablename__ = "tag_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    utterance_id: Mapped[int] = mapped_column(ForeignKey("utterances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # sentiment | intent | complaint
    old_label: Mapped[str | None] = mapped_column(String(64))
    new_label: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # the redacted utterance as corrected
    reviewer: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One alert to the webhook: written with the complaint, sent and retried by the alert sender."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(16), default="webhook")  # webhook | wecom | dingtalk
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
