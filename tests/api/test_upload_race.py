"""The same recording uploaded by fifteen clients at the same moment, against a real `kesheng serve`,
on SQLite and PostgreSQL: every answer is a 2xx naming the same job, and the audio is stored once."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from kesheng.harness import API_KEY, server_process
from tests.conftest import AUDIO

pytestmark = pytest.mark.process


def test_parallel_identical_uploads_are_one_job_and_no_5xx(
    tmp_path: Path, model_cache: Path, database_url: str
) -> None:
    audio = (AUDIO / "counter_praise.wav").read_bytes()
    answers: list[httpx.Response] = []
    start = threading.Barrier(15)

    with server_process(tmp_path, model_cache, KESHENG_WORKERS="0", KESHENG_DATABASE_URL=database_url) as server:

        def upload() -> None:
            with httpx.Client(base_url=server.url, headers={"X-API-Key": API_KEY}, timeout=60) as client:
                start.wait()
                answer = client.post(
                    "/api/v1/recordings", data={"channel": "counter"}, files={"file": ("a.wav", audio)}
                )
                answers.append(answer)

        threads = [threading.Thread(target=upload) for _ in range(15)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert len(answers) == 15
    assert sorted({a.status_code for a in answers}) == [202], [a.text for a in answers if a.status_code != 202]
    assert len({a.json()["id"] for a in answers}) == 1  # one job, and the rest told it is a duplicate
    assert sum(not a.json()["duplicate"] for a in answers) == 1
