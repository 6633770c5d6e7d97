"""Workspace pages that need no imported audio (so they run in the fast lane): the devices page,
error pages in the UI's language, and the page asked for kept through sign-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pipeline import Services
from store.devices import Heartbeat, add_device, enrol, record_heartbeat
from tests.seed import call_with_case
from tests.workspace import PASSWORD, add_users, bearer

PAGE = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as test_client:
        yield test_client


def test_admins_see_every_devices_health_backlog_and_last_contact(client: TestClient, services: Services) -> None:
    tokens = add_users(services)
    with services.db.transaction() as session:
        _device, code = add_device(session, "BR-A", "3", "王柜员")
        enrolled, _token = enrol(session, code, "window-3")
        record_heartbeat(session, enrolled, Heartbeat(agent_version="1.0", spool_backlog=7, input_level_db=-31.0))
        add_device(session, "BR-A", "4")
    page = client.get("/devices", headers={**PAGE, **bearer(tokens["admin"])})
    assert page.status_code == 200
    assert "王柜员" in page.text and "window-3" in page.text and "-31 dB" in page.text and ">7<" in page.text
    assert "未注册" in page.text  # the second device was never enrolled
    assert client.get("/devices", headers={**PAGE, **bearer(tokens["manager_a"])}).status_code == 403


def test_a_missing_record_is_a_page_in_the_uis_language_not_json(client: TestClient, services: Services) -> None:
    tokens = add_users(services)
    headers = {**PAGE, **bearer(tokens["admin"])}
    zh = client.get("/complaints/999999", headers=headers)
    assert zh.status_code == 404 and zh.headers["content-type"].startswith("text/html")
    assert "找不到" in zh.text and "返回首页" in zh.text
    en = client.get("/complaints/999999?lang=en", headers=headers)
    assert en.status_code == 404 and "Not found" in en.text
    api = client.get("/api/v1/complaints/999999", headers={**PAGE, **bearer(tokens["admin"])})
    assert api.status_code == 404 and api.json()["error"] == "NotFoundError"  # programs still get JSON


@pytest.mark.parametrize(
    ("asked", "lands"),
    [
        ("/dashboard", "/dashboard"),
        ("/complaints?status=new", "/complaints?status=new"),
        ("//evil.example/x", "/"),  # never to another site
        ("https://evil.example/", "/"),
        ("", "/"),
    ],
)
def test_sign_in_returns_to_the_page_asked_for(client: TestClient, services: Services, asked: str, lands: str) -> None:
    add_users(services)
    if asked == "/dashboard":
        gate = client.get("/dashboard", headers=PAGE)
        assert gate.status_code == 401 and 'name="next" value="/dashboard"' in gate.text
    signed = client.post(
        "/login", data={"username": "admin", "password": PASSWORD, "next": asked}, follow_redirects=False
    )
    assert signed.status_code == 303 and signed.headers["location"] == lands


def test_a_pushed_case_links_to_its_crm_record(services: Services) -> None:
    settings = services.settings.model_copy(update={"crm_case_url": "https://crm.example.cn/crm/org1/tab/Cases/{id}"})
    services.settings = settings
    tokens = add_users(services)
    with services.db.transaction() as session:
        case = call_with_case(session, settings, customer="C-1").complaints[0]
        case.crm_id, case_id = "4150868000000231001", case.id
    with TestClient(create_app(settings, services=services, run_workers=False)) as client:
        page = client.get(f"/complaints/{case_id}", headers={**PAGE, **bearer(tokens["admin"])})
    assert page.status_code == 200
    assert 'href="https://crm.example.cn/crm/org1/tab/Cases/4150868000000231001"' in page.text
