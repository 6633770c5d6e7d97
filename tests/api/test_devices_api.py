"""Device endpoints through the real app: enrol with a code, heartbeat with the token, list, revoke."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pipeline import Services

KEY = {"X-API-Key": "test-key"}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as test_client:
        yield test_client


def test_enrol_heartbeat_list_revoke(client: TestClient) -> None:
    created = client.post("/api/v1/devices", headers=KEY, json={"branch": "BJ01", "counter": "5"})
    assert created.status_code == 201
    code = created.json()["enrolment_code"]
    assert created.json()["device"]["health"] == "not_enrolled"

    enrolled = client.post("/api/v1/devices/enrol", json={"code": code, "name": "window-5"})
    assert enrolled.status_code == 200
    token = enrolled.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/devices/enrol", json={"code": code}).status_code == 401  # single use

    beat = client.post(
        "/api/v1/devices/heartbeat",
        headers=bearer,
        json={"agent_version": "0.1.0", "input_level_db": -28.0, "clipping": False, "spool_backlog": 2},
    )
    assert beat.status_code == 200 and beat.json()["health"] == "ok"

    listed = client.get("/api/v1/devices", headers=KEY).json()
    assert [(d["name"], d["branch"], d["counter"], d["health"], d["spool_backlog"]) for d in listed] == [
        ("window-5", "BJ01", "5", "ok", 2)
    ]

    revoked = client.post(f"/api/v1/devices/{listed[0]['id']}/revoke", headers=KEY)
    assert revoked.json()["health"] == "revoked"
    refused = client.post("/api/v1/devices/heartbeat", headers=bearer, json={})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_bad_device_requests(client: TestClient) -> None:
    assert client.get("/api/v1/devices").status_code == 401  # the list needs the API key
    assert client.post("/api/v1/devices", headers=KEY, json={"branch": ""}).status_code == 422
    assert client.post("/api/v1/devices/enrol", json={"code": "ZZZZ-ZZZZ"}).status_code == 401
    assert client.post("/api/v1/devices/enrol", json={}).status_code == 422
    assert client.post("/api/v1/devices/heartbeat", json={}).status_code == 401
    wrong = {"Authorization": "Bearer ksd_wrong"}
    assert client.post("/api/v1/devices/heartbeat", headers=wrong, json={}).status_code == 401
    assert client.post("/api/v1/devices/99/revoke", headers=KEY).status_code == 404
    code = client.post("/api/v1/devices", headers=KEY, json={"branch": "SH01"}).json()["enrolment_code"]
    token = client.post("/api/v1/devices/enrol", json={"code": code}).json()["token"]
    malformed = client.post(
        "/api/v1/devices/heartbeat",
        headers={"Authorization": f"Bearer {token}"},
        json={"spool_backlog": -1, "input_level_db": "loud"},
    )
    assert malformed.status_code == 422
