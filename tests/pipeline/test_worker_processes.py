"""Real `kesheng worker` processes beside an API-only server: SIGKILL mid-transcription, dead letters.

Each test runs with the workers polling the database, and with Dramatiq over a real Redis and a
real RabbitMQ, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from kesheng.harness import KESHENG, Server, rabbitmq_server, redis_server, server_process
from store.models import Interaction, Job
from tests.conftest import AUDIO, REAL

LEASE = "3"


@pytest.fixture(params=["database", "redis", "rabbitmq"])
def cluster(request: pytest.FixtureRequest, tmp_path: Path, model_cache: Path, database_url: str) -> Iterator[Server]:
    """An API node with no embedded workers on the shared database; workers are started by the test."""
    env = {"KESHENG_DATABASE_URL": database_url, "KESHENG_WORKERS": "0", "KESHENG_JOB_LEASE_SECONDS": LEASE}
    with contextlib.ExitStack() as stack:
        if request.param == "redis":
            env["KESHENG_BROKER_URL"] = stack.enter_context(redis_server(tmp_path / "redis"))
        elif request.param == "rabbitmq":
            env["KESHENG_BROKER_URL"] = stack.enter_context(rabbitmq_server(tmp_path / "rabbitmq"))
        yield stack.enter_context(server_process(tmp_path, model_cache, **env))


def start_worker(server: Server, tmp_path: Path, name: str, queue: str = "all") -> subprocess.Popen[bytes]:
    command = [*KESHENG, "worker", "--threads", "1", "--queue", queue]
    with (tmp_path / f"{name}.log").open("w") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=server.env, stdout=log, stderr=log)


def job_row(server: Server, job_id: int) -> Job:
    with server.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def upload(server: Server, path: Path) -> int:
    with path.open("rb") as audio:
        response = server.api.post("/api/v1/recordings", files={"file": (path.name, audio)})
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def long_audio() -> Path:
    return max(REAL.glob("*.wav"), key=lambda p: p.stat().st_size)  # the 25 s clip: time to kill it mid-way


def test_ready_checks_the_queue(cluster: Server) -> None:
    ready = cluster.api.get("/readyz")
    assert ready.status_code == 200, ready.text
    expected = {"models": "ok", "database": "ok"}
    if "KESHENG_BROKER_URL" in cluster.env:
        expected["broker"] = "ok"
    assert ready.json()["checks"] == expected


def test_worker_killed_mid_transcription_job_runs_again_elsewhere_once(cluster: Server, tmp_path: Path) -> None:
    job_id = upload(cluster, long_audio())
    first = start_worker(cluster, tmp_path, "first")
    cluster.wait_for(lambda: job_row(cluster, job_id).status == "running", timeout=120, every=0.1)
    time.sleep(1.0)  # inside Whisper now
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = start_worker(cluster, tmp_path, "second")
    try:
        done = cluster.wait_for(lambda: job_row(cluster, job_id).status == "done" and job_row(cluster, job_id), 180)
        assert done.attempts == 2
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=120) == 0
    with cluster.session() as session:
        assert session.query(Interaction).count() == 1  # exactly one transcript


def test_a_job_that_always_loses_its_worker_is_dead_lettered(cluster: Server, tmp_path: Path) -> None:
    job_id = upload(cluster, long_audio())
    for attempt in (1, 2, 3):  # each worker that takes it dies on it
        worker = start_worker(cluster, tmp_path, f"doomed-{attempt}")
        cluster.wait_for(lambda: job_row(cluster, job_id).attempts == attempt, timeout=120, every=0.1)  # noqa: B023
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    survivor = start_worker(cluster, tmp_path, "survivor")
    other = upload(cluster, AUDIO / "counter_praise.wav")
    try:
        cluster.wait_for(lambda: job_row(cluster, other).status == "done", timeout=180)
        job = cluster.api.get(f"/api/v1/jobs/{job_id}").json()
        assert job["status"] == "dead" and "gave up after 3 attempt(s)" in job["error"]
        assert job_row(cluster, job_id).attempts == 3  # never a fourth run, no loop
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(timeout=120)
    metrics = cluster.api.get("/metrics").text
    assert 'kesheng_job_errors_total{kind="WorkerLost"} 1.0' in metrics


def send_live(server: Server, tmp_path: Path) -> int:
    """One counter utterance through the device API, as an agent sends it; its job id."""
    agent_env = server.enrol(tmp_path)
    token = json.loads((Path(agent_env["KESHENG_AGENT_DIR"]) / "device.json").read_text())["token"]
    audio = (AUDIO / "counter_complaint_fees.wav").read_bytes()
    now = datetime.now(UTC).isoformat()
    live = httpx.post(
        f"{server.url}/api/v1/devices/utterances",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{agent_env['DEVICE_ID']}:s:0"},
        data={
            "session": "s",
            "seq": "0",
            "started_at": now,
            "session_started_at": now,
            "sha256": hashlib.sha256(audio).hexdigest(),
        },
        files={"audio": ("u.wav", audio, "audio/wav")},
    )
    assert live.status_code == 202, live.text
    return int(live.json()["job_id"])


def stop(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=120) == 0


def test_live_utterances_jump_the_bulk_queue(cluster: Server, tmp_path: Path) -> None:
    imports = [upload(cluster, AUDIO / name) for name in ("counter_praise.wav", "field_cancel_broadband.wav")]
    live = send_live(cluster, tmp_path)
    worker = start_worker(cluster, tmp_path, "one")
    try:
        jobs = [live, *imports]
        cluster.wait_for(lambda: all(job_row(cluster, j).status == "done" for j in jobs), timeout=180)
    finally:
        stop(worker)
    finished = {j: job_row(cluster, j).finished_at for j in jobs}
    assert finished[jobs[0]] < min(finished[j] for j in imports)  # queued last, done first


def test_live_and_import_lanes_keep_to_their_jobs(cluster: Server, tmp_path: Path) -> None:
    # A worker busy with a long import finishes it before it looks at a live utterance; a worker
    # kept for the live lane never takes an import, so counters do not wait behind calls.
    imports = [upload(cluster, long_audio()), upload(cluster, AUDIO / "counter_praise.wav")]
    live_worker = start_worker(cluster, tmp_path, "live", queue="live")
    try:
        live = send_live(cluster, tmp_path)
        cluster.wait_for(lambda: job_row(cluster, live).status == "done", timeout=180)
        time.sleep(float(LEASE))  # time enough to take an import, had it been allowed to
        assert [job_row(cluster, j).status for j in imports] == ["queued", "queued"]
        import_worker = start_worker(cluster, tmp_path, "imports", queue="imports")
        try:
            cluster.wait_for(lambda: all(job_row(cluster, j).status == "done" for j in imports), timeout=180)
        finally:
            stop(import_worker)
    finally:
        stop(live_worker)
    assert [job_row(cluster, j).attempts for j in (live, *imports)] == [1, 1, 1]
