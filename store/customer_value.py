"""Purchases in, value tier and lifecycle stage out: the data side of store/rfm.py.

Data functions: they take the caller's session and never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidRequestError
from store.models import Customer, Purchase, utcnow
from store.repository import get_or_create_customer
from store.rfm import STAGES, TIERS, YEAR, Purchases, amount_cuts, score


@dataclass(frozen=True)
class PurchaseRow:
    customer: str
    occurred_at: datetime
    amount: float
    external_id: str | None = None  # the CRM's or the shop's id; without one, the row's content is its id


def add_purchases(session: Session, rows: Iterable[PurchaseRow], source: str = "csv") -> int:
    """Store the purchases not stored before (by source and id); how many were new."""
    added = 0
    for row in rows:
        key = (
            row.external_id
            or hashlib.sha256(f"{row.customer}|{row.occurred_at.isoformat()}|{row.amount}".encode()).hexdigest()[:40]
        )
        known = session.scalar(select(Purchase.id).where(Purchase.source == source, Purchase.external_id == key))
        if known is not None:
            continue
        customer = get_or_create_customer(session, row.customer)
        assert customer is not None
        session.add(
            Purchase(customer=customer, occurred_at=row.occurred_at, amount=row.amount, source=source, external_id=key)
        )
        session.flush()
        added += 1
    return added


def rescore(session: Session, now: datetime | None = None, churn_days: float = 180.0) -> int:
    """Score every customer at `now`; overrides win. How many customers were scored."""
    now = now or utcnow()
    since = now - YEAR
    year = dict(
        (cid, (n, total))
        for cid, n, total in session.execute(
            select(Purchase.customer_id, func.count(), func.sum(Purchase.amount))
            .where(Purchase.occurred_at > since, Purchase.occurred_at <= now)
            .group_by(Purchase.customer_id)
        )
    )
    span = {
        cid: (first, last)
        for cid, first, last in session.execute(
            select(Purchase.customer_id, func.min(Purchase.occurred_at), func.max(Purchase.occurred_at))
            .where(Purchase.occurred_at <= now)
            .group_by(Purchase.customer_id)
        )
    }
    cuts = amount_cuts([float(total or 0) for _n, total in year.values()])
    customers = list(session.scalars(select(Customer)))
    for customer in customers:
        n, total = year.get(customer.id, (0, 0.0))
        first, last = span.get(customer.id, (None, None))
        value = score(Purchases(n, float(total or 0), first, last), cuts, now, churn_days)
        customer.rfm_r, customer.rfm_f, customer.rfm_m = value.r, value.f, value.m
        customer.value_tier = customer.value_tier_override or value.tier
        customer.lifecycle_stage = customer.lifecycle_override or value.stage
        customer.scored_at = now
    session.flush()
    return len(customers)


def override(customer: Customer, tier: str | None, stage: str | None) -> None:
    """A reviewer's tier or stage ("" clears it), kept through rescoring."""
    if tier is not None:
        if tier and tier not in TIERS:
            raise InvalidRequestError(f"value_tier must be one of {', '.join(TIERS)}")
        customer.value_tier_override = tier or None
        customer.value_tier = tier or customer.value_tier
    if stage is not None:
        if stage and stage not in STAGES:
            raise InvalidRequestError(f"lifecycle_stage must be one of {', '.join(STAGES)}")
        customer.lifecycle_override = stage or None
        customer.lifecycle_stage = stage or customer.lifecycle_stage
