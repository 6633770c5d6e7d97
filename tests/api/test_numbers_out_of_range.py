"""Numbers the database cannot hold (2^63 and beyond) are the caller's mistake: a 4xx, never a 500,
on SQLite (OverflowError) and PostgreSQL (DataError) alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pipeline import Services
from tests.conftest import AUDIO

KEY = {"X-API-Key": "test-key"}
HUGE = str(2**63)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", f"/api/v1/complaints/{HUGE}", None),
        ("PATCH", f"/api/v1/complaints/{HUGE}", {"status": "in_review"}),
        ("GET", f"/api/v1/complaints?offset={HUGE}", None),
        ("GET", f"/api/v1/jobs/{HUGE}", None),
        ("GET", f"/api/v1/interactions/{HUGE}", None),
        ("GET", f"/api/v1/utterances/{HUGE}/audio", None),
        ("POST", f"/api/v1/devices/{HUGE}/revoke", None),
        ("GET", f"/api/v1/capture-sessions/{HUGE}", None),
        ("POST", "/api/v1/complaints/bulk", {"ids": [int(HUGE)], "assignee": "x"}),
    ],
)
def test_a_huge_id_is_a_4xx(client: TestClient, method: str, url: str, body: dict | None) -> None:
    response = client.request(method, url, headers=KEY, json=body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_a_huge_count_from_a_device_is_a_4xx(client: TestClient) -> None:
    code = client.post("/api/v1/devices", headers=KEY, json={"branch": "SH01"}).json()["enrolment_code"]
    token = client.post("/api/v1/devices/enrol", json={"code": code}).json()["token"]
    beat = client.post(
        "/api/v1/devices/heartbeat", headers={"Authorization": f"Bearer {token}"}, json={"spool_backlog": 2**63}
    )
    assert 400 <= beat.status_code < 500, beat.text
    assert client.get("/api/v1/devices", headers=KEY).status_code == 200  # the service goes on


ODD_NAMES = [b"call.wa\x00v", b"call.\x00", b"../../etc/passwd", "通话.wav/../x".encode(), b"a" * 300 + b".wav"]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_an_odd_file_name_never_reaches_the_filesystem(client: TestClient, name: bytes) -> None:
    """The multipart body is written by hand: a client library would escape the NUL byte a raw client sends."""
    audio = (AUDIO / "counter_praise.wav").read_bytes()
    body = (
        b'--B\r\nContent-Disposition: form-data; name="channel"\r\n\r\ncounter\r\n'
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\n'
        b"Content-Type: audio/wav\r\n\r\n" + audio + b"\r\n--B--\r\n"
    )
    headers = {**KEY, "Content-Type": "multipart/form-data; boundary=B"}
    response = client.post("/api/v1/recordings", headers=headers, content=body)
    assert response.status_code < 500, response.text
