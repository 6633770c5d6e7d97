"""Customer-level signals drawn from stored interactions: sentiment trend and risk of leaving."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.kinds import ComplaintStatus
from store.models import Customer, Interaction, Tag, Utterance


@dataclass(frozen=True)
class ChurnSignals:
    """Why a customer may leave, and a 0-1 risk combining the reasons."""

    cancel_intent: bool
    falling_sentiment: bool
    complaints: int
    trend_slope: float | None
    risk: float


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


def churn_signals(
    session: Session, customer: Customer, interactions: list[Interaction], branch_ids: frozenset[int] | None = None
) -> ChurnSignals:
    """Cancel intent, falling sentiment and repeated complaints, weighted into one risk figure."""
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
    complaints = sum(c.status != ComplaintStatus.dismissed for i in interactions for c in i.complaints)
    last_negative = bool(values) and values[-1] < -0.3
    risk = 0.4 * cancel + 0.2 * falling + 0.15 * last_negative + 0.25 * min(complaints / 3, 1.0)
    return ChurnSignals(cancel, falling, complaints, slope, round(min(risk, 1.0), 3))
