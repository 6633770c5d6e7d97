"""Benchmark: live counters against one node — latency from speech end to complaint, and capacity.

    .venv/bin/python bench/bench_live.py [--counters 1,2,4,6,8] [--seconds 60] [--workers 1]

Starts a real `kesheng serve` (SQLite, embedded workers) and N simulated counters. Each counter is
a customer complaining in real time: a 5.4 s complaint, a 1 s pause, again, for --seconds. When
an utterance ends the counter waits the agent's VAD hang-over (0.6 s, when the agent cuts), then
spools it and uploads it with the agent's own spool and uploader code — the same path as
`kesheng agent run`, minus the microphone and the VAD, which run on the counter PC, not the node.

Counters start at random points of their cycle (seeded), as real counters are not in step.
Latency = from the end of the customer's speech to the complaint row committed (the same
transaction makes it readable through GET /api/v1/complaints), p50/p95/max over all utterances.
Zero loss = every uploaded utterance stored (once); "complaints" counts the rows flagged, one per
sentence. A counter count is sustained when p95 <= 3 s with zero loss. Writes bench/results/live.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from audio import wav_bytes  # noqa: E402
from bench.bench_pipeline import machine  # noqa: E402
from capture.cutter import CutterOptions  # noqa: E402
from capture.spool import Spool, SpooledUtterance  # noqa: E402
from capture.uploader import Uploader  # noqa: E402
from core.settings import Settings  # noqa: E402
from kesheng.harness import free_port, read_wav  # noqa: E402
from store.db import Database  # noqa: E402
from store.models import Complaint, LiveUtterance  # noqa: E402

UTTERANCE = ROOT / "tests" / "fixtures" / "audio" / "counter_complaint_fees.wav"
API_KEY = "bench-key"
HANGOVER = CutterOptions().hangover


@dataclass
class Counter:
    """One simulated counter: its device token, spool, and when each utterance's speech ended."""

    index: int
    token: str
    device_id: int
    spool: Spool
    ended: dict[str, float] = field(default_factory=dict)  # key → wall time speech ended
    errors: list[str] = field(default_factory=list)


def server_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of the benchmark's server (and workers): fresh data, the shared model cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KESHENG_")}
    env.update(
        KESHENG_DATA_DIR=str(workdir / "server"),
        KESHENG_MODEL_CACHE=str(Settings().model_cache_dir),
        KESHENG_API_KEY=API_KEY,
        **extra,
    )
    return env


def start_server(workdir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with (workdir / "server.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kesheng.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("server did not start; see " + str(workdir / "server.log"))


def stored_at(db_path: Path) -> dict[str, float]:
    """Live utterance key → when its utterances were committed (epoch seconds)."""
    db = Database(f"sqlite:///{db_path}")
    try:
        with db.transaction() as session:
            rows = session.execute(
                select(LiveUtterance.key, LiveUtterance.stored_at).where(LiveUtterance.stored_at.is_not(None))
            )
            return {key: at.timestamp() for key, at in rows}
    finally:
        db.dispose()


def enrol(url: str, index: int, workdir: Path) -> Counter:
    api = {"X-API-Key": API_KEY}
    code = httpx.post(f"{url}/api/v1/devices", headers=api, json={"branch": "BENCH", "counter": str(index)}).json()
    answer = httpx.post(f"{url}/api/v1/devices/enrol", json={"code": code["enrolment_code"]})
    if answer.status_code != 200:
        raise RuntimeError(f"enrolment failed: {answer.status_code} {answer.text}")
    body = answer.json()
    return Counter(index, body["token"], body["device_id"], Spool(workdir / f"counter-{index}"))


def speak(counter: Counter, url: str, speech: np.ndarray, seconds: float, pause: float, t0: float) -> None:
    """The customer at this counter: utterance after utterance in real time, each uploaded when cut."""
    uploader = Uploader(url, counter.token, counter.spool)
    session_start = datetime.now(UTC).isoformat()
    duration = len(speech) / 16000
    seq = 0
    while True:
        begin = t0 + seq * (duration + pause)
        end = begin + duration
        if end > t0 + seconds:
            break
        time.sleep(max(0.0, end - time.time()))
        counter.ended[f"{counter.device_id}:bench:{seq}"] = time.time()
        time.sleep(HANGOVER)  # the agent cuts the utterance this long after the speech stops
        audio = wav_bytes(np.concatenate([np.zeros(8 * (seq + 1) + counter.index, np.float32), speech]))
        meta = SpooledUtterance(
            device_id=counter.device_id,
            session="bench",
            seq=seq,
            started_at=datetime.fromtimestamp(begin, UTC).isoformat(),
            duration=duration,
            role="customer",
            sha256=hashlib.sha256(audio).hexdigest(),
            customer=f"BENCH-{counter.index}",
            session_started_at=session_start,
        )
        counter.spool.put(audio, meta)
        result = uploader.drain(time.monotonic() + 30)
        if result.error:
            counter.errors.append(result.error)
        seq += 1
    uploader.close()


def run(
    n: int, workers: int, live_beam: int | None, seconds: float, pause: float, speech: np.ndarray
) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="kesheng-bench-live-") as tmp:
        workdir = Path(tmp)
        extra = {"KESHENG_WORKERS": str(workers)}
        if live_beam:
            extra["KESHENG_LIVE_BEAM_SIZE"] = str(live_beam)
        process, url = start_server(workdir, server_env(workdir, **extra))
        try:
            counters = [enrol(url, i, workdir) for i in range(n)]
            t0 = time.time() + 1.0
            cpu0 = _cpu_seconds(process.pid)
            # Counters are not in step: each customer starts at a random point of the cycle.
            cycle = len(speech) / 16000 + pause
            phase = random.Random(n)
            threads = [
                threading.Thread(target=speak, args=(c, url, speech, seconds, pause, t0 + phase.uniform(0, cycle)))
                for c in counters
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            ended = {k: v for c in counters for k, v in c.ended.items()}
            db_path = workdir / "server" / "kesheng.db"
            deadline = time.time() + 300
            while len(stored := stored_at(db_path)) < len(ended) and time.time() < deadline:
                time.sleep(0.5)
            cpu = _cpu_seconds(process.pid) - cpu0
            db = Database(f"sqlite:///{db_path}")
            with db.transaction() as session:
                complaints = session.scalar(select(func.count()).select_from(Complaint)) or 0
            db.dispose()
            via_api = httpx.get(f"{url}/api/v1/complaints", headers={"X-API-Key": API_KEY}).json()["total"]
        finally:
            process.terminate()
            process.wait(timeout=60)
    latencies = sorted(stored[k] - ended[k] for k in ended if k in stored)
    lost = len(ended) - len(latencies)
    audio_seconds = len(ended) * len(speech) / 16000
    return {
        "counters": n,
        "workers": workers,
        "live_beam_size": live_beam or 5,
        "utterances": len(ended),
        "stored": len(latencies),
        "lost": lost,
        "complaints": complaints,
        "complaints_via_api": via_api,
        "p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "p95_s": round(_percentile(latencies, 0.95), 2) if latencies else None,
        "max_s": round(latencies[-1], 2) if latencies else None,
        "speech_share": round(len(speech) / 16000 / (len(speech) / 16000 + pause), 2),
        "server_cpu_per_audio_second": round(cpu / audio_seconds, 3) if audio_seconds else None,
        "upload_errors": sum(len(c.errors) for c in counters),
        "sustained": bool(latencies) and lost == 0 and _percentile(latencies, 0.95) <= 3.0,
    }


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q * 100)) if values else float("nan")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counters", default="1,2,4,6,8", help="comma-separated counter counts to try")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each customer keeps talking")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between a customer's utterances")
    parser.add_argument("--workers", type=int, default=1, help="embedded worker threads on the server")
    parser.add_argument("--live-beam", type=int, default=None, help="KESHENG_LIVE_BEAM_SIZE for the server")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "live.json")
    args = parser.parse_args()
    speech = read_wav(UTTERANCE)[0][:, 0]
    rows = []
    for n in (int(x) for x in args.counters.split(",")):
        row = run(n, args.workers, args.live_beam, args.seconds, args.pause, speech)
        rows.append(row)
        print(json.dumps(row), flush=True)
    sustained = [r["counters"] for r in rows if r["sustained"]]
    result = {
        "machine": machine(),
        "date": datetime.now(UTC).date().isoformat(),
        "utterance_seconds": round(len(speech) / 16000, 2),
        "hangover_s": HANGOVER,
        "runs": rows,
        "max_sustained_counters": max(sustained) if sustained else 0,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"max counters sustained (p95 <= 3 s, zero loss): {result['max_sustained_counters']}")


if __name__ == "__main__":
    main()
