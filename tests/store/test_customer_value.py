"""Customer value (RFM) and lifecycle stage: the rules alone, then purchases in a real database and the
`kesheng customers import` command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kesheng.harness import kesheng_env
from store.customer_value import PurchaseRow, add_purchases, override, rescore
from store.db import Database
from store.models import Customer
from store.rfm import Purchases, amount_cuts, frequency_score, recency_score, score
from tests.cli import invoke

NOW = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.mark.parametrize(("days", "r"), [(0, 5), (30, 5), (31, 4), (90, 4), (180, 3), (365, 2), (400, 1)])
def test_recency(days: int, r: int) -> None:
    assert recency_score(days) == r


@pytest.mark.parametrize(("count", "f"), [(0, 1), (1, 1), (2, 2), (3, 3), (6, 4), (11, 4), (12, 5)])
def test_frequency(count: int, f: int) -> None:
    assert frequency_score(count) == f


def test_tiers_and_stages() -> None:
    cuts = amount_cuts([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
    regular = Purchases(12, 1000, NOW - timedelta(days=400), NOW - timedelta(days=3))
    assert score(regular, cuts, NOW) == score(regular, cuts, NOW)
    value = score(regular, cuts, NOW)
    assert (value.r, value.f, value.m, value.tier, value.stage) == (5, 5, 5, "high", "loyal")
    newcomer = score(Purchases(1, 100, NOW - timedelta(days=10), NOW - timedelta(days=10)), cuts, NOW)
    assert (newcomer.tier, newcomer.stage) == ("low", "active")  # 5 + 1 + 1: recent, but once and little
    gone = score(Purchases(0, 0, NOW - timedelta(days=900), NOW - timedelta(days=200)), cuts, NOW)
    assert (gone.tier, gone.stage) == ("low", "churned")
    assert score(Purchases(0, 0, None, None), cuts, NOW).stage == "prospect"


def test_purchases_are_stored_once_and_scores_keep_a_reviewers_override(db: Database) -> None:
    rows = [PurchaseRow("C-1", NOW - timedelta(days=d), 500.0, f"o-{d}") for d in (2, 40, 70, 100, 130, 160, 300)]
    rows += [PurchaseRow("C-2", NOW - timedelta(days=250), 80.0), PurchaseRow("C-3", NOW - timedelta(days=20), 60.0)]
    with db.transaction() as session:
        assert add_purchases(session, rows) == 9
        assert add_purchases(session, rows) == 0  # a re-imported file adds nothing
        assert rescore(session, NOW) == 3
        by_id = {c.external_id: c for c in session.scalars(select(Customer))}
        assert (by_id["C-1"].value_tier, by_id["C-1"].lifecycle_stage) == ("high", "loyal")
        assert (by_id["C-2"].lifecycle_stage, by_id["C-3"].lifecycle_stage) == ("churned", "active")
        override(by_id["C-2"], "high", None)  # a big corporate account, whatever its card spending says
        rescore(session, NOW)
        assert (by_id["C-2"].value_tier, by_id["C-2"].value_tier_override) == ("high", "high")
        override(by_id["C-2"], "", None)
        rescore(session, NOW)
        assert by_id["C-2"].value_tier == "low"


def test_customers_import_command(tmp_path: Path, model_cache: Path) -> None:
    env = kesheng_env(tmp_path / "data", model_cache)
    sheet = tmp_path / "orders.csv"
    sheet.write_text(
        "customer,occurred_at,amount,id\n"
        "C-1,2026-12-01 10:00,1200,A1\n"
        "C-1,2026-11-02,300.50,A2\n"
        "C-2,not a date,10,A3\n"
        ",2026-11-02,10,A4\n",
        encoding="utf-8",
    )
    first = invoke(["customers", "import", str(sheet)], env)
    assert first.returncode == 1  # two rows skipped, each named; the rest imported
    assert "orders.csv:4" in first.stderr and "orders.csv:5" in first.stderr and "2 new purchase(s)" in first.stdout
    again = invoke(["customers", "import", str(sheet)], env)
    assert "0 new purchase(s)" in again.stdout
    assert invoke(["customers", "import", str(tmp_path / "missing.csv")], env).returncode == 1
    (tmp_path / "bad.csv").write_text("who,when\nx,y\n", encoding="utf-8")
    refused = invoke(["customers", "import", str(tmp_path / "bad.csv")], env)
    assert refused.returncode == 1 and "needs the columns" in refused.stderr
    assert invoke(["customers", "score"], env).returncode == 0


def test_the_risk_of_leaving_counts_open_cases_and_purchases_gone_quiet(db: Database) -> None:
    from store.insights import churn_signals, combined_risk
    from store.repository import customer_interactions

    monthly = [PurchaseRow("C-quiet", NOW - timedelta(days=130 + 30 * k), 200.0) for k in range(8)]
    steady = [PurchaseRow("C-steady", NOW - timedelta(days=5 + 30 * k), 200.0) for k in range(12)]
    with db.transaction() as session:
        add_purchases(session, monthly + steady)
        quiet, regular = (
            session.scalars(select(Customer).where(Customer.external_id == c)).one() for c in ("C-quiet", "C-steady")
        )
        gone = churn_signals(session, quiet, customer_interactions(session, quiet), now=NOW)
        fine = churn_signals(session, regular, customer_interactions(session, regular), now=NOW)
    assert gone.days_since_purchase == 130 and gone.falling_purchases and not fine.falling_purchases
    assert fine.days_since_purchase == 5 and fine.risk == 0.0 < gone.risk
    assert combined_risk(True, 2, 2, True, True, 200, True) > 0.8  # every warning at once
    assert combined_risk(True, 0, 0, False, False, None, False) == 0.45  # a wish to cancel alone
