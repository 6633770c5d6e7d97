"""Response and request bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from store.devices import health
from store.models import CaptureSession, Complaint, Device, Interaction, Job, Utterance


class JobOut(BaseModel):
    id: int
    status: str = Field(description="queued | running | done | failed | dead (gave up after max attempts)")
    duplicate: bool = Field(False, description="true when this audio was already imported with this model")
    interaction_id: int | None
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job, duplicate: bool = False) -> JobOut:
        return cls(
            id=job.id,
            status=job.status,
            duplicate=duplicate,
            interaction_id=job.interaction_id,
            error=job.error,
            attempts=job.attempts,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class TagOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    label: str
    score: float | None
    source: str


class UtteranceOut(BaseModel):
    id: int
    start: float
    end: float
    channel: int
    role: str
    text: str = Field(description="redacted: personal data replaced by [手机号], [身份证号]...")
    sentiment: TagOut | None
    intent: TagOut | None
    keywords: list[str]
    pii: list[str]

    @classmethod
    def of(cls, u: Utterance) -> UtteranceOut:
        by_kind = {t.kind: TagOut.model_validate(t) for t in u.tags if t.kind in ("sentiment", "intent")}
        return cls(
            id=u.id,
            start=u.start,
            end=u.end,
            channel=u.channel,
            role=u.role,
            text=u.text,
            sentiment=by_kind.get("sentiment"),
            intent=by_kind.get("intent"),
            keywords=[t.label for t in u.tags if t.kind == "keyword"],
            pii=[t.label for t in u.tags if t.kind == "pii"],
        )


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    author: str | None
    body: str
    created_at: datetime


class EvidenceOut(BaseModel):
    utterance_id: int
    interaction_id: int
    start: float
    text: str = Field(description="redacted")


class CaseEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    actor: str | None = Field(description="who; null: kesheng itself")
    kind: str = Field(description="opened | contact | reopened | status | assigned | escalated | category | severity")
    detail: str | None


class ComplaintOut(BaseModel):
    """A case: one customer problem (its first interaction and sentence, and every sentence that carries it)."""

    id: int
    interaction_id: int = Field(description="where the case was first heard")
    utterance_id: int = Field(description="its first evidence sentence")
    customer: str | None
    branch: str | None
    staff: str | None = Field(description="who served the customer where the case was first heard")
    severity: str
    category: str
    status: str
    assignee: str | None
    text: str = Field(description="the summary: the evidence sentences, redacted")
    occurred_at: datetime = Field(description="first contact: when the customer said it")
    last_contact_at: datetime
    contacts: int = Field(description="interactions in which the customer raised it")
    due_at: datetime | None = Field(description="to be resolved by (KESHENG_CASE_DUE_DAYS per severity)")
    overdue_at: datetime | None = Field(description="when it was escalated for passing its due time unresolved")
    created_at: datetime = Field(description="when kesheng filed it")
    updated_at: datetime
    resolved_at: datetime | None
    evidence: list[EvidenceOut]
    notes: list[NoteOut]
    history: list[CaseEventOut]

    @classmethod
    def of(cls, c: Complaint) -> ComplaintOut:
        return cls(
            id=c.id,
            interaction_id=c.interaction_id,
            utterance_id=c.utterance_id,
            customer=c.customer.external_id if c.customer else None,
            branch=c.branch.code if c.branch else None,
            staff=c.interaction.staff,
            severity=c.severity,
            category=c.category,
            status=c.status,
            assignee=c.assignee,
            text=c.text,
            occurred_at=c.occurred_at,
            last_contact_at=c.last_contact_at,
            contacts=c.contacts,
            due_at=c.due_at,
            overdue_at=c.overdue_at,
            created_at=c.created_at,
            updated_at=c.updated_at,
            resolved_at=c.resolved_at,
            evidence=[
                EvidenceOut(
                    utterance_id=e.utterance_id,
                    interaction_id=e.utterance.interaction_id,
                    start=e.utterance.start,
                    text=e.utterance.text,
                )
                for e in c.evidence
            ],
            notes=[NoteOut.model_validate(n) for n in c.notes],
            history=[CaseEventOut.model_validate(e) for e in c.events],
        )


class ComplaintPage(BaseModel):
    total: int
    counts: dict[str, dict[str, int]] = Field(description="matching cases by status and by severity")
    items: list[ComplaintOut]


class DeletionOut(BaseModel):
    interactions: int
    utterances: int
    complaints: int
    recordings: int


class ComplaintUpdate(BaseModel):
    status: str | None = Field(None, description="new | in_review | resolved | dismissed (needs a note: why)")
    assignee: str | None = Field(None, max_length=128, description="empty string unassigns")
    note: str | None = Field(None, max_length=5000)


class BulkUpdate(ComplaintUpdate):
    ids: list[int] = Field(min_length=1, max_length=500, description="the cases to change")


class BulkResult(BaseModel):
    updated: list[int]


class InteractionFixIn(BaseModel):
    customer: str | None = Field(None, max_length=128, description="the customer's id in your CRM")
    branch: str | None = Field(None, max_length=64, description="branch code")
    occurred_at: str | None = Field(
        None, max_length=40, description="when it happened: ISO 8601, or 2026-11-28 23:30 in the display zone"
    )


class InteractionOut(BaseModel):
    id: int
    channel: str
    customer: str | None
    branch: str | None
    occurred_at: datetime
    time_source: str | None = Field(
        description="where occurred_at came from: given, file (its metadata), capture (the agent), "
        "import (unknown: when it was imported)"
    )
    staff: str | None = Field(description="who served the customer")
    language: str | None
    asr_model: str
    duration: float | None
    sentiment: float | None = Field(description="mean p(pos)-p(neg) of customer utterances, -1..1")
    utterances: list[UtteranceOut]
    complaints: list[ComplaintOut]

    @classmethod
    def of(cls, i: Interaction) -> InteractionOut:
        return cls(
            id=i.id,
            channel=i.channel,
            customer=i.customer.external_id if i.customer else None,
            branch=i.branch.code if i.branch else None,
            occurred_at=i.occurred_at,
            time_source=i.time_source,
            staff=i.staff,
            language=i.language,
            asr_model=i.asr_model,
            duration=i.recording.duration,
            sentiment=i.sentiment,
            utterances=[UtteranceOut.of(u) for u in i.utterances],
            complaints=[ComplaintOut.of(c) for c in i.complaints],
        )


class ComplaintDetail(BaseModel):
    complaint: ComplaintOut
    interaction: InteractionOut


class TagFixIn(BaseModel):
    sentiment: str | None = Field(None, description="pos | neu | neg")
    intent: str | None = Field(None, description="complaint, inquiry, request, praise, suggestion, cancel, refund")
    complaint: bool | None = Field(None, description="false: not a complaint (its complaints are dismissed)")
    category: str | None = None
    severity: str | None = Field(None, description="low | medium | high")


class SearchHitOut(BaseModel):
    utterance_id: int
    interaction_id: int
    complaint_ids: list[int]
    customer: str | None
    branch: str | None
    channel: str
    occurred_at: datetime
    role: str
    text: str


class SearchOut(BaseModel):
    query: str
    terms: list[str]
    hits: list[SearchHitOut]


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    object_type: str
    object_id: str | None
    branch_id: int | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    total: int
    items: list[AuditEntryOut]


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class MeOut(BaseModel):
    username: str
    role: str
    branches: list[str] | None = Field(description="branch codes in scope; null: every branch")
    csrf: str | None = Field(None, description="send as X-CSRF-Token with changes made through the cookie")


class WebhookDeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    complaint_id: int | None
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class TimelineEntry(BaseModel):
    interaction_id: int
    channel: str
    branch: str | None
    occurred_at: datetime
    sentiment: float | None
    complaints: int
    max_severity: str


class TrendPoint(BaseModel):
    occurred_at: datetime
    sentiment: float
    rolling: float = Field(description="mean of this and the two previous interactions")


class ChurnOut(BaseModel):
    risk: float = Field(description="0..1")
    cancel_intent: bool
    falling_sentiment: bool
    complaints: int = Field(description="cases raised (dismissed ones left out)")
    trend_slope: float | None
    open_cases: int
    days_since_purchase: float | None = Field(description="none: no purchases known")
    falling_purchases: bool = Field(description="the last quarter below half the pace of the nine months before")


class ValueFixIn(BaseModel):
    value_tier: str | None = Field(None, max_length=32, description="high | medium | low; empty clears the override")
    lifecycle_stage: str | None = Field(
        None, max_length=32, description="prospect | active | loyal | churned; empty clears the override"
    )


class TimelineOut(BaseModel):
    customer: str
    value_tier: str | None = Field(description="high | medium | low: a reviewer's, else from purchases (RFM)")
    lifecycle_stage: str | None = Field(description="prospect 潜在 | active 现有 | loyal 忠诚 | churned 流失")
    rfm: dict[str, int | None] = Field(description="recency, frequency and monetary scores, 1-5 (none: no purchases)")
    overridden: list[str] = Field(description="which of value_tier and lifecycle_stage a reviewer set")
    channels: dict[str, int]
    interactions: list[TimelineEntry]
    sentiment_trend: list[TrendPoint]
    churn: ChurnOut


class DeviceOut(BaseModel):
    id: int
    name: str | None
    branch: str | None
    counter: str | None
    staff: str | None
    health: str = Field(description="ok | warning | offline | spool_full | never_seen | not_enrolled | revoked")
    enrolled_at: datetime | None
    revoked_at: datetime | None
    last_seen_at: datetime | None
    agent_version: str | None
    input_level_db: float | None
    clipping: bool | None
    spool_backlog: int | None
    spool_full: bool | None
    last_upload_at: datetime | None

    @classmethod
    def of(cls, d: Device) -> DeviceOut:
        return cls(
            id=d.id,
            name=d.name,
            branch=d.branch.code if d.branch else None,
            counter=d.counter,
            staff=d.staff,
            health=health(d),
            enrolled_at=d.enrolled_at,
            revoked_at=d.revoked_at,
            last_seen_at=d.last_seen_at,
            agent_version=d.agent_version,
            input_level_db=d.input_level_db,
            clipping=d.clipping,
            spool_backlog=d.spool_backlog,
            spool_full=d.spool_full,
            last_upload_at=d.last_upload_at,
        )


class DeviceCreate(BaseModel):
    branch: str = Field(min_length=1, max_length=64)
    counter: str | None = Field(None, max_length=64)
    staff: str | None = Field(None, max_length=128)


class DeviceCreated(BaseModel):
    device: DeviceOut
    enrolment_code: str = Field(description="one-time; shown only now")


class EnrolRequest(BaseModel):
    code: str = Field(min_length=4, max_length=32)
    name: str | None = Field(None, max_length=200)


class EnrolResponse(BaseModel):
    device_id: int
    token: str = Field(description="the device's credential; shown only now")


class HeartbeatIn(BaseModel):
    agent_version: str | None = Field(None, max_length=64)
    input_level_db: float | None = Field(None, ge=-200, le=20)
    clipping: bool | None = None
    spool_backlog: int | None = Field(None, ge=0)
    last_upload_at: datetime | None = None
    spool_full: bool | None = Field(None, description="capture stopped: the agent's spool disk is full")


class LiveUtteranceOut(BaseModel):
    key: str = Field(description="device:session:seq")
    job_id: int
    capture_session_id: int
    interaction_id: int
    duplicate: bool = Field(description="true when this key had already been received; nothing stored twice")


class CaptureSessionOut(BaseModel):
    id: int
    device_id: int
    session: str
    mode: str
    customer: str | None
    interaction_id: int | None
    started_at: datetime
    utterances: int

    @classmethod
    def of(cls, c: CaptureSession, utterances: int) -> CaptureSessionOut:
        return cls(
            id=c.id,
            device_id=c.device_id,
            session=c.name,
            mode=c.mode,
            customer=c.customer.external_id if c.customer else None,
            interaction_id=c.interaction_id,
            started_at=c.started_at,
            utterances=utterances,
        )


class CustomerAttach(BaseModel):
    customer: str = Field(min_length=1, max_length=128, description="the customer's id in your CRM")
