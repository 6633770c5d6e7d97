"""Complaint cases: one per customer problem, filed from a conversation's evidence sentences.

A conversation's complaint becomes a case. A live visit's later sentences join its case; a
customer's later complaint in the same category within `KESHENG_CASE_REOPEN_DAYS` of their open or
resolved case joins that one as another contact (reopening it) instead of filling the queue with
the same problem again. An alert goes out once per case, and again when the case escalates.

Data functions: they take the caller's session and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session, selectinload

from core.errors import InvalidRequestError, NotFoundError
from core.kinds import ComplaintStatus
from core.settings import Settings
from store.alerts import OVERDUE, queue_alert
from store.models import (
    COMPLAINT_STATUSES,
    SEVERITIES,
    Branch,
    CaseEvent,
    CaseEvidence,
    Complaint,
    ComplaintNote,
    Customer,
    Interaction,
    Tag,
    Utterance,
    utcnow,
)

SUMMARY_CHARS = 2000  # the evidence sentences, joined, as the queue shows a case
OPEN = (ComplaintStatus.new, ComplaintStatus.in_review)


@dataclass(frozen=True)
class CaseFinding:
    """A conversation's complaint as the analyser found it: which of the stored sentences carry it."""

    severity: str
    category: str
    evidence: tuple[int, ...]  # indices into the utterances the finding is about


def file_case(
    session: Session,
    interaction: Interaction,
    utterances: Sequence[Utterance],
    finding: CaseFinding,
    settings: Settings,
    actor: str | None = None,
) -> Complaint:
    """The case the finding belongs to (the interaction's own, a recent one of the customer's in the
    same category, or a new one), with the finding's sentences added as evidence."""
    evidence = [utterances[i] for i in finding.evidence]
    case = case_of_interaction(session, interaction.id) or _recent_case(
        session, interaction, finding.category, settings.case_reopen_days
    )
    if case is None:
        case = Complaint(
            interaction=interaction,
            utterance=evidence[0],
            customer=interaction.customer,
            branch=interaction.branch,
            severity=finding.severity,
            category=finding.category,
            text="",
            occurred_at=interaction.occurred_at,
            last_contact_at=interaction.occurred_at,
        )
        session.add(case)
        set_due(case, settings)
        _add_evidence(case, evidence)
        case.events.append(CaseEvent(actor=actor, kind="opened", detail=f"{len(evidence)} sentence(s)"))
        queue_alert(session, case, settings)
        return case
    if case.interaction_id != interaction.id and interaction.id not in _contact_ids(case):
        case.events.append(CaseEvent(actor=actor, kind="contact", detail=f"interaction {interaction.id}"))
    _add_evidence(case, evidence)
    if interaction.occurred_at < case.occurred_at:  # an earlier call imported later
        case.occurred_at = interaction.occurred_at
        set_due(case, settings)
    case.last_contact_at = max(case.last_contact_at, interaction.occurred_at)
    case.contacts = len(_contact_ids(case))
    if case.status == ComplaintStatus.resolved:
        set_status(case, ComplaintStatus.new, actor, "the customer raised it again")
    if SEVERITIES.index(finding.severity) > SEVERITIES.index(case.severity):
        case.events.append(CaseEvent(actor=actor, kind="escalated", detail=f"{case.severity} → {finding.severity}"))
        case.severity = finding.severity
        set_due(case, settings)
        queue_alert(session, case, settings)
    case.updated_at = utcnow()
    return case


def case_of_interaction(session: Session, interaction_id: int) -> Complaint | None:
    """The case an interaction's complaint went to (not a dismissed one: that was judged no complaint)."""
    query = (
        select(Complaint)
        .join(CaseEvidence, CaseEvidence.complaint_id == Complaint.id)
        .join(Utterance, Utterance.id == CaseEvidence.utterance_id)
        .where(Utterance.interaction_id == interaction_id, Complaint.status != ComplaintStatus.dismissed)
        .order_by(Complaint.id)
    )
    return session.scalars(query).first()


def cases_heard_in(session: Session, interaction_id: int) -> list[Complaint]:
    """Every case first heard in the interaction or with evidence in it, dismissed ones too."""
    evidence = (
        select(CaseEvidence.complaint_id)
        .join(Utterance, Utterance.id == CaseEvidence.utterance_id)
        .where(Utterance.interaction_id == interaction_id)
    )
    query = select(Complaint).where(or_(Complaint.interaction_id == interaction_id, Complaint.id.in_(evidence)))
    return list(session.scalars(query.order_by(Complaint.id)))


def case_of_utterance(session: Session, utterance_id: int) -> Complaint | None:
    """The case an utterance is evidence of, if any."""
    query = select(Complaint).join(CaseEvidence).where(CaseEvidence.utterance_id == utterance_id)
    return session.scalars(query).first()


def _recent_case(session: Session, interaction: Interaction, category: str, days: float) -> Complaint | None:
    """The customer's open or resolved case in this category whose contacts are within `days` of this one."""
    if interaction.customer_id is None or days <= 0:
        return None
    window = timedelta(days=days)
    at = interaction.occurred_at
    query = (
        select(Complaint)
        .where(
            Complaint.customer_id == interaction.customer_id,
            Complaint.category == category,
            or_(Complaint.status.in_(OPEN), Complaint.status == ComplaintStatus.resolved),
            Complaint.occurred_at <= at + window,
            Complaint.last_contact_at >= at - window,
        )
        .order_by(Complaint.last_contact_at.desc(), Complaint.id.desc())
    )
    return session.scalars(query).first()


def _add_evidence(case: Complaint, utterances: Sequence[Utterance]) -> None:
    known = {e.utterance_id for e in case.evidence if e.utterance_id is not None}
    for utterance in utterances:
        if utterance.id is None or utterance.id not in known:
            case.evidence.append(CaseEvidence(utterance=utterance))
    _summarise(case)


def _summarise(case: Complaint) -> None:
    case.text = "\n".join(e.utterance.text for e in case.evidence)[:SUMMARY_CHARS]


def _contact_ids(case: Complaint) -> set[int]:
    return {e.utterance.interaction_id for e in case.evidence if e.utterance.interaction_id is not None} | {
        case.interaction_id
    }


def redate(case: Complaint, settings: Settings) -> None:
    """First and last contact again from the times of the interactions its evidence is in (one was corrected)."""
    times = [e.utterance.interaction.occurred_at for e in case.evidence] or [case.interaction.occurred_at]
    case.occurred_at, case.last_contact_at = min(times), max(times)
    set_due(case, settings)


def drop_evidence(case: Complaint, utterance_id: int, actor: str | None) -> None:
    """An utterance a reviewer found is no complaint leaves its case; a case left with none is dismissed."""
    for row in [e for e in case.evidence if e.utterance_id == utterance_id]:
        case.evidence.remove(row)
    if case.evidence:
        _summarise(case)
        case.utterance = case.evidence[0].utterance
        case.contacts = len(_contact_ids(case))
    elif case.status != ComplaintStatus.dismissed:
        set_status(case, ComplaintStatus.dismissed, actor, "not a complaint (tag correction)")
    case.updated_at = utcnow()


def set_status(case: Complaint, status: str, actor: str | None, why: str | None = None) -> None:
    """Move a case to `status`, with the change in its history."""
    if status == case.status:
        return
    kind = "reopened" if case.status in (ComplaintStatus.resolved, ComplaintStatus.dismissed) else "status"
    detail = f"{case.status} → {status}" + (f": {why}" if why else "")
    case.events.append(CaseEvent(actor=actor, kind=kind, detail=detail[:500]))
    case.status = status
    case.resolved_at = utcnow() if status in (ComplaintStatus.resolved, ComplaintStatus.dismissed) else None
    case.updated_at = utcnow()


def set_due(case: Complaint, settings: Settings) -> None:
    """Due to be resolved by its first contact plus its severity's days (no deadline for a severity not named)."""
    days = settings.case_due_days.get(case.severity)
    case.due_at = None if days is None else case.occurred_at + timedelta(days=days)
    if case.due_at is None or case.due_at > utcnow():
        case.overdue_at = None  # a later deadline: it may become overdue again, and will be escalated again


def escalate_overdue(session: Session, settings: Settings, now: datetime | None = None) -> list[Complaint]:
    """Open cases past their due time, each escalated once: marked, in its history, and alerted."""
    now = now or utcnow()
    overdue = session.scalars(
        select(Complaint)
        .where(Complaint.status.in_(OPEN), Complaint.due_at < now, Complaint.overdue_at.is_(None))
        .order_by(Complaint.due_at)
        .limit(500)
    ).all()
    for case in overdue:
        case.overdue_at = now
        case.events.append(CaseEvent(kind="overdue", detail=f"due {case.due_at.isoformat() if case.due_at else ''}"))
        queue_alert(session, case, settings, OVERDUE)
    session.flush()
    return list(overdue)


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
    intent: str | None = None
    branch_ids: frozenset[int] | None = None  # the caller's scope; None: every branch
    assignee: str | None = None
    overdue: bool | None = None  # only cases escalated for passing their due time (False: only the others)
    sort: str = "occurred"  # occurred (latest first) | due (soonest first) | severity | priority (see _order)
    with_dismissed: bool = False  # without a status asked for, dismissed cases (no complaint) are left out


SORTS = ("occurred", "due", "severity", "priority")


def _complaint_query(filters: ComplaintFilter) -> Select[Complaint]:
    if filters.sort not in SORTS:
        raise InvalidRequestError(f"sort must be one of {', '.join(SORTS)}")
    if filters.status and filters.status not in COMPLAINT_STATUSES:
        raise InvalidRequestError(f"status must be one of {', '.join(COMPLAINT_STATUSES)}")
    if filters.severity and filters.severity not in SEVERITIES:
        raise InvalidRequestError(f"severity must be one of {', '.join(SEVERITIES)}")
    query = select(Complaint)
    if filters.branch_ids is not None:
        query = query.where(Complaint.branch_id.in_(filters.branch_ids))
    if filters.intent:
        query = query.where(
            select(Tag.id)
            .where(Tag.utterance_id == Complaint.utterance_id, Tag.kind == "intent", Tag.label == filters.intent)
            .exists()
        )
    if filters.status:
        query = query.where(Complaint.status == filters.status)
    elif not filters.with_dismissed:
        query = query.where(Complaint.status != ComplaintStatus.dismissed)
    if filters.severity:
        query = query.where(Complaint.severity == filters.severity)
    if filters.category:
        query = query.where(Complaint.category == filters.category)
    if filters.branch:
        query = query.join(Branch, Complaint.branch_id == Branch.id).where(Branch.code == filters.branch)
    if filters.assignee:
        query = query.where(Complaint.assignee == filters.assignee)
    if filters.overdue is not None:
        flagged = Complaint.overdue_at.is_not(None)
        query = query.where(flagged if filters.overdue else ~flagged)
    if filters.since:
        query = query.where(Complaint.occurred_at >= filters.since)
    if filters.until:
        query = query.where(Complaint.occurred_at < filters.until)
    return query


def complaint_counts(session: Session, filters: ComplaintFilter) -> dict[str, dict[str, int]]:
    """How many cases match, by status (dismissed ones too, so the queue can offer them) and by severity."""
    counts = {}
    for column, counted in (("status", replace(filters, with_dismissed=True)), ("severity", filters)):
        base = _complaint_query(counted).subquery()
        rows = session.execute(select(base.c[column], func.count()).group_by(base.c[column]))
        counts[column] = {value: n for value, n in rows}
    return counts


def list_complaints(session: Session, filters: ComplaintFilter) -> tuple[list[Complaint], int]:
    """Cases matching the filters, the latest to have happened first, and the total count before paging."""
    query = _complaint_query(filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(
            selectinload(Complaint.customer),
            selectinload(Complaint.branch),
            selectinload(Complaint.notes),
            selectinload(Complaint.evidence).selectinload(CaseEvidence.utterance),
        )
        .order_by(*_order(filters.sort))
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return list(rows), total


def _order(sort: str) -> tuple[ColumnElement[Any], ...]:
    if sort == "due":  # soonest deadline first; cases without one last
        return (Complaint.due_at.is_(None), Complaint.due_at.asc(), Complaint.id.asc())
    if sort == "severity":
        rank = sql_case((Complaint.severity == "high", 3), (Complaint.severity == "medium", 2), else_=1)
        return (rank.desc(), Complaint.occurred_at.desc(), Complaint.id.desc())
    if sort == "priority":  # severity first, then the customer's value: a high-value customer's problem leads
        rank = sql_case((Complaint.severity == "high", 30), (Complaint.severity == "medium", 20), else_=10)
        value = sql_case(
            (Customer.value_tier == "high", 3),
            (Customer.value_tier == "medium", 2),
            (Customer.value_tier == "low", 1),
            else_=0,
        )
        worth = select(value).where(Customer.id == Complaint.customer_id).scalar_subquery()
        return ((rank + func.coalesce(worth, 0)).desc(), Complaint.due_at.asc(), Complaint.id.asc())
    return (Complaint.occurred_at.desc(), Complaint.id.desc())


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
        if status == ComplaintStatus.dismissed and status != complaint.status and not (note or "").strip():
            raise InvalidRequestError("dismissing a case needs a reason: give a note")
        set_status(complaint, status, author, (note or "").strip()[:200] or None)
    if assignee is not None and (assignee or None) != complaint.assignee:
        complaint.events.append(CaseEvent(actor=author, kind="assigned", detail=(assignee or "unassigned")[:500]))
        complaint.assignee = assignee or None
    if note:
        complaint.notes.append(ComplaintNote(body=note, author=author))
    complaint.updated_at = utcnow()
    session.flush()
    return complaint
