"""How well the risk of leaving ranks customers who then leave: AUC on a cohort with known outcomes.

    .venv/bin/python bench/bench_churn.py [--customers 2000] [--seed 7]

The cohort (bench/churn_cohort.py) was written separately from the score it measures, as a story of
customer types and published churn drivers, with outcomes drawn from each customer's propensity.
Each customer's purchases, interactions (sentiment, a stated wish to cancel) and cases go into a real
SQLite database through the store's own functions, and the risk comes from store.insights exactly as
the API computes it. Beside it, in the same run: the rule before purchases and open cases counted,
and single signals a manager could use alone (cases raised, days since the last purchase).
Writes bench/results/churn.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import machine  # noqa: E402
from bench.churn_cohort import CohortCustomer, generate  # noqa: E402
from core.settings import Settings  # noqa: E402
from store.cases import CaseFinding, update_complaint  # noqa: E402
from store.customer_value import PurchaseRow, add_purchases, rescore  # noqa: E402
from store.db import Database  # noqa: E402
from store.insights import ChurnSignals, churn_signals  # noqa: E402
from store.interactions import TagValue, UtteranceRow, add_utterances, new_interaction  # noqa: E402
from store.models import Customer, Recording  # noqa: E402
from store.repository import customer_interactions, get_or_create_customer  # noqa: E402

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """P(a random leaver scores above a random stayer), ties counted half (Mann-Whitney)."""
    pairs = sorted(zip(scores, labels, strict=True))
    rank_sum, i, n = 0.0, 0, len(pairs)
    while i < n:
        j = i
        while j < n and pairs[j][0] == pairs[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # the average 1-based rank of the tie group
        rank_sum += mid * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    positives = sum(labels)
    negatives = n - positives
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def load(db: Database, cohort: Sequence[CohortCustomer], settings: Settings) -> None:
    """The cohort into the database, through the store's functions, as imports would leave it."""
    with db.transaction() as session:
        rows = [PurchaseRow(c.external_id, when, amount) for c in cohort for when, amount in c.purchases]
        add_purchases(session, rows)
        rescore(session, NOW)  # value tiers and stages, as `kesheng customers import` leaves them
        for c in cohort:
            customer = get_or_create_customer(session, c.external_id)
            for k, event in enumerate(c.interactions):
                identity = hashlib.sha256(f"{c.external_id}/{k}".encode()).hexdigest()
                recording = Recording(sha256=identity, path="-", size_bytes=1)
                session.add(recording)
                session.flush()
                interaction = new_interaction(
                    session,
                    recording_id=recording.id,
                    asr_model="cohort",
                    customer=customer,
                    branch=None,
                    channel="call",
                    occurred_at=event.occurred_at,
                )
                tags = (TagValue("intent", "cancel" if event.cancel_intent else "inquiry"),)
                said = UtteranceRow(0.0, 3.0, 0, "customer", "…", "", sentiment=event.sentiment, tags=tags)
                finding = None
                if event.complaint is not None:
                    severity, category, _status = event.complaint
                    finding = CaseFinding(severity, category, (0,))
                add_utterances(session, interaction, recording.id, [said], settings, finding=finding)
                if event.complaint is not None and event.complaint[2] != "new":
                    case = interaction.complaints[0] if interaction.complaints else None
                    if case is not None:
                        update_complaint(session, case.id, status=event.complaint[2], note="cohort")


def previous_rule(s: ChurnSignals) -> float:
    """The rule before this one: cancel intent, falling and last-negative sentiment, complaints raised."""
    return 0.4 * s.cancel_intent + 0.2 * s.falling_sentiment + 0.15 * s.last_negative + 0.25 * min(s.complaints / 3, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "churn.json")
    args = parser.parse_args(argv)
    cohort = generate(args.customers, args.seed, NOW)
    outcome = {c.external_id: c.churned for c in cohort}
    settings = Settings(_env_file=None)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        db = Database(f"sqlite:///{Path(work) / 'cohort.db'}")
        db.migrate()
        load(db, cohort, settings)
        loaded = time.perf_counter() - started
        signals: dict[str, ChurnSignals] = {}
        with db.transaction() as session:
            for customer in session.query(Customer).all():
                history = customer_interactions(session, customer)
                signals[customer.external_id] = churn_signals(session, customer, history, now=NOW)
        db.dispose()
    ids = sorted(signals)
    labels = [outcome[i] for i in ids]
    scorers: dict[str, Callable[[ChurnSignals], float]] = {
        "kesheng risk (store.insights)": lambda s: s.risk,
        "previous rule (no purchases, no open cases)": previous_rule,
        "cases raised alone": lambda s: float(s.complaints),
        "open cases alone": lambda s: float(s.open_cases),
        "days since last purchase alone": lambda s: -1.0 if s.days_since_purchase is None else s.days_since_purchase,
        "stated wish to cancel alone": lambda s: float(s.cancel_intent),
    }
    results = {name: round(auc([score(signals[i]) for i in ids], labels), 3) for name, score in scorers.items()}
    flagged = [i for i in ids if signals[i].risk >= 0.3]
    report = {
        "customers": len(ids),
        "churn_rate": round(sum(labels) / len(labels), 3),
        "auc": results,
        "at_risk_0.3": {
            "flagged": len(flagged),
            "precision": round(sum(outcome[i] for i in flagged) / max(len(flagged), 1), 3),
            "recall": round(sum(outcome[i] for i in flagged) / max(sum(labels), 1), 3),
        },
        "seconds_to_load": round(loaded, 1),
        "seed": args.seed,
        "machine": machine(),
        "date": datetime.now(UTC).date().isoformat(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
