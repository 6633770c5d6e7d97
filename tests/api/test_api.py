"""The HTTP API in-process with its real worker pool: upload → job → interaction → complaint → update."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pipeline import Services
from tests import badfiles
from tests.conftest import AUDIO

KEY = {"X-API-Key": "test-key"}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    app = create_app(services.settings, services=services)
    with TestClient(app) as test_client:
        yield test_client


def _upload(client: TestClient, path: Path, **form: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as audio:
        return client.post("/api/v1/recordings", headers=KEY, data=form, files={"file": (path.name, audio)})


def _wait(client: TestClient, job_id: int, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=KEY).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.mark.whisper
def test_upload_to_complaint_visible_and_resolved(client: TestClient) -> None:
    response = _upload(
        client,
        AUDIO / "call_stereo_8k.wav",
        customer="C200",
        branch="SZ01",
        channel="call",
        stereo_roles="staff,customer",
        occurred_at="2026-11-20T10:00:00+08:00",
    )
    assert response.status_code == 202, response.text
    job = _wait(client, response.json()["id"])
    assert job["status"] == "done", job

    interaction = client.get(f"/api/v1/interactions/{job['interaction_id']}", headers=KEY).json()
    assert [u["role"] for u in interaction["utterances"]] == ["staff", "customer", "staff", "customer"]
    assert interaction["customer"] == "C200" and interaction["branch"] == "SZ01"
    assert all(u["sentiment"] and u["intent"] for u in interaction["utterances"])

    listed = client.get("/api/v1/complaints", headers=KEY, params={"branch": "SZ01", "status": "new"}).json()
    assert listed["total"] >= 1
    complaint = listed["items"][0]
    assert complaint["customer"] == "C200" and complaint["category"] in ("delivery", "other")
    assert client.get("/api/v1/complaints", headers=KEY, params={"branch": "XX99"}).json()["total"] == 0
    assert client.get("/api/v1/complaints", headers=KEY, params={"since": "2099-01-01T00:00:00"}).json()["total"] == 0

    updated = client.patch(
        f"/api/v1/complaints/{complaint['id']}",
        headers=KEY,
        json={"status": "resolved", "assignee": "wang.fang", "note": "已联系客户加急配送"},
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["status"] == "resolved" and body["assignee"] == "wang.fang" and body["resolved_at"]
    assert body["notes"][0]["body"] == "已联系客户加急配送"
    bad = client.patch(f"/api/v1/complaints/{complaint['id']}", headers=KEY, json={"status": "closed"})
    assert bad.status_code == 422


@pytest.mark.whisper
def test_customer_timeline_across_channels(client: TestClient) -> None:
    uploads = [
        ("counter_praise.wav", "counter", "2026-10-01T09:00:00+08:00"),
        ("field_cancel_broadband.wav", "field", "2026-10-15T09:00:00+08:00"),
        ("counter_complaint_fees.wav", "counter", "2026-11-01T09:00:00+08:00"),
    ]
    for name, channel, when in uploads:
        job = _wait(
            client, _upload(client, AUDIO / name, customer="C300", channel=channel, occurred_at=when).json()["id"]
        )
        assert job["status"] == "done"
    timeline = client.get("/api/v1/customers/C300/timeline", headers=KEY).json()
    assert [e["channel"] for e in timeline["interactions"]] == ["counter", "field", "counter"]
    assert timeline["channels"] == {"counter": 2, "field": 1}
    trend = [p["sentiment"] for p in timeline["sentiment_trend"]]
    assert trend[0] > 0 > trend[-1]  # praise first, a fee complaint last
    assert timeline["churn"]["falling_sentiment"] and timeline["churn"]["cancel_intent"]
    assert timeline["churn"]["risk"] >= 0.5
    assert client.get("/api/v1/customers/NOPE/timeline", headers=KEY).status_code == 404


@pytest.mark.whisper
def test_duplicate_upload_returns_the_same_job(client: TestClient) -> None:
    first = _upload(client, AUDIO / "counter_inquiry_card.wav", channel="counter").json()
    _wait(client, first["id"])
    second = _upload(client, AUDIO / "counter_inquiry_card.wav", channel="counter")
    assert second.status_code == 202
    assert second.json()["id"] == first["id"] and second.json()["duplicate"] is True


def test_api_key_is_required(client: TestClient) -> None:
    assert client.get("/api/v1/complaints").status_code == 401
    assert client.get("/api/v1/complaints", headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.get("/api/v1/complaints", headers={"Authorization": "Bearer test-key"}).status_code == 200
    with (AUDIO / "counter_praise.wav").open("rb") as audio:
        assert client.post("/api/v1/recordings", files={"file": audio}).status_code == 401


def test_openapi_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/api/v1/recordings",
        "/api/v1/jobs/{job_id}",
        "/api/v1/complaints",
        "/api/v1/customers/{external_id}/timeline",
    } <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("maker", [badfiles.empty, badfiles.not_audio, badfiles.unknown_codec])
def test_bad_uploads_are_4xx_and_store_nothing(client: TestClient, services: Services, tmp_path: Path, maker) -> None:  # type: ignore[no-untyped-def]
    response = _upload(client, maker(tmp_path), channel="call")
    assert response.status_code in (415, 422)
    assert response.json()["detail"] and str(tmp_path) not in response.json()["detail"]
    assert client.get("/api/v1/complaints", headers=KEY).json()["total"] == 0
    assert not services.settings.audio_dir.exists() or not any(
        p.is_file() for p in services.settings.audio_dir.rglob("*")
    )


def test_header_only_wav_becomes_a_failed_job_with_the_reason(client: TestClient, tmp_path: Path) -> None:
    response = _upload(client, badfiles.header_only(tmp_path), channel="call")
    assert response.status_code == 202
    job = _wait(client, response.json()["id"])
    assert job["status"] == "failed" and "no audio samples" in job["error"]


@pytest.mark.whisper
def test_truncated_mp3_is_transcribed_as_far_as_it_goes(client: TestClient, tmp_path: Path) -> None:
    mp3 = badfiles.transcode(AUDIO / "counter_complaint_fees.wav", tmp_path / "fees.mp3", "mp3")
    response = _upload(client, badfiles.truncated(mp3, tmp_path, keep=0.6), channel="counter")
    assert response.status_code == 202
    assert _wait(client, response.json()["id"])["status"] == "done"


def test_bad_metadata_is_422(client: TestClient) -> None:
    assert _upload(client, AUDIO / "counter_praise.wav", channel="fax").status_code == 422
    assert _upload(client, AUDIO / "counter_praise.wav", stereo_roles="boss,customer").status_code == 422
    assert _upload(client, AUDIO / "counter_praise.wav", occurred_at="yesterday").status_code == 422
    assert client.get("/api/v1/jobs/99999", headers=KEY).status_code == 404
    assert client.get("/api/v1/interactions/99999", headers=KEY).status_code == 404


def test_oversized_upload_is_413(services: Services, tmp_path: Path) -> None:
    settings = services.settings.model_copy(update={"max_upload_mb": 1})
    big = badfiles.white_noise(tmp_path, seconds=40)  # 1.3 MB
    with TestClient(create_app(settings, services=services, run_workers=False)) as small_client:
        response = _upload(small_client, big, channel="call")
        assert response.status_code == 413
        assert "limit of 1 MB" in response.json()["detail"]

        # A multipart body streamed without Content-Length is refused while it streams in.
        def chunks() -> Iterator[bytes]:
            yield (
                b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="noise.wav"\r\n'
                b"Content-Type: audio/wav\r\n\r\n"
            )
            data = big.read_bytes()
            for start in range(0, len(data), 65536):
                yield data[start : start + 65536]
            yield b"\r\n--b0undary--\r\n"

        streamed = small_client.post(
            "/api/v1/recordings",
            content=chunks(),
            headers={**KEY, "Content-Type": "multipart/form-data; boundary=b0undary"},
        )
        assert streamed.status_code == 413
