"""Search, export, tag corrections, beeped audio, alerts, retention and deletion, on real imports."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import logging
import threading
import time
import wave
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from api.app import create_app
from api.routes.complaints import _csv_cell
from pipeline import Services
from pipeline.alerts import deliver_due
from store.corrections import labelled_corrections
from store.models import AuditEntry, Interaction, Recording, TagCorrection, Utterance, WebhookDelivery, utcnow
from store.privacy import purge_expired_audio
from tests.conftest import AUDIO
from tests.workspace import World, add_users, bearer, import_file


def test_search_finds_a_word_inside_a_sentence(world: World) -> None:
    client, imported, tokens = world
    admin = bearer(tokens["admin"])

    def hits(q: str) -> list[dict]:
        response = client.get("/api/v1/search", params={"q": q}, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()["hits"]

    fees = hits("手续费")  # inside "你们乱扣我的手续费，上个月扣了两百块，我要投诉。"
    assert [h["interaction_id"] for h in fees] == [imported["A"].interaction_id]
    assert fees[0]["complaint_ids"] == imported["A"].complaint_ids[:1]
    assert hits("手續費") == fees  # traditional query, simplified transcript
    assert [h["customer"] for h in hits("快递")] == ["CB"]
    assert [h["customer"] for h in hits("投诉 快递")] == ["CB"]  # every word must occur
    assert hits("扣") and not hits("保险理赔")
    assert hits("，。！") == []
    assert client.get("/api/v1/search", params={"q": ""}, headers=admin).status_code == 422
    assert client.get("/api/v1/search", params={"q": "x" * 201}, headers=admin).status_code == 422
    assert client.get("/api/v1/search", params={"q": '" OR 1=1 -- *'}, headers=admin).status_code == 200
    # A bad value is named, never echoed: it may be personal data typed into the wrong box.
    too_long = client.get("/api/v1/search", params={"q": "13812345678" * 20}, headers=admin)
    assert too_long.status_code == 422 and "13812345678" not in too_long.text and "q" in too_long.text


def test_csv_export_of_a_filtered_list(world: World) -> None:
    client, imported, tokens = world
    admin = bearer(tokens["admin"])
    response = client.get("/api/v1/complaints/export.csv", params={"branch": "BR-B"}, headers=admin)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # spreadsheets read the Chinese as UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {int(r["id"]) for r in rows} == set(imported["B"].complaint_ids)
    assert all(r["branch"] == "BR-B" and r["customer"] == "CB" and r["text"] for r in rows)
    assert _csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _csv_cell("你好") == "你好"
    bad = client.get("/api/v1/complaints/export.csv", params={"severity": "extreme"}, headers=admin)
    assert bad.status_code == 422


def test_tag_corrections_become_labelled_data(world: World, services: Services) -> None:
    client, imported, tokens = world
    manager = bearer(tokens["manager_a"])
    a = imported["A"]
    utterance = a.utterance_ids[0]
    url = f"/api/v1/utterances/{utterance}/tags"
    assert client.put(url, json={"sentiment": "ecstatic"}, headers=manager).status_code == 422
    assert client.put(url, json={"complaint": False, "category": "fees"}, headers=manager).status_code == 422
    assert client.put(url, content=b"{", headers={**manager, "Content-Type": "application/json"}).status_code == 422

    fixed = client.put(
        url, json={"intent": "refund", "category": "service_attitude", "severity": "high"}, headers=manager
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["intent"]["label"] == "refund"
    complaint = client.get(f"/api/v1/complaints/{a.complaint_ids[0]}", headers=manager).json()["complaint"]
    assert (complaint["category"], complaint["severity"]) == ("service_attitude", "high")

    # The case loses each sentence the reviewer takes back, and is dismissed with the last of them.
    evidence = [e["utterance_id"] for e in complaint["evidence"]]
    assert utterance in evidence
    for taken_back in [utterance, *(u for u in evidence if u != utterance)]:
        fix = {"complaint": False, "sentiment": "neu"} if taken_back == utterance else {"complaint": False}
        not_one = client.put(f"/api/v1/utterances/{taken_back}/tags", json=fix, headers=manager)
        assert not_one.status_code == 200
    complaint = client.get(f"/api/v1/complaints/{a.complaint_ids[0]}", headers=manager).json()["complaint"]
    assert complaint["status"] == "dismissed" and complaint["evidence"] == []
    assert complaint["history"][-1]["actor"] == "manager_a" and complaint["history"][-1]["kind"] == "status"

    with services.db.transaction() as session:
        kinds = [(c.kind, c.new_label, c.reviewer) for c in session.scalars(select(TagCorrection))]
        assert ("intent", "refund", "manager_a") in kinds and ("complaint", "-", "manager_a") in kinds
        data = labelled_corrections(session)
        tag = session.scalars(select(Utterance).where(Utterance.id == utterance)).one().tags
    assert {label for _, label in data["intent"]} == {"refund"}
    assert {label for _, label in data["sentiment"]} == {"neu"}
    assert {label for _, label in data["complaint"]} == {"no"}  # "not a complaint" teaches the detector
    assert ("category", "service_attitude") in [("category", label) for _, label in data["category"]]
    assert all("手续费" in text_ for text_, _ in data["intent"])
    assert {(t.kind, t.source) for t in tag if t.kind in ("sentiment", "intent")} == {
        ("sentiment", "reviewer"),
        ("intent", "reviewer"),
    }


def _wav_samples(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (16000, 1)
        return np.frombuffer(wav.readframes(wav.getnframes()), "<i2").astype(np.float32) / 32768


def _tone_share(samples: np.ndarray, hz: float = 1000.0) -> float:
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / 16000)
    return float(spectrum[np.abs(freqs - hz) < 20].sum() / spectrum.sum())


@pytest.mark.whisper
def test_playback_beeps_the_spoken_phone_number(services: Services, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    phone = import_file(
        services, AUDIO / "counter_complaint_phone.wav", "CP", "BR-A", "counter", "2026-11-22T09:00:00+08:00", None
    )
    add_users(services)
    with services.db.transaction() as session:
        utterances = list(session.scalars(select(Utterance).where(Utterance.id.in_(phone.utterance_ids))))
    flagged = [u for u in utterances if u.pii_spans]
    assert len(flagged) == 1 and "[手机号]" in flagged[0].text and "138" not in flagged[0].text
    utterance = flagged[0]
    ((start, end),) = utterance.pii_spans
    # Word timestamps put the number inside the sentence, not over all of it.
    assert utterance.start <= start < end <= utterance.end + 0.3
    assert 1.0 < end - start < (utterance.end - utterance.start) * 0.8

    with services.db.transaction() as session:
        token = add_token(session)
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as client:
        response = client.get(f"/api/v1/utterances/{utterance.id}/audio", headers=bearer(token))
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    samples = _wav_samples(response.content)
    first = max(0.0, utterance.start - 0.25)
    inside = samples[int((start - first + 0.05) * 16000) : int((end - first - 0.05) * 16000)]
    after = samples[int((end - first + 0.1) * 16000) :]
    assert _tone_share(inside) > 0.95  # the number is a 1 kHz beep
    assert _tone_share(after) < 0.2 and np.abs(after).max() > 0.05  # the rest is the customer's voice
    assert "13812345678" not in caplog.text and "一三八" not in caplog.text  # no personal data in logs


def add_token(session) -> str:  # type: ignore[no-untyped-def]
    from store.auth import get_user, issue_token

    return issue_token(session, get_user(session, "manager_a"), "api")[0]


class _Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint that fails the first `failures` calls, then accepts."""

    failures = 2
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        ok = len(type(self).received) > type(self).failures
        self.send_response(200 if ok else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _deliver_until_settled(services: Services, timeout: float) -> WebhookDelivery:
    """Run the sender until the one delivery is no longer pending (30 s at most)."""
    deadline = time.monotonic() + 30
    with httpx.Client(timeout=timeout) as client:
        while True:
            deliver_due(services.db, services.settings, client)
            with services.db.transaction() as session:
                delivery = session.scalars(select(WebhookDelivery)).one()
            if delivery.status != "pending" or time.monotonic() > deadline:
                return delivery
            time.sleep(0.1)


@pytest.mark.whisper
def test_high_severity_complaint_sends_a_signed_webhook_with_retries(services: Services) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = "s3cret-key"
    services.settings = services.settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{server.server_port}/hook",
            "webhook_secret": secret,
            "webhook_backoff_seconds": 0.2,
            "alert_severity": "low",
        }
    )
    try:
        imported = import_file(
            services, AUDIO / "counter_complaint_fees.wav", "CA", "BR-A", "counter", utcnow().isoformat(), None
        )
        # said just now, so not overdue: the only alert is the case's own (one case for the clip's two sentences)
        delivery = _deliver_until_settled(services, timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert delivery.complaint_id == imported.complaint_ids[0]
    headers, body = _Receiver.received[-1]
    expected = hmac.new(secret.encode(), headers["X-Kesheng-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Kesheng-Signature"] == "sha256=" + expected.hexdigest()
    payload = json.loads(body)
    assert payload["complaint_id"] == delivery.complaint_id and payload["branch"] == "BR-A"
    assert len({h["X-Kesheng-Delivery"] for h, _ in _Receiver.received}) == 1  # one delivery, three tries
    tokens = add_users(services)
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as api:
        log = api.get("/api/v1/webhook-deliveries", headers=bearer(tokens["admin"])).json()
        assert api.get("/api/v1/webhook-deliveries", headers=bearer(tokens["manager_a"])).status_code == 403
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("delivered", 3, 200)]

    # An endpoint that never answers: the delivery gives up after the configured tries.
    services.settings = services.settings.model_copy(
        update={"webhook_url": "http://127.0.0.1:9/closed", "webhook_max_attempts": 2}
    )
    with services.db.transaction() as session:
        session.execute(update(WebhookDelivery).values(status="pending", attempts=0, next_attempt_at=utcnow()))
    delivery = _deliver_until_settled(services, timeout=2)
    assert (delivery.status, delivery.attempts) == ("failed", 2) and "ConnectError" in (delivery.last_error or "")


def test_retention_deletes_audio_and_keeps_redacted_text(world: World, services: Services) -> None:
    client, imported, tokens = world
    a = imported["A"]
    with services.db.transaction() as session:
        recording = session.scalars(select(Recording)).first()
        assert recording is not None
        said = utcnow() - timedelta(days=40)  # the clock runs from when it was recorded, not imported
        session.execute(update(Interaction).where(Interaction.recording_id == recording.id).values(occurred_at=said))
        key = recording.path
    path = services.audio_store.path(key)
    assert path.exists()
    assert purge_expired_audio(services.db, services.audio_store, 30) == 1
    assert not path.exists()
    manager = bearer(tokens["manager_a"])
    gone = client.get(f"/api/v1/utterances/{a.utterance_ids[0]}/audio", headers=manager)
    assert gone.status_code == 410 and "retention" in gone.json()["detail"]
    interaction = client.get(f"/api/v1/interactions/{a.interaction_id}", headers=manager).json()
    assert "手续费" in "".join(u["text"] for u in interaction["utterances"])  # the transcript stays
    assert purge_expired_audio(services.db, services.audio_store, 30) == 0  # idempotent
    with services.db.transaction() as session:
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "audio.purge")).all()
        assert (entry.actor, entry.detail) == ("system:retention", {"recordings": 1, "days": 30})


def test_deleting_a_customer_leaves_no_audio_and_no_text(world: World, services: Services) -> None:
    client, imported, tokens = world
    admin = bearer(tokens["admin"])
    a, b = imported["A"], imported["B"]
    with services.db.transaction() as session:
        keys = dict(session.execute(select(Recording.id, Recording.path)).all())
    client.put(f"/api/v1/utterances/{a.utterance_ids[0]}/tags", json={"sentiment": "neg"}, headers=admin)
    assert client.delete("/api/v1/customers/CA", headers=bearer(tokens["manager_a"])).status_code == 403
    assert client.delete("/api/v1/customers/NOBODY", headers=admin).status_code == 404

    response = client.delete("/api/v1/customers/CA", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "interactions": 1,
        "utterances": len(a.utterance_ids),
        "complaints": len(a.complaint_ids),
        "recordings": 1,
    }
    remaining = [services.audio_store.path(k).exists() for k in keys.values()]
    assert remaining.count(False) == 1 and remaining.count(True) == 1  # B's call is still there
    with services.db.transaction() as session:
        texts = " ".join(session.scalars(select(Utterance.text)))
        corrections = session.scalars(select(TagCorrection)).all()
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.delete")).one()
        if session.get_bind().dialect.name == "sqlite":
            indexed = session.execute(text("SELECT count(*) FROM utterance_fts WHERE utterance_fts MATCH '\"手续费\"'"))
            assert indexed.scalar() == 0
    assert "手续费" not in texts and "快递" in texts and corrections == []
    assert entry.detail == response.json() and entry.actor == "admin"  # counts only, no content
    assert client.get("/api/v1/customers/CA/timeline", headers=admin).status_code == 404
    assert client.get(f"/api/v1/interactions/{a.interaction_id}", headers=admin).status_code == 404
    assert client.get("/api/v1/search", params={"q": "手续费"}, headers=admin).json()["hits"] == []
    assert client.get(f"/api/v1/interactions/{b.interaction_id}", headers=admin).status_code == 200


def test_dashboard_counts_match_the_queue(world: World) -> None:
    client, imported, tokens = world
    data = client.get("/api/v1/dashboard", params={"days": 3660}, headers=bearer(tokens["admin"])).json()
    total = len(imported["A"].complaint_ids) + len(imported["B"].complaint_ids)
    assert (
        sum(data["by_branch"].values()) == sum(data["by_category"].values()) == sum(data["by_week"].values()) == total
    )
    assert set(data["by_branch"]) == {"BR-A", "BR-B"}
    assert data["top_keywords"] and all(n >= 1 for _, n in data["top_keywords"])
    assert {r["customer"] for r in data["at_risk"]} <= {"CA", "CB"}
    assert client.get("/api/v1/dashboard", params={"days": 0}, headers=bearer(tokens["admin"])).status_code == 422


def test_queue_page_pages_and_survives_bad_parameters(
    world: World,
) -> None:
    client, imported, tokens = world
    admin = bearer(tokens["admin"])
    first = client.get("/", headers=admin)
    assert first.status_code == 200 and 'id="queue"' in first.text and 'id="pages"' not in first.text
    for query in ("?page=abc", "?page=-1", "?since=yesterday", "?severity=", "?page=99"):
        assert client.get("/" + query, headers=admin).status_code == 200, query
    assert "/complaints/" not in client.get("/?page=99", headers=admin).text.split('id="queue"')[1]
    total = len(imported["A"].complaint_ids) + len(imported["B"].complaint_ids)
    assert f'<b id="total">{total}</b>' in first.text
