"""The Zoho CRM connector against the shipped fake of Zoho's API, over real HTTP, on both databases:
token refresh, pagination, rate limits, and a case created once even when the answer is lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from core.settings import Settings
from crm.connector import CrmError
from crm.fake_zoho import FakeZoho
from crm.sync import pull, push
from crm.zoho import ZohoConfig, ZohoConnector
from kesheng.harness import kesheng_env
from store.cases import update_complaint
from store.db import Database
from store.interactions import UtteranceRow
from store.models import Complaint, Customer, Purchase
from tests.cli import invoke
from tests.seed import call_with_case

ACCOUNTS = [{"id": f"41508680000002240{n:02d}", "Account_Name": f"客户{n}"} for n in range(5)]
DEALS = [
    {
        "id": f"d{n}",
        "Account_Name": {"id": ACCOUNTS[n % 3]["id"], "name": "x"},
        "Amount": 1000.0 + n,
        "Closing_Date": f"2026-11-{n + 1:02d}",
        "Stage": "Closed Won" if n != 4 else "Closed Lost",
    }
    for n in range(7)
]


@pytest.fixture
def zoho() -> Iterator[FakeZoho]:
    with FakeZoho(accounts=ACCOUNTS, deals=DEALS, per_page_max=2) as fake:  # small pages: several to read
        yield fake


def _connector(fake: FakeZoho, http: httpx.Client, secret: str = "csecret") -> ZohoConnector:
    config = ZohoConfig(fake.url, "cid", secret, "rtoken")
    return ZohoConnector(config, http, UTC, wait=lambda _seconds: None)


def _case(db: Database, customer: str, sha: str) -> int:
    with db.transaction() as session:
        said = UtteranceRow(0.0, 2.0, 0, "customer", f"手续费扣错了{sha}", "手续费 扣 错 了")
        call = call_with_case(session, Settings(_env_file=None), customer=customer, said=said, severity="high")
        return call.complaints[0].id


def test_pull_reads_every_page_refreshes_the_token_and_waits_out_the_rate_limit(db: Database, zoho: FakeZoho) -> None:
    zoho.expire_tokens_after = 5  # seven page reads and two refusals: one more token on the way
    zoho.rate_limit_next = 2
    with httpx.Client(timeout=10) as http:
        report = pull(db, _connector(zoho, http))
    assert (report.customers, report.purchases) == (5, 6)  # the lost deal is no purchase
    assert zoho.token_requests == 2  # the first token, and one more when it expired
    with db.transaction() as session:
        assert {c.external_id for c in session.scalars(select(Customer))} == {a["id"] for a in ACCOUNTS}
        assert sorted(p.external_id for p in session.scalars(select(Purchase))) == ["d0", "d1", "d2", "d3", "d5", "d6"]
        staged = {c.external_id: c.lifecycle_stage for c in session.scalars(select(Customer))}
    assert staged[ACCOUNTS[4]["id"]] == "prospect"  # an account without a won deal
    with httpx.Client(timeout=10) as http:
        assert pull(db, _connector(zoho, http)).purchases == 0  # read again: nothing new


def test_a_case_is_created_once_even_when_the_answer_is_lost_and_its_status_follows(
    db: Database, zoho: FakeZoho
) -> None:
    first = _case(db, ACCOUNTS[0]["id"], "a")
    second = _case(db, ACCOUNTS[1]["id"], "b")
    zoho.lose_next_insert_response = True
    with httpx.Client(timeout=10) as http:
        report = push(db, _connector(zoho, http))
    assert sorted(report.created) == [first, second] and not report.failed
    assert len(zoho.cases) == 2  # the lost answer did not make a duplicate
    subjects = sorted(c["Subject"] for c in zoho.cases.values())
    assert subjects == [f"kesheng case #{first}", f"kesheng case #{second}"]
    record = next(c for c in zoho.cases.values() if c["Subject"] == f"kesheng case #{first}")
    assert record["Status"] == "New" and record["Priority"] == "High" and "手续费" in record["Description"]
    assert record["Account_Name"]["id"] == ACCOUNTS[0]["id"]
    with httpx.Client(timeout=10) as http:
        assert push(db, _connector(zoho, http)).created == []  # nothing new, nothing changed
    with db.transaction() as session:
        update_complaint(session, first, status="resolved", note="已退费")
    with httpx.Client(timeout=10) as http:
        again = push(db, _connector(zoho, http))
    assert again.updated == [first] and zoho.cases[record["id"]]["Status"] == "Closed"
    with db.transaction() as session:
        case = session.get(Complaint, first)
        assert case is not None and (case.crm_id, case.crm_status) == (record["id"], "resolved")


def test_wrong_credentials_are_a_clear_error(db: Database, zoho: FakeZoho) -> None:
    with httpx.Client(timeout=10) as http, pytest.raises(CrmError, match="sign-in refused"):
        pull(db, _connector(zoho, http, secret="wrong"))


def test_the_crm_commands(tmp_path: Path, model_cache: Path, zoho: FakeZoho) -> None:
    env = kesheng_env(tmp_path / "data", model_cache)
    unset = invoke(["crm", "pull"], env)
    assert unset.returncode == 1 and "KESHENG_ZOHO_CLIENT_ID" in unset.stderr
    env |= {
        "KESHENG_ZOHO_ACCOUNTS_URL": zoho.url,
        "KESHENG_ZOHO_CLIENT_ID": "cid",
        "KESHENG_ZOHO_CLIENT_SECRET": "csecret",
        "KESHENG_ZOHO_REFRESH_TOKEN": "rtoken",
    }
    pulled = invoke(["crm", "pull", "--crm", "zoho"], env)
    assert pulled.returncode == 0 and "5 customer(s), 6 new purchase(s)" in pulled.stdout
    assert invoke(["crm", "push"], env).stdout.startswith("0 case(s) created")
    assert invoke(["crm", "pull", "--crm", "salesforce"], env).returncode == 1


def test_customers_kept_as_contacts(db: Database) -> None:
    people = [{"id": "4150868000000300001", "Last_Name": "王"}, {"id": "4150868000000300002", "Last_Name": "李"}]
    deals = [
        {
            "id": "p1",
            "Contact_Name": {"id": people[0]["id"]},
            "Amount": 88.0,
            "Closing_Date": "2026-11-20",
            "Stage": "Closed Won",
        }
    ]
    with FakeZoho(contacts=people, deals=deals) as fake, httpx.Client(timeout=10) as http:
        connector = ZohoConnector(ZohoConfig(fake.url, "cid", "csecret", "rtoken", "Contacts"), http, UTC)
        assert (pull(db, connector).customers, pull(db, connector).purchases) == (2, 0)  # the second pull: none new
        case_id = _case(db, people[1]["id"], "c")
        assert push(db, connector).created == [case_id]
        [record] = fake.cases.values()
    assert record["Related_To"] == {"id": people[1]["id"]} and "Account_Name" not in record
    with db.transaction() as session:
        assert session.scalar(select(Purchase.amount).where(Purchase.external_id == "p1")) == 88.0
