"""Writing a transcribed conversation: its interaction, utterances, tags and complaints, and the job's end.

Data functions: they take the caller's session, add and flush, and never commit (the caller owns
the transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from core.kinds import Role
from core.settings import Settings
from store.cases import CaseFinding, cases_heard_in, file_case, redate
from store.models import Branch, CaseEvent, Customer, Interaction, Job, LiveUtterance, Tag, Utterance, utcnow
from store.repository import get_or_create_branch, get_or_create_customer

# Whose voice the interaction's sentiment is drawn from (staff are never complaints either).
CUSTOMER_ROLES = (Role.customer, Role.unknown)


@dataclass(frozen=True)
class TagValue:
    kind: str  # sentiment | intent | keyword | pii
    label: str
    score: float | None = None


@dataclass(frozen=True)
class UtteranceRow:
    """One analysed sentence, as it is stored: times on its recording's own timeline, text redacted."""

    start: float
    end: float
    channel: int
    role: str
    text: str
    search_tokens: str
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    sentiment: float | None = None
    pii_spans: tuple[tuple[float, float], ...] = ()  # seconds of spoken personal data (beeped on playback)
    tags: tuple[TagValue, ...] = ()


def interaction_of_recording(session: Session, recording_id: int, asr_model: str) -> int | None:
    """The interaction an earlier import of this recording with this model stored, if any."""
    query = select(Interaction.id).where(Interaction.recording_id == recording_id, Interaction.asr_model == asr_model)
    return session.scalars(query).first()


def interaction_holding(session: Session, recording_id: int, asr_model: str) -> int | None:
    """The interaction holding utterances of this recording (a live utterance joins its visit's)."""
    query = (
        select(Utterance.interaction_id)
        .join(Interaction)
        .where(Utterance.recording_id == recording_id, Interaction.asr_model == asr_model)
    )
    return session.scalars(query).first()


def new_interaction(
    session: Session,
    *,
    recording_id: int,
    asr_model: str,
    customer: Customer | None,
    branch: Branch | None,
    channel: str,
    occurred_at: datetime | None,
    language: str | None = None,
    time_source: str = "given",
    staff: str | None = None,
) -> Interaction:
    """An interaction at `occurred_at`, or where that is unknown now (time_source "import")."""
    interaction = Interaction(
        recording_id=recording_id,
        asr_model=asr_model,
        customer=customer,
        branch=branch,
        channel=channel,
        language=language,
        occurred_at=occurred_at or utcnow(),
        time_source=time_source if occurred_at else "import",
        staff=staff,
    )
    session.add(interaction)
    return interaction


def locked_interaction(session: Session, interaction_id: int) -> Interaction:
    """An interaction with its utterances, locked so utterances stored side by side keep its sentiment right."""
    interaction = session.scalar(
        select(Interaction)
        .where(Interaction.id == interaction_id)
        .options(selectinload(Interaction.utterances))
        .with_for_update(of=Interaction)
    )
    assert interaction is not None
    return interaction


def add_utterances(
    session: Session,
    interaction: Interaction,
    recording_id: int,
    rows: Sequence[UtteranceRow],
    settings: Settings,
    offset: float = 0.0,
    finding: CaseFinding | None = None,
) -> list[Utterance]:
    """Store the sentences at `offset` seconds on the interaction's timeline, file the complaint the
    analyser found in them (`finding`) as a case, and set the interaction's sentiment over its
    customer's sentences."""
    stored = []
    for row in rows:
        utterance = Utterance(
            start=row.start + offset,
            end=row.end + offset,
            channel=row.channel,
            role=row.role,
            text=row.text,
            avg_logprob=row.avg_logprob,
            no_speech_prob=row.no_speech_prob,
            sentiment=row.sentiment,
            recording_id=recording_id,
            pii_spans=[[a + offset, b + offset] for a, b in row.pii_spans] or None,
            search_tokens=row.search_tokens,
        )
        utterance.tags = [Tag(kind=t.kind, label=t.label, score=t.score) for t in row.tags]
        interaction.utterances.append(utterance)
        stored.append(utterance)
    session.flush()
    if finding is not None and finding.evidence:
        file_case(session, interaction, stored, finding, settings)
    voiced = [u.sentiment for u in interaction.utterances if u.role in CUSTOMER_ROLES and u.sentiment is not None]
    interaction.sentiment = fmean(voiced) if voiced else None
    return stored


@dataclass(frozen=True)
class MetadataFix:
    """An admin's correction of what an import was told; None leaves that field alone."""

    customer: str | None = None
    branch: str | None = None
    occurred_at: datetime | None = None


def correct_metadata(session: Session, interaction: Interaction, fix: MetadataFix, settings: Settings) -> list[str]:
    """Apply the fix to the interaction and to the cases first heard in it (or, for the time, any
    case with evidence in it); the names of the fields that changed."""
    changed = []
    if fix.customer is not None and fix.customer != (interaction.customer and interaction.customer.external_id):
        interaction.customer = get_or_create_customer(session, fix.customer)
        changed.append("customer")
    if fix.branch is not None and fix.branch != (interaction.branch and interaction.branch.code):
        interaction.branch = get_or_create_branch(session, fix.branch)
        changed.append("branch")
    if fix.occurred_at is not None and fix.occurred_at != interaction.occurred_at:
        interaction.occurred_at, interaction.time_source = fix.occurred_at, "given"
        changed.append("occurred_at")
    session.flush()
    for case in cases_heard_in(session, interaction.id):
        if case.interaction_id == interaction.id:
            case.customer, case.branch = interaction.customer, interaction.branch
        if "occurred_at" in changed:
            redate(case, settings)
        if changed:
            case.events.append(CaseEvent(kind="corrected", detail=", ".join(changed)))
    session.flush()
    return changed


def mark_live_stored(session: Session, key: str) -> None:
    """Mark a live utterance's transcript as stored."""
    session.execute(update(LiveUtterance).where(LiveUtterance.key == key).values(stored_at=utcnow()))


@dataclass(frozen=True)
class JobEnd:
    """How a job ended: done with its interaction, or failed with the reason."""

    status: str  # done | failed
    interaction_id: int | None = None
    error: str | None = None
    error_kind: str | None = None

    @classmethod
    def failed(cls, error: str, exc: BaseException) -> JobEnd:
        return cls("failed", error=error, error_kind=exc.__class__.__name__)


def finish_job(session: Session, job_id: int, end: JobEnd) -> None:
    """Record how a job ended (a job deleted meanwhile is left alone)."""
    job = session.get(Job, job_id)
    if job is None:
        return
    job.status = end.status
    job.interaction_id = end.interaction_id
    job.error = end.error
    job.error_kind = end.error_kind
    job.finished_at = utcnow()
