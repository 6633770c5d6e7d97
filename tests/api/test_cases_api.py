"""The case queue over HTTP: dated when said, filtered by whole days and weeks in the display zone.

The cases are written with the store's own functions (no Whisper), so these run in the fast lane.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pipeline import Services
from tests.seed import call_with_case
from tests.workspace import add_users, bearer

KEY = {"X-API-Key": "test-key"}
# Shanghai is UTC+8: 23:30 on the 28th there is 15:30 UTC; 00:30 on Monday 30 Nov there is Sunday in UTC.
LATE_ON_28TH = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
EARLY_ON_29TH = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 11, 29, 16, 30, tzinfo=UTC)


def _case(services: Services, when: datetime, customer: str, category: str = "fees", staff: str | None = None) -> None:
    with services.db.transaction() as session:
        call_with_case(session, services.settings, customer=customer, occurred_at=when, category=category, staff=staff)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    for when, customer, agent in (
        (LATE_ON_28TH, "C1", "李"),
        (EARLY_ON_29TH, "C2", "李"),
        (MONDAY_MORNING, "C3", "张"),
    ):
        _case(services, when, customer, staff=agent)
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as test_client:
        yield test_client


def _customers(client: TestClient, **query: str) -> list[str]:
    response = client.get("/api/v1/complaints", params=query, headers=KEY)
    assert response.status_code == 200, response.text
    return sorted(c["customer"] for c in response.json()["items"])


def test_date_filters_are_whole_days_in_the_display_zone(client: TestClient) -> None:
    assert _customers(client, since="2026-11-28", until="2026-11-28") == ["C1"]  # a UTC cut would add C2
    assert _customers(client, since="2026-11-29") == ["C2", "C3"]
    assert _customers(client, until="2026-11-29 12:00") == ["C1", "C2"]
    assert _customers(client, since="2026-11-28T16:00:00Z") == ["C2", "C3"]
    for bad in ("0.5", "28/11/2026", "x" * 50):
        response = client.get("/api/v1/complaints", params={"since": bad}, headers=KEY)
        assert response.status_code in (400, 422) and "accepted" in response.text, response.text


def test_a_case_is_listed_by_when_it_was_said_with_its_due_time(client: TestClient) -> None:
    items = client.get("/api/v1/complaints", headers=KEY).json()["items"]
    assert [c["customer"] for c in items] == ["C3", "C2", "C1"]  # latest raised first
    case = items[-1]
    assert datetime.fromisoformat(case["occurred_at"]) == LATE_ON_28TH
    assert datetime.fromisoformat(case["due_at"]) == LATE_ON_28TH + timedelta(days=7)
    assert case["evidence"][0]["text"] == "你们乱扣我的手续费" and case["contacts"] == 1
    assert case["history"][0]["kind"] == "opened"  # then "overdue", once the app's upkeep has seen its due time pass
    csv = client.get("/api/v1/complaints/export.csv", headers=KEY).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("id,occurred_at,due_at,contacts,created_at,")


def test_dashboard_weeks_are_the_display_zones(client: TestClient) -> None:
    weeks = client.get("/api/v1/dashboard", params={"days": 3660}, headers=KEY).json()["by_week"]
    assert weeks == {"2026-11-23": 2, "2026-11-30": 1}  # Monday 00:30 in Shanghai is in the new week


def test_cases_and_sentiment_per_staff_member(client: TestClient) -> None:
    by_staff = client.get("/api/v1/dashboard", params={"days": 3660}, headers=KEY).json()["by_staff"]
    assert {name: (f["cases"], f["interactions"]) for name, f in by_staff.items()} == {"李": (2, 2), "张": (1, 1)}
    assert list(by_staff) == ["李", "张"]  # most cases first
    assert by_staff["李"]["sentiment"] == -0.6
    dashboard = client.get("/api/v1/dashboard", params={"days": 3660}, headers=KEY).json()
    assert dashboard["sentiment_by_branch"] == {"BJ01": -0.6} and dashboard["by_branch"] == {"BJ01": 3}
    items = client.get("/api/v1/complaints", headers=KEY).json()["items"]
    assert {c["customer"]: c["staff"] for c in items} == {"C1": "李", "C2": "李", "C3": "张"}


def test_a_dismissed_case_leaves_the_dashboard(client: TestClient) -> None:
    first = client.get("/api/v1/complaints", headers=KEY).json()["items"][0]
    url = f"/api/v1/complaints/{first['id']}"
    refused = client.patch(url, json={"status": "dismissed"}, headers=KEY)
    assert refused.status_code in (400, 422) and "reason" in refused.text
    dismissed = client.patch(url, json={"status": "dismissed", "note": "重复录入"}, headers=KEY)
    assert dismissed.status_code == 200 and dismissed.json()["history"][-1]["detail"] == "new → dismissed: 重复录入"
    weeks = client.get("/api/v1/dashboard", params={"days": 3660}, headers=KEY).json()["by_week"]
    assert sum(weeks.values()) == 2
    queue = client.get("/api/v1/complaints", headers=KEY).json()  # the queue leaves it out too, unless asked
    assert queue["total"] == 2 and first["id"] not in [c["id"] for c in queue["items"]]
    assert queue["counts"]["status"] == {"new": 2, "dismissed": 1}  # the filter offers it with its count
    shown = client.get("/api/v1/complaints", params={"status": "dismissed"}, headers=KEY).json()["items"]
    assert [c["id"] for c in shown] == [first["id"]]
    csv = client.get("/api/v1/complaints/export.csv", headers=KEY).content.decode("utf-8-sig").splitlines()
    assert len(csv) == 3  # the header and the two cases still open


def test_an_admin_corrects_an_imports_customer_branch_and_time_and_its_case_follows(
    client: TestClient, services: Services
) -> None:
    tokens = add_users(services)
    case = next(c for c in client.get("/api/v1/complaints", headers=KEY).json()["items"] if c["customer"] == "C1")
    url = f"/api/v1/interactions/{case['interaction_id']}"
    fix = {"customer": "C9", "branch": "SH02", "occurred_at": "2026-11-20 10:00"}
    assert client.patch(url, json=fix, headers=bearer(tokens["manager_a"])).status_code == 403
    assert client.patch(url, json={"occurred_at": "20/11/2026"}, headers=KEY).status_code in (400, 422)
    fixed = client.patch(url, json=fix, headers=bearer(tokens["admin"]))
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["customer"], fixed.json()["branch"], fixed.json()["time_source"]) == ("C9", "SH02", "given")
    after = client.get(f"/api/v1/complaints/{case['id']}", headers=KEY).json()["complaint"]
    assert (after["customer"], after["branch"]) == ("C9", "SH02")
    assert datetime.fromisoformat(after["occurred_at"]) == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 Shanghai
    assert datetime.fromisoformat(after["due_at"]) == datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert after["history"][-1]["kind"] == "corrected"
    assert after["history"][-1]["detail"] == "customer, branch, occurred_at"
    assert _customers(client, since="2026-11-20", until="2026-11-20") == ["C9"]


def test_bulk_assign_and_dismiss_and_the_cases_assigned_to_me(client: TestClient, services: Services) -> None:
    tokens = add_users(services)
    ids = [c["id"] for c in client.get("/api/v1/complaints", headers=KEY).json()["items"]]
    manager_b = bearer(tokens["manager_b"])  # another branch's manager may not touch these
    refused = client.post("/api/v1/complaints/bulk", json={"ids": ids, "assignee": "manager_b"}, headers=manager_b)
    assert refused.status_code == 404
    done = client.post(
        "/api/v1/complaints/bulk", json={"ids": ids[:2], "assignee": "admin", "status": "in_review"}, headers=KEY
    )
    assert done.status_code == 200 and done.json() == {"updated": ids[:2]}
    mine = client.get("/api/v1/complaints", params={"assignee": "me"}, headers=bearer(tokens["admin"])).json()
    assert sorted(c["id"] for c in mine["items"]) == sorted(ids[:2])
    assert client.post(
        "/api/v1/complaints/bulk", json={"ids": ids, "status": "dismissed"}, headers=KEY
    ).status_code in (400, 422)
    dismissed = client.post(
        "/api/v1/complaints/bulk", json={"ids": ids, "status": "dismissed", "note": "测试数据"}, headers=KEY
    )
    assert dismissed.status_code == 200
    assert client.get("/api/v1/complaints", params={"status": "dismissed"}, headers=KEY).json()["total"] == 3
    assert client.post("/api/v1/complaints/bulk", json={"ids": []}, headers=KEY).status_code == 422
    by_due = client.get("/api/v1/complaints", params={"sort": "due"}, headers=KEY).json()["items"]
    assert [c["due_at"] for c in by_due] == sorted(c["due_at"] for c in by_due)
    assert client.get("/api/v1/complaints", params={"sort": "customer"}, headers=KEY).status_code == 422


def test_a_high_value_customers_case_leads_by_priority_and_reviewers_set_value_by_hand(client: TestClient) -> None:
    fixed = client.patch("/api/v1/customers/C1", json={"value_tier": "high", "lifecycle_stage": "loyal"}, headers=KEY)
    assert fixed.status_code == 200, fixed.text
    body = fixed.json()
    assert (body["value_tier"], body["lifecycle_stage"]) == ("high", "loyal")
    assert body["overridden"] == ["value_tier", "lifecycle_stage"] and body["rfm"] == {"r": None, "f": None, "m": None}
    assert client.patch("/api/v1/customers/C1", json={"value_tier": "gold"}, headers=KEY).status_code in (400, 422)
    order = [
        c["customer"]
        for c in client.get("/api/v1/complaints", params={"sort": "priority"}, headers=KEY).json()["items"]
    ]
    assert order[0] == "C1"  # same severity everywhere: the high-value customer first
