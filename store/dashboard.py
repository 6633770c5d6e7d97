"""The dashboard's figures, within the caller's branches: counted in Python over one period's rows,
which is the same on SQLite and PostgreSQL and quick at a branch network's volume."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.kinds import ComplaintStatus
from store.insights import churn_signals
from store.models import Complaint, Customer, Interaction, Tag, Utterance, utcnow


@dataclass(frozen=True)
class AtRisk:
    """A customer who may leave, and why."""

    customer: str
    risk: float
    cancel_intent: bool
    falling_sentiment: bool
    complaints: int
    value_tier: str | None = None  # what is at stake: among equal risks, the more valuable customer first


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard draws."""

    since: datetime
    by_branch: dict[str, int]
    by_category: dict[str, int]
    by_week: dict[str, int]  # ISO date of the week's Monday → cases first raised that week
    sentiment_by_week: dict[str, float]  # mean interaction sentiment per week
    sentiment_by_branch: dict[str, float]  # mean interaction sentiment per branch
    top_keywords: list[tuple[str, int]]
    at_risk: list[AtRisk]
    by_staff: dict[str, dict[str, float | None]]  # who served the customer → cases raised, interactions, mean sentiment


def _week(moment: datetime, where: tzinfo) -> str:
    day: date = moment.astimezone(where).date()  # the week where the managers are, not in UTC
    return (day - timedelta(days=day.weekday())).isoformat()


def build_dashboard(
    session: Session, branch_ids: frozenset[int] | None, days: int = 90, where: tzinfo = UTC
) -> Dashboard:
    """Complaints per branch, category and week; sentiment per week; keywords; customers at risk."""
    since = utcnow() - timedelta(days=days)
    complaints_q = (  # cases by when they happened; a dismissed one was judged no complaint
        select(Complaint)
        .where(Complaint.occurred_at >= since, Complaint.status != ComplaintStatus.dismissed)
        .options(selectinload(Complaint.branch), selectinload(Complaint.interaction))
    )
    interactions_q = select(Interaction).where(Interaction.occurred_at >= since)
    keywords_q = (
        select(Tag.label)
        .join(Utterance, Tag.utterance_id == Utterance.id)
        .join(Interaction, Utterance.interaction_id == Interaction.id)
        .where(Tag.kind == "keyword", Utterance.role != "staff", Interaction.occurred_at >= since)
    )
    if branch_ids is not None:
        complaints_q = complaints_q.where(Complaint.branch_id.in_(branch_ids))
        interactions_q = interactions_q.where(Interaction.branch_id.in_(branch_ids))
        keywords_q = keywords_q.where(Interaction.branch_id.in_(branch_ids))
    complaints = list(session.scalars(complaints_q))
    interactions = list(session.scalars(interactions_q))
    sentiments: dict[str, list[float]] = defaultdict(list)
    for interaction in interactions:
        if interaction.sentiment is not None:
            sentiments[_week(interaction.occurred_at, where)].append(interaction.sentiment)
    return Dashboard(
        since=since,
        by_branch=dict(Counter(c.branch.code if c.branch else "-" for c in complaints).most_common()),
        by_category=dict(Counter(c.category for c in complaints).most_common()),
        by_week=dict(sorted(Counter(_week(c.occurred_at, where) for c in complaints).items())),
        sentiment_by_week={w: round(sum(v) / len(v), 3) for w, v in sorted(sentiments.items())},
        sentiment_by_branch=_mean_by_branch(interactions),
        top_keywords=Counter(session.scalars(keywords_q)).most_common(15),
        at_risk=_at_risk(session, interactions, branch_ids),
        by_staff=_by_staff(complaints, interactions),
    )


def _by_staff(complaints: list[Complaint], interactions: list[Interaction]) -> dict[str, dict[str, float | None]]:
    """Per staff member (or call agent): cases first raised with them, interactions, mean customer sentiment."""
    served: dict[str, list[Interaction]] = defaultdict(list)
    for interaction in interactions:
        if interaction.staff:
            served[interaction.staff].append(interaction)
    cases = Counter(c.interaction.staff for c in complaints if c.interaction.staff)
    figures: dict[str, dict[str, float | None]] = {}
    for staff, theirs in sorted(served.items(), key=lambda item: (-cases[item[0]], item[0])):
        voiced = [i.sentiment for i in theirs if i.sentiment is not None]
        figures[staff] = {
            "cases": cases[staff],
            "interactions": len(theirs),
            "sentiment": round(sum(voiced) / len(voiced), 3) if voiced else None,
        }
    return figures


def _at_risk(session: Session, interactions: list[Interaction], branch_ids: frozenset[int] | None) -> list[AtRisk]:
    customer_ids = {i.customer_id for i in interactions if i.customer_id is not None}
    found = []
    for customer in session.scalars(select(Customer).where(Customer.id.in_(customer_ids))):
        history = list(
            session.scalars(
                select(Interaction)
                .where(Interaction.customer_id == customer.id)
                .options(selectinload(Interaction.complaints))
                .order_by(Interaction.occurred_at, Interaction.id)
            )
        )
        history = [i for i in history if branch_ids is None or i.branch_id in branch_ids]
        signals = churn_signals(session, customer, history, branch_ids)
        if signals.risk >= 0.3:
            found.append(
                AtRisk(
                    customer.external_id,
                    signals.risk,
                    signals.cancel_intent,
                    signals.falling_sentiment,
                    signals.complaints,
                    customer.value_tier,
                )
            )
    worth = {"high": 3, "medium": 2, "low": 1}
    return sorted(found, key=lambda r: (-r.risk, -worth.get(r.value_tier or "", 0)))[:15]


def _mean_by_branch(interactions: list[Interaction]) -> dict[str, float]:
    by_branch: dict[str, list[float]] = defaultdict(list)
    for interaction in interactions:
        if interaction.sentiment is not None:
            by_branch[interaction.branch.code if interaction.branch else "-"].append(interaction.sentiment)
    return {code: round(sum(v) / len(v), 3) for code, v in sorted(by_branch.items())}
