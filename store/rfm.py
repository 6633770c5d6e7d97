"""Customer value (RFM) and lifecycle stage from purchases, by documented rules.

R (recency): days since the last purchase — ≤30: 5, ≤90: 4, ≤180: 3, ≤365: 2, older: 1.
F (frequency): purchases in the last 365 days — ≥12: 5, ≥6: 4, ≥3: 3, 2: 2, fewer: 1.
M (monetary): amount spent in the last 365 days, as the quintile (1-5) among the customers who bought
  in that year (amounts differ too much between businesses for fixed thresholds).
Value tier: R+F+M ≥ 13 high, ≥ 9 medium, else low; none for a customer who never bought.
Lifecycle stage (潜在 / 现有 / 忠诚 / 流失): prospect — never bought; churned — no purchase for
  KESHENG_CHURN_DAYS (180); loyal — R ≥ 4 and F ≥ 4, a customer for at least 180 days; active — the rest.
A reviewer's manual tier or stage overrides the computed one and is kept through rescoring.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

YEAR = timedelta(days=365)
TIERS = ("high", "medium", "low")
STAGES = ("prospect", "active", "loyal", "churned")  # 潜在, 现有, 忠诚, 流失


@dataclass(frozen=True)
class Purchases:
    """One customer's purchases as the scores need them."""

    count_year: int  # in the 365 days before the scoring time
    amount_year: float
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class Value:
    r: int | None
    f: int | None
    m: int | None
    tier: str | None
    stage: str


def recency_score(days: float) -> int:
    return 5 if days <= 30 else 4 if days <= 90 else 3 if days <= 180 else 2 if days <= 365 else 1


def frequency_score(count: int) -> int:
    return 5 if count >= 12 else 4 if count >= 6 else 3 if count >= 3 else 2 if count == 2 else 1


def amount_cuts(amounts: Sequence[float]) -> list[float]:
    """The quintile boundaries of the year's amounts of the customers who bought."""
    ranked = sorted(a for a in amounts if a > 0)
    if not ranked:
        return []
    return [ranked[min(len(ranked) - 1, (len(ranked) * q) // 5)] for q in (1, 2, 3, 4)]


def score(p: Purchases, cuts: Sequence[float], now: datetime, churn_days: float = 180.0) -> Value:
    """The customer's RFM scores, value tier and lifecycle stage at `now`."""
    if p.last is None or p.first is None:
        return Value(None, None, None, None, "prospect")
    days = (now - p.last).total_seconds() / 86400
    r, f = recency_score(days), frequency_score(p.count_year)
    m = 1 + bisect_right(list(cuts), p.amount_year) if p.amount_year > 0 and cuts else 1
    m = min(m, 5)
    total = r + f + m
    tier = "high" if total >= 13 else "medium" if total >= 9 else "low"
    if days > churn_days:
        stage = "churned"
    elif r >= 4 and f >= 4 and now - p.first >= timedelta(days=180):
        stage = "loyal"
    else:
        stage = "active"
    return Value(r, f, m, tier, stage)
