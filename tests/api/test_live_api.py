"""Live utterances from devices through the real app: dedupe on the key, sessions, customers, priority."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from pipeline import Services
from pipeline.importer import ImportRequest, ingest_file
from pipeline.worker import Lane, claim, run_pending
from store.models import Complaint, LiveUtterance, Utterance
from tests import badfiles
from tests.conftest import FIXTURES

KEY = {"X-API-Key": "test-key"}
AUDIO = FIXTURES / "audio"
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as test_client:
        yield test_client


def enrol(client: TestClient, branch: str = "BJ01") -> tuple[int, dict[str, str]]:
    slot = {"branch": branch, "counter": "3", "staff": "王柜员"}
    code = client.post("/api/v1/devices", headers=KEY, json=slot).json()
    body = client.post("/api/v1/devices/enrol", json={"code": code["enrolment_code"]}).json()
    return body["device_id"], {"Authorization": f"Bearer {body['token']}"}


def send(
    client: TestClient,
    device: tuple[int, dict[str, str]],
    audio: bytes,
    seq: int,
    session: str = "s1",
    *,
    offset: float = 0.0,
    sha: str | None = None,
    key: str | None = None,
    **fields: str,
):  # type: ignore[no-untyped-def]
    device_id, bearer = device
    data = {
        "session": session,
        "seq": str(seq),
        "started_at": (T0 + timedelta(seconds=offset)).isoformat(),
        "session_started_at": T0.isoformat(),
        "sha256": sha or hashlib.sha256(audio).hexdigest(),
        "role": "customer",
        **fields,
    }
    headers = {**bearer, "Idempotency-Key": key or f"{device_id}:{session}:{seq}"}
    return client.post(
        "/api/v1/devices/utterances", headers=headers, data=data, files={"audio": ("u.wav", audio, "audio/wav")}
    )


@pytest.mark.whisper
def test_session_of_live_utterances_lands_once_on_the_customer(client: TestClient, services: Services) -> None:
    device = enrol(client)
    complaint = (AUDIO / "counter_complaint_fees.wav").read_bytes()
    inquiry = (AUDIO / "counter_inquiry_card.wav").read_bytes()

    first = send(client, device, inquiry, 0, offset=2.0, customer="C-900")
    assert first.status_code == 202 and first.json()["duplicate"] is False
    second = send(client, device, complaint, 1, offset=30.0)
    again = send(client, device, complaint, 1, offset=30.0)  # the agent never saw the ack and retries
    assert again.status_code == 202 and again.json()["duplicate"] is True
    assert again.json()["job_id"] == second.json()["job_id"]

    assert run_pending(services) == 2
    interaction = client.get(f"/api/v1/interactions/{first.json()['interaction_id']}", headers=KEY).json()
    assert interaction["channel"] == "counter" and interaction["customer"] == "C-900"
    assert interaction["branch"] == "BJ01" and interaction["staff"] == "王柜员"  # the counter's staff member
    starts = [u["start"] for u in interaction["utterances"]]
    assert starts[0] >= 2.0 and starts[-1] >= 30.0  # on the session's timeline
    assert {u["role"] for u in interaction["utterances"]} == {"customer"}
    complaints = client.get("/api/v1/complaints", headers=KEY).json()
    # The complaint clip is two sentences (你们乱扣我的手续费。上个月扣了200块，我要投诉。): one case, and
    # the retried upload added nothing to it.
    [case] = complaints["items"]
    assert (case["customer"], case["staff"]) == ("C-900", "王柜员") and "手续费" in case["text"]

    with services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(LiveUtterance)) == 2
        stored = session.scalars(select(LiveUtterance.stored_at)).all()
        assert all(stored)
    # a job that runs again (a worker died after storing) stores nothing twice
    with services.db.transaction() as session:
        before = session.scalar(select(func.count()).select_from(Utterance))
        row = session.scalars(select(LiveUtterance)).first()
        assert row is not None
        row.job.status = "queued"
    run_pending(services)
    with services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Utterance)) == before


@pytest.mark.whisper
def test_customer_attached_later_moves_the_session_and_its_complaints(client: TestClient, services: Services) -> None:
    device = enrol(client)
    sent = send(client, device, (AUDIO / "counter_complaint_fees.wav").read_bytes(), 0)
    run_pending(services)
    sessions = client.get(f"/api/v1/capture-sessions?device_id={device[0]}", headers=KEY).json()
    assert [(s["session"], s["customer"], s["utterances"]) for s in sessions] == [("s1", None, 1)]
    moved = client.put(f"/api/v1/capture-sessions/{sessions[0]['id']}/customer", headers=KEY, json={"customer": "Q-17"})
    assert moved.status_code == 200 and moved.json()["customer"] == "Q-17"
    timeline = client.get("/api/v1/customers/Q-17/timeline", headers=KEY).json()
    assert [e["interaction_id"] for e in timeline["interactions"]] == [sent.json()["interaction_id"]]
    assert client.get("/api/v1/complaints", headers=KEY).json()["items"][0]["customer"] == "Q-17"
    assert client.put("/api/v1/capture-sessions/999/customer", headers=KEY, json={"customer": "x"}).status_code == 404
    unauthenticated = client.put(f"/api/v1/capture-sessions/{sessions[0]['id']}/customer", json={"customer": "x"})
    assert unauthenticated.status_code == 401


def test_live_utterances_run_before_bulk_imports(client: TestClient, services: Services) -> None:
    with services.db.transaction() as session:
        bulk = ingest_file(
            session,
            services.audio_store,
            AUDIO / "counter_praise.wav",
            ImportRequest(channel="call"),
            services.asr_name,
            services.settings,
        )
    live = send(client, enrol(client), (AUDIO / "counter_inquiry_card.wav").read_bytes(), 0)
    assert claim(services) == live.json()["job_id"]  # queued last, claimed first
    assert claim(services, Lane.live) is None  # a live-lane worker leaves the import alone
    assert claim(services, Lane.imports) == bulk.job.id


def test_bad_live_uploads_are_refused_and_store_nothing(client: TestClient, services: Services, tmp_path: Path) -> None:
    device = enrol(client)
    audio = (AUDIO / "counter_inquiry_card.wav").read_bytes()
    device_id = device[0]

    assert send(client, (device_id, {"Authorization": "Bearer ksd_wrong"}), audio, 0).status_code == 401
    assert send(client, (device_id, {}), audio, 0).status_code == 401
    assert send(client, device, audio, 0, key=f"{device_id + 1}:s1:0").status_code == 422  # someone else's key
    assert send(client, device, audio, 0, sha="0" * 64).status_code == 422  # truncated in transit
    truncated = audio[: len(audio) // 2]
    assert send(client, device, truncated, 0, sha=hashlib.sha256(audio).hexdigest()).status_code == 422
    assert send(client, device, b"", 0).status_code in (400, 422)
    assert send(client, device, b"this is not audio at all", 0).status_code == 415
    odd_codec = badfiles.unknown_codec(tmp_path).read_bytes()  # a 4xx: the agent quarantines it, not retries it
    assert send(client, device, odd_codec, 0).status_code == 415
    seq_too_big = send(client, device, audio, 2**63)
    assert 400 <= seq_too_big.status_code < 500, seq_too_big.text
    oversized = b"RIFF" + b"\0" * int(services.settings.max_utterance_seconds * 32000 + 8192)
    assert send(client, device, oversized, 0).status_code == 413
    assert send(client, device, audio, -1).status_code == 422
    assert send(client, device, audio, 0, role="boss").status_code == 422
    assert send(client, device, audio, 0, session="a:b", key=f"{device_id}:a:b:0").status_code == 422
    assert send(client, device, audio, 0, started_at="yesterday").status_code == 422
    assert send(client, device, audio, 0, started_at="2026-11-20T09:30:00").status_code == 422  # no zone

    assert send(client, device, audio, 0).status_code == 202
    praise = (AUDIO / "counter_praise.wav").read_bytes()
    replay = send(client, device, praise, 0)  # an old sequence number with other audio
    assert replay.status_code == 409 and "already received" in replay.json()["detail"]

    client.post(f"/api/v1/devices/{device_id}/revoke", headers=KEY)
    assert send(client, device, praise, 1).status_code == 401
    with services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(LiveUtterance)) == 1
        assert session.scalar(select(func.count()).select_from(Complaint)) == 0


@pytest.mark.whisper
def test_identical_audio_in_two_sessions_lands_in_each(client: TestClient, services: Services) -> None:
    device = enrol(client)
    audio = (AUDIO / "counter_complaint_fees.wav").read_bytes()  # a digital source: byte-identical captures
    first = send(client, device, audio, 0, session="visit-a")
    second = send(client, device, audio, 0, session="visit-b")
    assert first.status_code == second.status_code == 202
    assert first.json()["interaction_id"] != second.json()["interaction_id"]
    assert first.json()["job_id"] != second.json()["job_id"]
    run_pending(services)
    for sent in (first, second):
        interaction = client.get(f"/api/v1/interactions/{sent.json()['interaction_id']}", headers=KEY).json()
        assert len(interaction["utterances"]) >= 1
