"""Benchmark: 1 vs 2 `kesheng worker` processes under live counters plus a bulk import.

    .venv/bin/python bench/bench_scale.py [--workers 1,2,1+1] [--counters 2] [--bulk 4] [--queue dramatiq|database]

For each worker count W ("1+1": one worker kept for live utterances, `kesheng worker --queue live`,
and one for imports, `--queue imports`): a fresh API node (no embedded workers), W `kesheng worker` processes
(each with cores/W decoder threads) on the same SQLite database, Dramatiq over a private Redis
(or database polling). Then at once: --bulk distinct copies of ~2.7 minutes of real Mandarin are
uploaded as a bulk import, and --counters simulated counters complain in real time for --seconds
(as in bench_live.py: 5.4 s utterances, 1 s pauses, uploaded by the agent's own code).

Reports per W: live p50/p95 (speech end → complaint committed), zero-loss check (every live
utterance stored, every import done), audio-hours per hour per worker (live + bulk audio over the
wall time until the last job finished), and the scaling efficiency of W=2 against W=1.
Writes bench/results/scale.json. On one machine, W processes share its cores: the figure says
how well one node's cores are used, and the same code spreads W over machines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.bench_live import API_KEY, UTTERANCE, enrol, server_env, speak, start_server, stored_at  # noqa: E402
from bench.bench_pipeline import long_recording, machine  # noqa: E402
from kesheng.harness import read_wav, redis_server  # noqa: E402
from store.db import Database  # noqa: E402
from store.models import Job, Recording  # noqa: E402


def bulk_files(folder: Path, count: int) -> list[Path]:
    """Distinct copies (different lead-in silence) of the long real recording."""
    source = long_recording(folder)
    samples, rate = read_wav(source)
    paths = []
    for i in range(count):
        data = np.concatenate([np.zeros((160 * (i + 1), 1), np.float32), samples])
        path = folder / f"bulk-{i}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((data[:, 0] * 32767).astype("<i2").tobytes())
        paths.append(path)
    return paths


def worker_lanes(spec: str) -> list[str]:
    """ "2" → two workers taking every job; "1+1" → one live-lane and one import-lane worker."""
    if "+" in spec:
        live, imports = (int(n) for n in spec.split("+"))
        return ["live"] * live + ["imports"] * imports
    return ["all"] * int(spec)


def start_workers(env: dict[str, str], lanes: list[str], workdir: Path) -> list[subprocess.Popen[bytes]]:
    threads = str(max(1, (os.cpu_count() or 2) // len(lanes)))
    workers = []
    for i, lane in enumerate(lanes):
        log_path = workdir / f"worker-{i}.log"
        with log_path.open("w") as log:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "kesheng.cli", "worker", "--threads", "1", "--queue", lane],
                    env={**env, "KESHENG_ASR_CPU_THREADS": threads},
                    stdout=log,
                    stderr=log,
                )
            )
        while "worker:" not in log_path.read_text():  # models loaded, consuming
            time.sleep(0.2)
    return workers


def run(spec: str, counters: int, bulk: int, seconds: float, queue: str, speech: np.ndarray) -> dict:
    lanes = worker_lanes(spec)
    workers = len(lanes)
    with tempfile.TemporaryDirectory(prefix="kesheng-bench-scale-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        extra = {"KESHENG_WORKERS": "0"}
        if queue == "dramatiq":
            extra["KESHENG_BROKER_URL"] = stack.enter_context(redis_server(workdir / "redis"))
        env = server_env(workdir, **extra)
        server, url = start_server(workdir, env)
        pool = start_workers(env, lanes, workdir)
        try:
            files = bulk_files(workdir, bulk)
            devices = [enrol(url, i, workdir) for i in range(counters)]
            t0 = time.time() + 1.0
            api = httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=120)
            jobs = []
            for path in files:  # the bulk import lands first, then the counters open
                with path.open("rb") as audio:
                    jobs.append(api.post("/api/v1/recordings", files={"file": (path.name, audio)}).json()["id"])
            cycle = len(speech) / 16000 + 1.0
            phase = random.Random(workers)
            talkers = [
                threading.Thread(target=speak, args=(d, url, speech, seconds, 1.0, t0 + phase.uniform(0, cycle)))
                for d in devices
            ]
            for thread in talkers:
                thread.start()
            for thread in talkers:
                thread.join()
            ended = {k: v for d in devices for k, v in d.ended.items()}
            db = Database(f"sqlite:///{workdir / 'server' / 'kesheng.db'}")
            deadline = time.time() + 1800
            while time.time() < deadline:
                with db.transaction() as session:
                    rows = session.execute(
                        select(Job.status, Job.finished_at, Recording.duration).join(Recording)
                    ).all()
                if all(status in ("done", "failed", "dead") for status, _, _ in rows) and len(rows) >= bulk + len(
                    ended
                ):
                    break
                time.sleep(1.0)
            db.dispose()
            stored = stored_at(workdir / "server" / "kesheng.db")
            api.close()
        finally:
            for worker in pool:
                worker.terminate()
            for worker in pool:
                worker.wait(timeout=600)
            server.terminate()
            server.wait(timeout=60)
    finished = max(at for _, at, _ in rows if at is not None).timestamp()
    audio_hours = sum(duration or 0.0 for _, _, duration in rows) / 3600
    wall_hours = (finished - t0) / 3600
    latencies = sorted(stored[k] - ended[k] for k in ended if k in stored)
    return {
        "workers": workers,
        "lanes": spec if "+" in spec else "all",
        "counters": counters,
        "bulk_files": bulk,
        "queue": queue,
        "jobs": len(rows),
        "jobs_done": sum(status == "done" for status, _, _ in rows),
        "live_utterances": len(ended),
        "live_lost": len(ended) - len(latencies),
        "live_p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "live_p95_s": round(float(np.percentile(latencies, 95)), 2) if latencies else None,
        "audio_hours": round(audio_hours, 4),
        "wall_s": round(finished - t0, 1),
        "audio_hours_per_hour_per_worker": round(audio_hours / wall_hours / workers, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2,1+1", help='worker counts; "1+1": one live-lane, one import-lane')
    parser.add_argument("--counters", type=int, default=2)
    parser.add_argument("--bulk", type=int, default=4, help="long recordings in the bulk import")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--queue", choices=("dramatiq", "database"), default="dramatiq")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    args = parser.parse_args()
    if args.queue == "dramatiq" and shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server), or use --queue database")
    speech = read_wav(UTTERANCE)[0][:, 0]
    rows = []
    for spec in args.workers.split(","):
        rows.append(run(spec, args.counters, args.bulk, args.seconds, args.queue, speech))
        print(json.dumps(rows[-1]), flush=True)
    by_workers = {r["workers"]: r["audio_hours_per_hour_per_worker"] for r in rows if r["lanes"] == "all"}
    efficiency = round(by_workers[2] / by_workers[1], 2) if 1 in by_workers and 2 in by_workers else None
    result = {
        "machine": machine(),
        "date": datetime.now(UTC).date().isoformat(),
        "runs": rows,
        "scaling_efficiency_2_vs_1": efficiency,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"scaling efficiency (2 workers vs 1, per worker): {efficiency}")


if __name__ == "__main__":
    main()
