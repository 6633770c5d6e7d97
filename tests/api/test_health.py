"""/healthz, /readyz and Prometheus /metrics through the real app and database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from core.settings import Settings
from pipeline import Services
from tests import badfiles
from tests.conftest import AUDIO
from transcribe import make_transcriber
from transcribe.service import LazyTranscriber

KEY = {"X-API-Key": "test-key"}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services=services)) as test_client:
        yield test_client


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def wait_done(client: TestClient, job_id: int) -> None:
    deadline = time.monotonic() + 120
    while client.get(f"/api/v1/jobs/{job_id}", headers=KEY).json()["status"] not in ("done", "failed", "dead"):
        assert time.monotonic() < deadline
        time.sleep(0.2)


@pytest.mark.whisper
def test_ready_and_metrics_follow_the_queue(client: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"models": "ok", "database": "ok", "workers": "ok"}}

    before = samples(client)
    assert before[("kesheng_jobs", (("kind", "import"), ("status", "queued")))] == 0

    with (AUDIO / "counter_complaint_fees.wav").open("rb") as audio:
        good = client.post("/api/v1/recordings", headers=KEY, files={"file": ("a.wav", audio)}).json()
    bad = badfiles.header_only(tmp_path)
    with bad.open("rb") as audio:
        failed = client.post("/api/v1/recordings", headers=KEY, files={"file": ("b.wav", audio)}).json()
    wait_done(client, good["id"])
    wait_done(client, failed["id"])

    after = samples(client)
    assert after[("kesheng_jobs", (("kind", "import"), ("status", "done")))] == 1
    assert after[("kesheng_jobs", (("kind", "import"), ("status", "failed")))] == 1
    assert after[("kesheng_jobs_finished_recently", (("kind", "import"),))] == 1
    p50 = after[("kesheng_job_latency_seconds", (("kind", "import"), ("quantile", "0.5")))]
    assert 0 < p50 < 120
    rtf = after[("kesheng_realtime_factor", (("kind", "import"),))]
    assert 0 < rtf < 5  # seconds of processing per second of audio
    assert after[("kesheng_job_errors_total", (("kind", "EmptyAudioError"),))] == 1


def test_not_ready_when_the_workers_have_stopped(client: TestClient) -> None:
    client.app.state.queue.stop()  # type: ignore[attr-defined]
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["workers"] == "stopped"


@pytest.mark.parametrize("where", ["workers elsewhere", "broker"])
def test_an_api_whose_jobs_run_elsewhere_never_loads_whisper(settings: Settings, where: str) -> None:
    """An API node of a cluster queues jobs for worker machines: Whisper's memory is not spent there."""
    update: dict[str, object] = (
        {"workers": 0} if where == "workers elsewhere" else {"broker_url": "redis://127.0.0.1:9"}
    )
    app = create_app(settings.model_copy(update=update))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/complaints", headers=KEY).json()["total"] == 0
        transcriber = app.state.services.transcriber
        assert isinstance(transcriber, LazyTranscriber) and transcriber.name == "base" and not transcriber.loaded


def test_a_lazy_transcriber_names_its_model_before_assembling_or_loading_it(tmp_path: Path) -> None:
    transcriber = make_transcriber(Settings(model_cache=tmp_path, _env_file=None), lazy=True)
    assert isinstance(transcriber, LazyTranscriber) and transcriber.name == "base" and not transcriber.loaded
    assert not any(tmp_path.iterdir())  # the bundled model is not even joined yet
