"""A customer's record: timeline across channels, sentiment trend, risk of leaving."""

from collections import Counter

from fastapi import APIRouter

from api.deps import CurrentPrincipal, SessionDep
from api.schemas import ChurnOut, TimelineEntry, TimelineOut, TrendPoint
from store.insights import churn_signals
from store.models import SEVERITIES
from store.repository import customer_interactions, get_customer

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("/{external_id}/timeline", response_model=TimelineOut)
def customer_timeline(external_id: str, session: SessionDep, _caller: CurrentPrincipal) -> TimelineOut:
    """Every interaction of the customer, oldest first, with the sentiment trend and churn signals."""
    customer = get_customer(session, external_id)
    interactions = customer_interactions(session, customer)
    entries = [
        TimelineEntry(
            interaction_id=i.id,
            channel=i.channel,
            branch=i.branch.code if i.branch else None,
            occurred_at=i.occurred_at,
            sentiment=i.sentiment,
            complaints=len(i.complaints),
            max_severity=max((c.severity for c in i.complaints), key=SEVERITIES.index, default="none"),
        )
        for i in interactions
    ]
    trend: list[TrendPoint] = []
    window: list[float] = []
    for i in interactions:
        if i.sentiment is None:
            continue
        window = [*window[-2:], i.sentiment]
        trend.append(TrendPoint(occurred_at=i.occurred_at, sentiment=i.sentiment, rolling=sum(window) / len(window)))
    signals = churn_signals(session, customer, interactions)
    return TimelineOut(
        customer=customer.external_id,
        value_tier=customer.value_tier,
        lifecycle_stage=customer.lifecycle_stage,
        channels=dict(Counter(i.channel for i in interactions)),
        interactions=entries,
        sentiment_trend=trend,
        churn=ChurnOut(
            risk=signals.risk,
            cancel_intent=signals.cancel_intent,
            falling_sentiment=signals.falling_sentiment,
            complaints=signals.complaints,
            trend_slope=signals.trend_slope,
        ),
    )
