"""The uploader against the real app: acknowledgements, refusals, 503 + Retry-After, backoff."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from audio import wav_bytes
from capture.spool import Spool, SpooledUtterance
from capture.uploader import Backoff, DeviceRefusedError, Uploader, retry_after
from kesheng.harness import read_wav
from pipeline import Services
from tests.conftest import AUDIO

KEY = {"X-API-Key": "test-key"}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as test_client:
        yield test_client


def enrolled_uploader(client: TestClient, spool: Spool) -> tuple[Uploader, int]:
    code = client.post("/api/v1/devices", headers=KEY, json={"branch": "GZ01"}).json()["enrolment_code"]
    body = client.post("/api/v1/devices/enrol", json={"code": code}).json()
    client.headers["Authorization"] = f"Bearer {body['token']}"
    return Uploader("http://testserver", body["token"], spool, client=client), body["device_id"]


def put(spool: Spool, device_id: int, seq: int, session: str = "s1") -> SpooledUtterance:
    audio = read_wav(AUDIO / "counter_inquiry_card.wav")[0][:, 0]
    data = wav_bytes(np.concatenate([np.zeros(16 * (seq + 1), np.float32), audio]))
    now = datetime.now(UTC).isoformat()
    meta = SpooledUtterance(device_id, session, seq, now, 3.5, "customer", hashlib.sha256(data).hexdigest(), None, now)
    spool.put(data, meta)
    return meta


def test_acknowledged_entries_leave_the_spool_and_retries_are_duplicates(
    client: TestClient, services: Services, tmp_path: Path
) -> None:
    spool = Spool(tmp_path / "spool")
    uploader, device_id = enrolled_uploader(client, spool)
    metas = [put(spool, device_id, seq) for seq in range(3)]
    result = uploader.upload_pass()
    assert (result.sent, result.duplicates, result.left, result.error) == (3, 0, 0, None)
    assert spool.status()["spooled"] == 0 and spool.status()["uploaded"] == 3
    # the ack was lost: the agent still has an entry and sends it again
    audio = read_wav(AUDIO / "counter_inquiry_card.wav")[0][:, 0]
    spool.put(wav_bytes(np.concatenate([np.zeros(16, np.float32), audio])), metas[0])
    again = uploader.upload_pass()
    assert (again.sent, again.duplicates) == (1, 1)


def test_refusals_quarantine_the_entry_or_stop_the_uploader(
    client: TestClient, services: Services, tmp_path: Path
) -> None:
    spool = Spool(tmp_path / "spool")
    uploader, device_id = enrolled_uploader(client, spool)
    first = put(spool, device_id, 0)
    uploader.upload_pass()
    # a different recording under a key the server already holds: kept aside, not deleted, not re-sent
    other = read_wav(AUDIO / "counter_praise.wav")[0][:, 0]
    data = wav_bytes(other)
    spool.put(data, replace(first, sha256=hashlib.sha256(data).hexdigest()))
    put(spool, device_id, 1)
    result = uploader.upload_pass()
    assert (result.sent, result.rejected) == (1, 1)
    assert spool.status()["quarantined"] == 1 and "409" in spool.status()["last_error"]

    client.post(f"/api/v1/devices/{device_id}/revoke", headers=KEY)
    put(spool, device_id, 2)
    with pytest.raises(DeviceRefusedError, match="revoked"):
        uploader.upload_pass()
    assert spool.status()["spooled"] == 1  # kept for a re-enrolled device


def test_busy_server_gets_retry_after_and_keeps_everything(services: Services, tmp_path: Path) -> None:
    busy = replace(services, settings=services.settings.model_copy(update={"live_queue_limit": 0}))
    with TestClient(create_app(busy.settings, services=busy, run_workers=False)) as client:
        spool = Spool(tmp_path / "spool")
        uploader, device_id = enrolled_uploader(client, spool)
        put(spool, device_id, 0)
        put(spool, device_id, 1)
        result = uploader.upload_pass()
    assert (result.sent, result.left, result.wait) == (0, 2, 5.0)
    assert "503" in (result.error or "") and spool.status()["spooled"] == 2


def test_unreachable_server_backs_off_with_jitter(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    put(spool, 1, 0)
    backoff = Backoff(base=0.5, cap=8.0, rng=random.Random(3))
    uploader = Uploader("http://127.0.0.1:9", "ksd_x", spool, backoff=backoff, timeout=2)
    waits = [uploader.upload_pass().wait for _ in range(8)]
    assert all(0 <= w <= min(8.0, 0.5 * 2**i) for i, w in enumerate(waits))
    assert len(set(waits)) == len(waits)  # jittered: a fleet does not come back in step
    assert spool.status()["spooled"] == 1 and "unreachable" in spool.status()["last_error"]


def test_retry_after_header_forms() -> None:
    def response(value: str) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": value})

    assert retry_after(response("7")) == 7.0
    assert retry_after(response("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0  # a date in the past: now
    assert retry_after(response("soon")) is None
    assert retry_after(httpx.Response(503)) is None
