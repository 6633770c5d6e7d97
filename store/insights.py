"""Customer-level signals drawn from stored interactions and purchases: the risk of leaving.

The risk combines, as independent warnings (1 - Π(1 - wᵢ·sᵢ), so each adds and none alone makes it
certain): a stated wish to cancel (0.45); cases still open (0.30 at two or more); cases raised at
all (0.10 at three); falling sentiment across interactions (0.15); a negative last interaction
(0.10); purchases gone quiet — days since the last one, from 45 (nothing) to 180 (0.35); purchases
falling — the last quarter below half the quarterly pace of the nine months before (0.20). The
customer's value tier is left out: as one more warning it changed the measured AUC by at most 0.003;
the case queue's priority order weighs value instead. `bench/bench_churn.py` measures the risk (AUC)
on a cohort with known outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.kinds import ComplaintStatus
from store.models import Customer, Interaction, Purchase, Tag, Utterance, utcnow

OPEN = (ComplaintStatus.new, ComplaintStatus.in_review)


@dataclass(frozen=True)
class ChurnSignals:
    """Why a customer may leave, and a 0-1 risk combining the reasons."""

    cancel_intent: bool
    falling_sentiment: bool
    complaints: int  # cases raised (dismissed ones are no complaint)
    trend_slope: float | None
    risk: float
    open_cases: int = 0
    days_since_purchase: float | None = None  # None: no purchases known
    falling_purchases: bool = False
    last_negative: bool = False


def sentiment_slope(values: list[float]) -> float | None:
    """Least-squares slope of sentiment per interaction; None with fewer than two points."""
    n = len(values)
    if n < 2:
        return None
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den


def combined_risk(
    cancel: bool,
    open_cases: int,
    cases: int,
    falling_sentiment: bool,
    last_negative: bool,
    days_since_purchase: float | None,
    falling_purchases: bool,
) -> float:
    """The module docstring's rule, 0..1."""
    quiet = 0.0 if days_since_purchase is None else min(max((days_since_purchase - 45) / 135, 0.0), 1.0)
    warnings = (
        0.45 * cancel,
        0.30 * min(open_cases / 2, 1.0),
        0.10 * min(cases / 3, 1.0),
        0.15 * falling_sentiment,
        0.10 * last_negative,
        0.35 * quiet,
        0.20 * falling_purchases,
    )
    stays = 1.0
    for weight in warnings:
        stays *= 1.0 - weight
    return round(1.0 - stays, 3)


def churn_signals(
    session: Session,
    customer: Customer,
    interactions: list[Interaction],
    branch_ids: frozenset[int] | None = None,
    now: datetime | None = None,
) -> ChurnSignals:
    """Cancel intent, cases, sentiment and purchases, weighted into one risk figure."""
    now = now or utcnow()
    cancel_query = (
        select(Tag.id)
        .join(Utterance, Tag.utterance_id == Utterance.id)
        .join(Interaction, Utterance.interaction_id == Interaction.id)
        .where(
            Interaction.customer_id == customer.id,
            Tag.kind == "intent",
            Tag.label == "cancel",
            Utterance.role != "staff",
        )
        .limit(1)
    )
    if branch_ids is not None:  # what another branch heard is not the caller's to see
        cancel_query = cancel_query.where(Interaction.branch_id.in_(branch_ids))
    cancel = session.scalar(cancel_query) is not None
    values = [i.sentiment for i in interactions if i.sentiment is not None]
    slope = sentiment_slope(values)
    falling = slope is not None and slope < -0.1
    cases = [c for i in interactions for c in i.complaints if c.status != ComplaintStatus.dismissed]
    open_cases = sum(c.status in OPEN for c in cases)
    last_negative = bool(values) and values[-1] < -0.3
    days, falling_purchases = _purchase_signals(session, customer.id, now)
    risk = combined_risk(cancel, open_cases, len(cases), falling, last_negative, days, falling_purchases)
    return ChurnSignals(cancel, falling, len(cases), slope, risk, open_cases, days, falling_purchases, last_negative)


def _purchase_signals(session: Session, customer_id: int, now: datetime) -> tuple[float | None, bool]:
    """Days since the last purchase, and whether the last quarter fell below half the earlier pace."""
    last = session.scalar(
        select(func.max(Purchase.occurred_at)).where(Purchase.customer_id == customer_id, Purchase.occurred_at <= now)
    )
    if last is None:
        return None, False
    quarter, year = now - timedelta(days=91), now - timedelta(days=365)
    recent = (
        session.scalar(select(func.count()).where(Purchase.customer_id == customer_id, Purchase.occurred_at > quarter))
        or 0
    )
    earlier = (
        session.scalar(
            select(func.count()).where(
                Purchase.customer_id == customer_id, Purchase.occurred_at > year, Purchase.occurred_at <= quarter
            )
        )
        or 0
    )
    pace = earlier / 3  # purchases a quarter over the nine months before
    days = (now - (last if last.tzinfo else last.replace(tzinfo=now.tzinfo))).total_seconds() / 86400
    return round(days, 1), pace >= 1 and recent < pace / 2
