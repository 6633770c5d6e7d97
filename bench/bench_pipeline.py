"""Benchmark: kesheng import vs bare faster-whisper on the same files and settings, in one run.

    .venv/bin/python bench/bench_pipeline.py [--repeat 3] [--out bench/results/latest.json]

Measures, on this machine:
- end-to-end import (decode → VAD → transcribe → analyse → store in SQLite) against bare
  faster-whisper `WhisperModel.transcribe` (same model, compute type, threads, beam, language,
  prompt, hotwords, VAD) on the same files; the ratio is the pipeline's overhead;
- model load times (Whisper, NLP), NLP utterances per second, peak memory (max RSS).
Timings alternate bare/pipeline and report medians, so both see the same machine state.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio import decode_audio  # noqa: E402
from core.settings import Settings  # noqa: E402
from nlp.analyzer import Analyzer  # noqa: E402
from nlp.corpus import heldout_conversations  # noqa: E402
from pipeline.importer import ImportRequest, Services, ingest_file, process_job  # noqa: E402
from store.audio_store import LocalAudioStore  # noqa: E402
from store.db import Database  # noqa: E402
from store.repository import claim_job  # noqa: E402
from transcribe.engine import WhisperTranscriber  # noqa: E402
from transcribe.model import load_whisper  # noqa: E402
from transcribe.service import decode_options, model_spec  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def machine() -> dict[str, object]:
    """CPU model, cores, memory: the figures are only meaningful with these."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def long_recording(folder: Path) -> Path:
    """~2 minutes of real human Mandarin: the real clips back to back with 1.5 s pauses."""
    with (FIXTURES / "real" / "transcripts.tsv").open(encoding="utf-8") as src:
        names = [r["file"] for r in csv.DictReader(src, delimiter="\t") if r["language"] == "zh"]
    pause = np.zeros(24000, dtype=np.float32)
    parts: list[np.ndarray] = []
    for name in names * 2:
        parts += [decode_audio(FIXTURES / "real" / name).channels[0], pause]
    audio = (np.concatenate(parts) * 32767).astype("<i2")
    path = folder / "real_mandarin_long.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(audio.tobytes())
    return path


def clocks() -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): CPU time is steadier on a shared machine."""
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    """Wall and CPU seconds elapsed since `start`."""
    wall, cpu = clocks()
    return wall - start[0], cpu - start[1]


def bare(model, path: Path, options, split: bool) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall, CPU) seconds for bare faster-whisper to decode and transcribe every channel of the file."""
    from faster_whisper import decode_audio as fw_decode

    started = clocks()
    audio = fw_decode(str(path), split_stereo=split)
    for channel in audio if split else [audio]:
        segments, _ = model.transcribe(
            channel,
            language=options.language,
            beam_size=options.beam_size,
            initial_prompt=options.initial_prompt,
            hotwords=options.hotwords,
            vad_filter=True,
            condition_on_previous_text=False,
        )
        list(segments)
    return since(started)


def pipeline(services_for, path: Path, channel: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall, CPU) seconds for a full kesheng import of the file into a fresh SQLite database."""
    with tempfile.TemporaryDirectory() as tmp:
        services = services_for(Path(tmp))
        started = clocks()
        with services.db.transaction() as session:
            job = ingest_file(
                session,
                services.audio_store,
                path,
                ImportRequest(channel=channel),
                services.asr_name,
                services.settings,
            ).job
            claim_job(session, job.id)
        process_job(services, job.id)
        elapsed = since(started)
        services.db.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()

    cache = Path(tempfile.mkdtemp(prefix="kesheng-bench-models-"))
    settings = Settings(model_cache=cache, _env_file=None)
    spec = model_spec(settings)
    started = time.perf_counter()
    model = load_whisper(spec)
    whisper_load = time.perf_counter() - started
    started = time.perf_counter()
    analyzer = Analyzer.from_settings(None)
    analyzer.analyze("预热")  # jieba builds its dictionary on first use
    nlp_load = time.perf_counter() - started
    transcriber = WhisperTranscriber(spec)
    options = decode_options(settings)

    def services_for(data_dir: Path) -> Services:
        s = settings.model_copy(update={"data_dir": data_dir})
        db = Database(s.resolved_database_url)
        db.migrate()
        return Services(
            settings=s, db=db, audio_store=LocalAudioStore(s.audio_dir), transcriber=transcriber, analyzer=analyzer
        )

    work = Path(tempfile.mkdtemp(prefix="kesheng-bench-"))
    files = [
        (long_recording(work), "counter", False),
        (FIXTURES / "real" / "zh_rapidasr_0478_00017_long.wav", "counter", False),
        (FIXTURES / "audio" / "call_stereo_8k.wav", "call", True),
    ]
    rows = []
    for path, channel, split in files:
        bare(model, path, options, split)  # warm-up
        bare_times, pipe_times = [], []
        for _ in range(args.repeat):
            bare_times.append(bare(model, path, options, split))
            pipe_times.append(pipeline(services_for, path, channel))
        duration = decode_audio(path).duration
        b, p = (statistics.median(t[0] for t in times) for times in (bare_times, pipe_times))
        b_cpu, p_cpu = (statistics.median(t[1] for t in times) for times in (bare_times, pipe_times))
        rows.append(
            {
                "file": path.name,
                "audio_s": round(duration, 1),
                "bare_s": round(b, 2),
                "pipeline_s": round(p, 2),
                "ratio": round(p / b, 3),
                "bare_cpu_s": round(b_cpu, 2),
                "pipeline_cpu_s": round(p_cpu, 2),
                "cpu_ratio": round(p_cpu / b_cpu, 3),
                "pipeline_x_realtime": round(duration / p, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)

    sentences = [u.text for u in heldout_conversations()]
    batch = sentences * 20
    started = time.perf_counter()
    analyzer.analyze_many(batch)
    nlp_rate = len(batch) / (time.perf_counter() - started)

    result = {
        "machine": machine(),
        "settings": {
            "model": spec.name,
            "device": spec.device,
            "compute_type": spec.compute_type,
            "cpu_threads": spec.cpu_threads,
            "beam_size": options.beam_size,
            "vad": True,
        },
        "import_vs_bare": rows,
        "whisper_load_s": round(whisper_load, 2),
        "nlp_load_s": round(nlp_load, 2),
        "nlp_utterances_per_s": round(nlp_rate, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
