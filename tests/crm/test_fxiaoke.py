"""The 纷享销客 connector against the shipped fake of its OpenAPI, over real HTTP, on both databases:
the corp token and its renewal, offset paging, the rate limit, and a 工单 created once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from core.settings import Settings
from crm.connector import CrmError
from crm.fake_fxiaoke import FakeFxiaoke
from crm.fxiaoke import FxiaokeConfig, FxiaokeConnector
from crm.sync import pull, push
from kesheng.harness import kesheng_env
from store.cases import update_complaint
from store.db import Database
from store.interactions import UtteranceRow
from store.models import Customer
from tests.cli import invoke
from tests.seed import call_with_case

ACCOUNTS = [{"_id": f"acc{n:03d}", "name": f"客户{n}"} for n in range(230)]  # three pages of 100


@pytest.fixture
def fx() -> Iterator[FakeFxiaoke]:
    with FakeFxiaoke(accounts=ACCOUNTS) as fake:
        yield fake


def _connector(fake: FakeFxiaoke, http: httpx.Client, secret: str = "fake-app-secret", status: str | None = None):  # type: ignore[no-untyped-def]
    config = FxiaokeConfig(fake.url, "FSAID_fake", secret, "FAKEPERMANENTCODE", "FSUID_FAKE1000", status)
    return FxiaokeConnector(config, http, wait=lambda _seconds: None)


def test_pull_reads_every_page_renews_the_token_and_waits_out_the_rate_limit(db: Database, fx: FakeFxiaoke) -> None:
    fx.expire_tokens_after = 2
    fx.rate_limit_next = 1
    with httpx.Client(timeout=10) as http:
        report = pull(db, _connector(fx, http))
    assert (report.customers, report.purchases) == (230, 0)
    assert fx.token_requests >= 2  # the first token, and a new one when it expired
    with db.transaction() as session:
        assert len(session.scalars(select(Customer)).all()) == 230
        assert {c.lifecycle_stage for c in session.scalars(select(Customer))} == {"prospect"}


def test_a_case_becomes_one_work_order_even_when_the_answer_is_lost(db: Database, fx: FakeFxiaoke) -> None:
    with db.transaction() as session:
        said = UtteranceRow(0.0, 2.0, 0, "customer", "你们的宽带天天断网", "宽带 天天 断网")
        case_id = call_with_case(session, Settings(_env_file=None), customer="acc001", said=said).complaints[0].id
    fx.lose_next_create_response = True
    with httpx.Client(timeout=10) as http:
        report = push(db, _connector(fx, http, status="status"))
    assert report.created == [case_id] and not report.failed
    [order] = fx.records.values()
    assert order["subject"] == f"kesheng case #{case_id}" and order["account_id"] == "acc001"
    assert "宽带" in order["description"]
    with db.transaction() as session:
        update_complaint(session, case_id, status="resolved", note="已修复")
    with httpx.Client(timeout=10) as http:
        assert push(db, _connector(fx, http, status="status")).updated == [case_id]
    assert len(fx.records) == 1 and next(iter(fx.records.values()))["status"] == "resolved"


def test_wrong_app_secret_is_a_clear_error(db: Database, fx: FakeFxiaoke) -> None:
    with httpx.Client(timeout=10) as http, pytest.raises(CrmError, match="sign-in refused"):
        pull(db, _connector(fx, http, secret="wrong"))


def test_the_crm_commands_with_fxiaoke(tmp_path: Path, model_cache: Path, fx: FakeFxiaoke) -> None:
    env = kesheng_env(tmp_path / "data", model_cache)
    unset = invoke(["crm", "pull", "--crm", "fxiaoke"], env)
    assert unset.returncode == 1 and "KESHENG_FXIAOKE_APP_ID" in unset.stderr
    env |= {
        "KESHENG_FXIAOKE_URL": fx.url,
        "KESHENG_FXIAOKE_APP_ID": "FSAID_fake",
        "KESHENG_FXIAOKE_APP_SECRET": "fake-app-secret",
        "KESHENG_FXIAOKE_PERMANENT_CODE": "FAKEPERMANENTCODE",
        "KESHENG_FXIAOKE_OPEN_USER_ID": "FSUID_FAKE1000",
    }
    pulled = invoke(["crm", "pull", "--crm", "fxiaoke"], env)
    assert pulled.returncode == 0 and "230 customer(s)" in pulled.stdout
