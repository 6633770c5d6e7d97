"""A synthetic customer cohort with KNOWN churn outcomes, for evaluating a churn-risk score (e.g. by AUC).

Standard library only; deterministic for a given seed. Nothing here looks at how the score under test works: the
cohort is written from a generative story about why customers of a bank, telecom operator or retailer leave.

The story, per customer
=======================

1. **Type.** Each customer is drawn from a mix of latent types. "base" is the type's 90-day churn probability
   before complaints; "realised" is the churn rate the whole story produces (20,000-customer cohorts, seeds 1-3):

   ===================  =====  ====  ========  ======================================================================
   type                 share  base  realised  what they look like
   ===================  =====  ====  ========  ======================================================================
   loyal_regular         0.34  0.04     ~0.05  steady purchases, rare and mostly pleasant contact
   loyal_vocal           0.08  0.06     ~0.08  high spenders who call often, complain a lot, sometimes threaten to
                                               leave -- and stay
   price_sensitive       0.15  0.21     ~0.24  small baskets, fee complaints, bargain by "threatening" to cancel
   service_hurt          0.12  0.15     ~0.38  suffered bad service; complaints, low sentiment; leave mostly when
                                               the complaints are not repaired
   dormant               0.12  0.30     ~0.30  activity fading over the year whatever the outcome; little contact
   new                   0.10  0.25     ~0.28  joined 3 weeks to 5 months ago; short history, fragile
   quiet_switcher        0.09  0.33     ~0.34  normal-looking, silent customers who leave for a competitor or a
                                               life event (moving away), mostly without warning
   ===================  =====  ====  ========  ======================================================================

   Each customer's propensity is the type's base rate with log-odds noise (sd 0.6), so two customers of one type
   differ. Over the whole cohort about a fifth churn (the default cohort, n=2000 and seed 7: 21.6%).

2. **History that happened before the decision.** Over the 12 months before ``now`` (or since joining, for the
   new), purchases follow a Poisson process with a customer-specific rate and log-normal amounts (CNY); dormant
   customers' rate decays over the year whether or not they then leave. Interactions (counter visits, calls)
   follow a type-dependent Poisson process (some customers have none at all); a type-dependent share carry a
   complaint, whose severity and category lean on the type (fees for the price-sensitive, attitude and waiting
   time for the service-hurt, product and delivery for the new) and whose status depends on its age and luck:
   recent complaints are still ``new``/``in_review``, older ones mostly ``resolved``, some ``dismissed``, some
   left open (about half of the service-hurt's stay open, a fifth to a quarter of others').

3. **Complaints move the propensity.** Unrepaired complaints raise the log-odds of leaving in proportion to their
   severity, decaying with age (half weight at 120 days; a fresh unanswered high-severity complaint adds
   ~2.2 to the log-odds of a service-hurt customer); a dismissed complaint counts 0.6, a resolved one 0.15.
   Loyal, vocal customers are barely moved (they complain and stay); the service-hurt and the new are moved most.

4. **Outcome.** ``churned`` ~ Bernoulli(propensity). It is probabilistic: some customers with every warning sign
   stay, some with none leave.

5. **Pre-exit behaviour of those who leave** (the decision is made weeks before the exit and partly leaks into
   the record, but not always): a type-dependent share taper their spending (rate, and for the price-sensitive
   also basket size, falling toward a floor over the last 1-5 months); a type-dependent share voice it, saying in
   a recent conversation that they want to cancel / close the account (sometimes with a complaint attached);
   their recent conversations run slightly more negative. Quiet switchers mostly do neither.

6. **False alarms among those who stay.** Any conversation may carry cancel intent from a stayer (price-sensitive
   customers bargaining for a better rate, vocal loyalists venting, the hurt being retained by a recovery).

Sentiment is a per-customer baseline by type plus per-conversation noise, lowered by complaints (more for severe
ones) and cancel intent, so churners and stayers overlap on every signal.

Grounding in published churn research
=====================================

- Keaveney (1995), "Customer Switching Behavior in Service Industries: An Exploratory Study", *Journal of
  Marketing*: core-service failures and failed service encounters are the most cited reasons for switching,
  followed by pricing, inconvenience, failed responses to service failures, and competitor attraction; some
  switching is involuntary (moving away) -- hence the service-hurt, price-sensitive and quiet-switcher types.
- Tax, Brown & Chandrashekaran (1998), "Customer Evaluations of Service Complaint Experiences: Implications for
  Relationship Marketing", *Journal of Marketing*: how a complaint is handled drives trust and commitment -- hence
  unresolved (and dismissed) complaints weigh far more than resolved ones.
- Bolton (1998), "A Dynamic Model of the Duration of the Customer's Relationship with a Continuous Service
  Provider: The Role of Satisfaction", *Marketing Science*: cumulative satisfaction predicts relationship
  duration, and customers with little prior experience weigh recent bad experiences more -- hence fragile new
  customers and sticky long-standing ones.
- Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and What Will They Do Next?",
  *Management Science* (the Pareto/NBD model): recency and frequency of past purchases indicate whether a
  customer is still "alive" -- hence the tapering and fading purchase streams.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_NOW = datetime(2025, 7, 1, tzinfo=UTC)
WINDOW_DAYS = 365.0

SEVERITIES = ("low", "medium", "high")
CATEGORIES = ("fees", "service_attitude", "waiting_time", "product", "delivery", "other")
STATUSES = ("new", "in_review", "resolved", "dismissed")


@dataclass(frozen=True)
class CohortInteraction:
    occurred_at: datetime  # timezone-aware (UTC)
    sentiment: float  # mean customer sentiment of the conversation, -1..1
    cancel_intent: bool  # the customer said they want to cancel / close / leave
    # (severity: low|medium|high, category: fees|service_attitude|waiting_time|product|delivery|other,
    #  status: new|in_review|resolved|dismissed) or None
    complaint: tuple[str, str, str] | None


@dataclass(frozen=True)
class CohortCustomer:
    external_id: str
    churned: bool  # the known outcome: left within the 90 days AFTER `now`
    purchases: tuple[tuple[datetime, float], ...]  # (when, amount in CNY), all before `now`
    interactions: tuple[CohortInteraction, ...]  # all before `now`, oldest first


@dataclass(frozen=True)
class _Type:
    name: str
    share: float
    churn: float  # base probability of leaving in the next 90 days
    purchases_per_month: float  # median across customers of this type
    amount_median: float  # CNY, median across customers of this type
    interactions_per_year: float  # median across customers of this type
    silent: float  # probability of no interactions at all
    complaint_rate: float  # share of interactions carrying a complaint
    severity_weights: tuple[float, float, float]
    category_weights: tuple[float, float, float, float, float, float]
    resolve_rate: float  # probability an old enough complaint ends resolved
    complaint_sensitivity: float  # how much unrepaired complaints raise the log-odds of leaving
    sentiment_base: float
    taper: float  # share of this type's churners whose spending tapers before they leave
    voice: float  # share of this type's churners who say they want to cancel before leaving
    false_alarm: float  # per-interaction probability a stayer voices cancel intent


TYPES: tuple[_Type, ...] = (
    _Type(
        "loyal_regular", 0.34, 0.04, 3.0, 300.0, 1.5, 0.25, 0.08,
        (0.6, 0.3, 0.1), (0.2, 0.15, 0.2, 0.2, 0.1, 0.15), 0.8, 0.8, 0.35, 0.55, 0.30, 0.01,
    ),
    _Type(
        "loyal_vocal", 0.08, 0.06, 5.0, 1200.0, 8.0, 0.0, 0.45,
        (0.3, 0.45, 0.25), (0.15, 0.2, 0.2, 0.2, 0.15, 0.1), 0.75, 0.15, -0.05, 0.5, 0.40, 0.05,
    ),
    _Type(
        "price_sensitive", 0.15, 0.21, 2.5, 150.0, 3.0, 0.15, 0.25,
        (0.45, 0.4, 0.15), (0.6, 0.1, 0.05, 0.1, 0.05, 0.1), 0.7, 0.5, 0.05, 0.65, 0.45, 0.06,
    ),
    _Type(
        "service_hurt", 0.12, 0.15, 2.0, 300.0, 5.0, 0.0, 0.5,
        (0.25, 0.45, 0.3), (0.05, 0.4, 0.3, 0.1, 0.1, 0.05), 0.45, 0.9, -0.25, 0.55, 0.45, 0.04,
    ),
    _Type(
        "dormant", 0.12, 0.30, 2.0, 250.0, 0.8, 0.4, 0.1,
        (0.5, 0.35, 0.15), (0.2, 0.15, 0.15, 0.25, 0.1, 0.15), 0.7, 0.5, 0.1, 0.3, 0.10, 0.01,
    ),
    _Type(
        "new", 0.10, 0.25, 2.0, 250.0, 3.0, 0.2, 0.2,
        (0.4, 0.4, 0.2), (0.2, 0.15, 0.1, 0.3, 0.2, 0.05), 0.65, 1.0, 0.15, 0.45, 0.30, 0.02,
    ),
    _Type(
        "quiet_switcher", 0.09, 0.33, 1.5, 300.0, 0.5, 0.5, 0.03,
        (0.6, 0.3, 0.1), (0.2, 0.2, 0.2, 0.2, 0.1, 0.1), 0.75, 0.5, 0.2, 0.25, 0.05, 0.01,
    ),
)  # fmt: skip

SEVERITY_WEIGHT = {"low": 0.3, "medium": 0.6, "high": 1.0}
STATUS_WEIGHT = {"new": 1.0, "in_review": 1.0, "dismissed": 0.6, "resolved": 0.15}
COMPLAINT_HALF_LIFE_DAYS = 120.0
COMPLAINT_LOGIT_SCALE = 2.5


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _poisson_times(rng: random.Random, start: float, end: float, rate, rate_max: float) -> list[float]:
    """Event times (days relative to now, negative) of a Poisson process with intensity ``rate(t)`` per day on
    [start, end), by thinning a homogeneous process of intensity ``rate_max``."""
    times: list[float] = []
    if rate_max <= 0:
        return times
    t = start
    while True:
        t += rng.expovariate(rate_max)
        if t >= end:
            return times
        if rng.random() * rate_max < rate(t):
            times.append(t)


def _complaint_status(rng: random.Random, age_days: float, resolve_rate: float) -> str:
    if age_days < 7:
        return rng.choices(("new", "in_review", "resolved"), (0.6, 0.35, 0.05))[0]
    if age_days < 30:
        return rng.choices(STATUSES, (0.15, 0.4, 0.35 * resolve_rate / 0.7, 0.1))[0]
    r = resolve_rate
    return rng.choices(STATUSES, (0.35 * (1 - r), 0.65 * (1 - r), r * 0.88, r * 0.12))[0]


@dataclass
class _Draft:
    t: float  # days relative to now (negative)
    sentiment: float
    cancel_intent: bool
    complaint: tuple[str, str, str] | None


def _draw_sentiment(rng: random.Random, base: float, complaint, cancel: bool, shift: float = 0.0) -> float:
    s = base + rng.gauss(0.0, 0.3) + shift
    if complaint is not None:
        s -= 0.15 + 0.25 * SEVERITY_WEIGHT[complaint[0]]
    if cancel:
        s -= 0.2
    return round(_clip(s, -1.0, 1.0), 3)


def _customer(rng: random.Random, index: int, now: datetime) -> tuple[CohortCustomer, str]:
    ty = rng.choices(TYPES, [t.share for t in TYPES])[0]

    # -- 1. latent propensity and traits
    logit_p = _logit(ty.churn) + rng.gauss(0.0, 0.6)
    start = -rng.uniform(20.0, 150.0) if ty.name == "new" else -WINDOW_DAYS
    freq = ty.purchases_per_month / 30.0 * math.exp(rng.gauss(0.0, 0.45))
    amount_mu = math.log(ty.amount_median) + rng.gauss(0.0, 0.6)
    inter_rate = 0.0 if rng.random() < ty.silent else ty.interactions_per_year / 365.0 * math.exp(rng.gauss(0.0, 0.6))
    sentiment_base = ty.sentiment_base + rng.gauss(0.0, 0.2)

    # -- 2. interactions and complaints that happened before the decision
    drafts: list[_Draft] = []
    for t in _poisson_times(rng, start, 0.0, lambda _t: inter_rate, inter_rate):
        complaint = None
        if rng.random() < ty.complaint_rate:
            severity = rng.choices(SEVERITIES, ty.severity_weights)[0]
            category = rng.choices(CATEGORIES, ty.category_weights)[0]
            complaint = (severity, category, _complaint_status(rng, -t, ty.resolve_rate))
        drafts.append(_Draft(t, 0.0, False, complaint))

    # -- 3. unrepaired complaints move the propensity
    load = 0.0
    for d in drafts:
        if d.complaint is not None:
            severity, _, status = d.complaint
            decay = 0.5 ** (-d.t / COMPLAINT_HALF_LIFE_DAYS)
            load += SEVERITY_WEIGHT[severity] * STATUS_WEIGHT[status] * decay
    logit_p += COMPLAINT_LOGIT_SCALE * ty.complaint_sensitivity * load

    # -- 4. the outcome
    churned = rng.random() < _sigmoid(logit_p)

    # -- 5. pre-exit behaviour of leavers, 6. false alarms of stayers
    taper_start, taper_floor = 0.0, 1.0
    if churned and rng.random() < ty.taper:
        taper_start = max(start, -rng.uniform(30.0, 150.0))
        taper_floor = rng.uniform(0.0, 0.35)
    shift_recent = -0.1 if churned else 0.0
    for d in drafts:
        if not churned and rng.random() < ty.false_alarm * (2.0 if d.complaint else 1.0):
            d.cancel_intent = True
    if churned and rng.random() < ty.voice:
        recent = [d for d in drafts if d.t > -60.0]
        if recent and rng.random() < 0.6:
            rng.choice(recent).cancel_intent = True
        else:
            complaint = None
            if rng.random() < 0.3:
                severity = rng.choices(SEVERITIES, ty.severity_weights)[0]
                category = rng.choices(CATEGORIES, ty.category_weights)[0]
                t = -rng.uniform(1.0, min(60.0, -start))
                complaint = (severity, category, _complaint_status(rng, -t, ty.resolve_rate))
                drafts.append(_Draft(t, 0.0, True, complaint))
            else:
                drafts.append(_Draft(-rng.uniform(1.0, min(60.0, -start)), 0.0, True, None))
    for d in drafts:
        shift = shift_recent if d.t > -90.0 else 0.0
        d.sentiment = _draw_sentiment(rng, sentiment_base, d.complaint, d.cancel_intent, shift)
    drafts.sort(key=lambda d: d.t)

    # -- purchases
    fade_floor = rng.uniform(0.02, 0.4)
    fade_end = -rng.uniform(0.0, 120.0)

    def multiplier(t: float) -> float:
        m = 1.0
        if ty.name == "dormant":
            m *= 1.0 - (1.0 - fade_floor) * _clip((t - start) / (fade_end - start), 0.0, 1.0)
        if taper_start < 0.0 and t > taper_start:
            m *= 1.0 - (1.0 - taper_floor) * (t - taper_start) / -taper_start
        return m

    purchases = []
    for t in _poisson_times(rng, start, 0.0, lambda t: freq * multiplier(t), freq):
        amount = math.exp(rng.gauss(amount_mu, 0.5))
        if ty.name == "price_sensitive" and taper_start < 0.0 and t > taper_start:
            amount *= math.sqrt(multiplier(t))
        purchases.append((now + timedelta(days=t), round(max(1.0, amount), 2)))

    interactions = tuple(
        CohortInteraction(now + timedelta(days=d.t), d.sentiment, d.cancel_intent, d.complaint) for d in drafts
    )
    customer = CohortCustomer(f"C{index + 1:05d}", churned, tuple(purchases), interactions)
    return customer, ty.name


def _generate_typed(n: int, seed: int, now: datetime) -> list[tuple[CohortCustomer, str]]:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rng = random.Random(seed)
    return [_customer(rng, i, now) for i in range(n)]


def generate(n: int = 2000, seed: int = 7, now: datetime = DEFAULT_NOW) -> list[CohortCustomer]:
    """``n`` synthetic customers with known churn outcomes over the 90 days after ``now``; deterministic per seed."""
    return [c for c, _ in _generate_typed(n, seed, now)]


def _auc(scores: list[float], labels: list[bool]) -> float:
    """Mann-Whitney AUC with ties counted half."""
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: p[0])
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        avg_rank = (i + j + 1) / 2.0
        rank_sum += avg_rank * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


if __name__ == "__main__":
    now = DEFAULT_NOW
    typed = _generate_typed(2000, 7, now)
    cohort = [c for c, _ in typed]
    churners = [c for c in cohort if c.churned]
    stayers = [c for c in cohort if not c.churned]

    def share(group: list[CohortCustomer], pred) -> str:
        return f"{sum(1 for c in group if pred(c)) / len(group):6.1%}"

    def cancel(c: CohortCustomer) -> bool:
        return any(i.cancel_intent for i in c.interactions)

    def open_complaint(c: CohortCustomer) -> bool:
        return any(i.complaint and i.complaint[2] in ("new", "in_review") for i in c.interactions)

    def any_complaint(c: CohortCustomer) -> bool:
        return any(i.complaint for i in c.interactions)

    def silent(c: CohortCustomer) -> bool:
        return not c.interactions

    def no_recent_purchase(c: CohortCustomer) -> bool:
        return not any(t > now - timedelta(days=60) for t, _ in c.purchases)

    def spend(c: CohortCustomer, lo: int, hi: int) -> float:
        return sum(a for t, a in c.purchases if now - timedelta(days=hi) <= t < now - timedelta(days=lo))

    def spend_falling(c: CohortCustomer) -> bool:
        return spend(c, 0, 90) < 0.5 * spend(c, 90, 180)

    def negative(c: CohortCustomer) -> bool:
        return bool(c.interactions) and sum(i.sentiment for i in c.interactions) / len(c.interactions) < -0.2

    print(f"cohort: {len(cohort)} customers, {len(churners)} churned ({len(churners) / len(cohort):.1%})")
    print(f"{'':36s}{'churners':>9s}{'stayers':>9s}")
    for label, pred in (
        ("said they want to cancel", cancel),
        ("any complaint", any_complaint),
        ("unresolved complaint (new/in_review)", open_complaint),
        ("no interactions at all", silent),
        ("no purchase in the last 60 days", no_recent_purchase),
        ("spend last 90d < half of prior 90d", spend_falling),
        ("mean sentiment < -0.2", negative),
    ):
        print(f"{label:36s}{share(churners, pred):>9s}{share(stayers, pred):>9s}")
    warning_signs = (cancel, open_complaint, no_recent_purchase, spend_falling, negative)

    def no_sign(c: CohortCustomer) -> bool:
        return not any(sign(c) for sign in warning_signs)

    def many_signs(c: CohortCustomer) -> bool:
        return sum(sign(c) for sign in warning_signs) >= 3

    print(f"{'none of the 5 warning signs':36s}{share(churners, no_sign):>9s}{share(stayers, no_sign):>9s}")
    print(f"{'3 or more of the 5 warning signs':36s}{share(churners, many_signs):>9s}{share(stayers, many_signs):>9s}")

    print("\nby latent type:  share  churn rate")
    for ty in TYPES:
        group = [c for c, name in typed if name == ty.name]
        print(f"  {ty.name:16s}{len(group) / len(cohort):6.1%}  {sum(c.churned for c in group) / len(group):6.1%}")

    labels = [c.churned for c in cohort]

    def days_since_last_purchase(c: CohortCustomer) -> float:
        return min(((now - t).days for t, _ in c.purchases), default=365)

    print("\nsingle-signal AUCs (for scale, not a score):")
    for label, score in (
        ("days since last purchase", days_since_last_purchase),
        ("said they want to cancel", lambda c: float(cancel(c))),
        (
            "count of unresolved complaints",
            lambda c: float(sum(1 for i in c.interactions if i.complaint and i.complaint[2] in ("new", "in_review"))),
        ),
        ("spend falling", lambda c: float(spend_falling(c))),
    ):
        print(f"  {label:32s}{_auc([score(c) for c in cohort], labels):.3f}")
