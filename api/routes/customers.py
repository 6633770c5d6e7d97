"""A customer's record: timeline across channels, sentiment trend, risk of leaving."""

from collections import Counter

from fastapi import APIRouter
from sqlalchemy.orm import Session

from api.deps import Admin, Reviewer, ServicesDep, SessionDep
from api.schemas import ChurnOut, DeletionOut, TimelineEntry, TimelineOut, TrendPoint, ValueFixIn
from core.errors import NotFoundError
from store.audit import record
from store.auth import Principal
from store.customer_value import override
from store.insights import churn_signals
from store.models import SEVERITIES, Customer, Interaction
from store.privacy import delete_customer
from store.repository import customer_interactions, get_customer

router = APIRouter(prefix="/customers", tags=["customers"])


def read_customer(session: Session, caller: Principal, external_id: str) -> tuple[Customer, list[Interaction]]:
    """The customer and the interactions in the caller's branches, audited as one read; 404 when none."""
    customer = get_customer(session, external_id)
    interactions = [i for i in customer_interactions(session, customer) if caller.sees(i.branch_id)]
    if caller.branch_ids is not None and not interactions:
        raise NotFoundError("customer", external_id)
    record(session, caller, "customer.read", "customer", customer.id, None, interactions=len(interactions))
    return customer, interactions


@router.delete("/{external_id}", response_model=DeletionOut)
def delete_customer_data(external_id: str, session: SessionDep, services: ServicesDep, caller: Admin) -> DeletionOut:
    """PIPL deletion request: the customer's audio, transcripts, tags and complaints go; the audit entry stays."""
    report, keys = delete_customer(session, external_id, caller)
    session.commit()  # rows first: audio files go only once nothing points at them
    for key in keys:
        services.audio_store.delete(key)
    return DeletionOut(**report.__dict__)


@router.patch("/{external_id}", response_model=TimelineOut)
def customer_value_fix(external_id: str, body: ValueFixIn, session: SessionDep, caller: Reviewer) -> TimelineOut:
    """Set a customer's value tier or lifecycle stage by hand; kept through rescoring ("" gives it back
    to the scores)."""
    customer, _interactions = read_customer(session, caller, external_id)
    override(customer, body.value_tier, body.lifecycle_stage)
    record(session, caller, "customer.update", "customer", customer.id, None, **body.model_dump(exclude_none=True))
    session.flush()
    return customer_timeline(external_id, session, caller)


@router.get("/{external_id}/timeline", response_model=TimelineOut)
def customer_timeline(external_id: str, session: SessionDep, caller: Reviewer) -> TimelineOut:
    """Every interaction of the customer the caller may see, oldest first, with sentiment trend and churn."""
    customer, interactions = read_customer(session, caller, external_id)
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
    signals = churn_signals(session, customer, interactions, caller.branch_ids)
    return TimelineOut(
        customer=customer.external_id,
        value_tier=customer.value_tier,
        lifecycle_stage=customer.lifecycle_stage,
        rfm={"r": customer.rfm_r, "f": customer.rfm_f, "m": customer.rfm_m},
        overridden=[
            name
            for name, value in (
                ("value_tier", customer.value_tier_override),
                ("lifecycle_stage", customer.lifecycle_override),
            )
            if value
        ],
        channels=dict(Counter(i.channel for i in interactions)),
        interactions=entries,
        sentiment_trend=trend,
        churn=ChurnOut(
            risk=signals.risk,
            cancel_intent=signals.cancel_intent,
            falling_sentiment=signals.falling_sentiment,
            complaints=signals.complaints,
            trend_slope=signals.trend_slope,
            open_cases=signals.open_cases,
            days_since_purchase=signals.days_since_purchase,
            falling_purchases=signals.falling_purchases,
        ),
    )
