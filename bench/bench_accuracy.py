"""kesheng's transcription against bare faster-whisper: character error rate and time, in one run.

    .venv/bin/python bench/bench_accuracy.py [--ablations] [--process] [--sets NAME ...] [--model NAME]

Sets (each a list of real or domain recordings with references):
- shared real clips: tests/fixtures/real (human Mandarin, general speech);
- public real speech: bench/data/real_speech, by category (read, conversation, broadcast, ...);
- domain speech: customer-service sentences (bench/data/domain_speech, synthetic voice, and the
  test fixtures), where the vocabulary and the correction step must earn their place;
- long-form: the shared real clips back to back twice (161 s), as a call is long.

"bare faster-whisper" is what a user would call instead: WhisperModel.transcribe with int8, beam 5,
its own VAD, language "zh" and the same initial prompt, nothing else. Every kesheng variant goes
through transcribe_file, the path `kesheng transcribe` and the importer take. CER is scored without
punctuation, in simplified characters, with numbers in one form on both sides (transcribe.quality).
--ablations adds one variant per decoding choice (built-in hotwords of every industry, or of the
domain recording's own industry, 15 s windows, no re-decode of
short windows, no correction, no hallucination guards, no temperature fallback), so each choice
shows what it does on each set. Sentence splitting only cuts text into utterances, so it cannot
change a CER. --process times whole
processes (`kesheng transcribe FILE` against a bare script, model load included) on four files: a
52 s counter conversation, a 25 s real clip, the long-form recording and a 5 s domain sentence.
Writes bench/results/accuracy.json (or --out).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import long_recording, machine  # noqa: E402
from core.settings import Settings  # noqa: E402
from transcribe.engine import seed_sampling  # noqa: E402
from transcribe.quality import cer  # noqa: E402
from transcribe.service import make_transcriber, model_spec, transcribe_file  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
DATA = ROOT / "bench" / "data"
BARE_SCRIPT = ROOT / "bench" / "bare_whisper.py"

Item = tuple[Path, str]


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as src:
        return list(csv.DictReader(src, delimiter="\t"))


def corpus(work: Path) -> dict[str, list[Item]]:
    """(audio, reference) pairs per set; sets whose files are absent are left out."""
    real = [
        (FIXTURES / "real" / r["file"], r["reference_text"])
        for r in _rows(FIXTURES / "real" / "transcripts.tsv")
        if r["language"] == "zh"
    ]
    sets: dict[str, list[Item]] = {"shared real clips": real}
    public = _rows(DATA / "real_speech" / "transcripts.tsv")
    for category in sorted({r["category"] for r in public}):
        sets[f"public real: {category}"] = [
            (DATA / "real_speech" / r["file"], r["reference_text"]) for r in public if r["category"] == category
        ]
    fixtures = _rows(FIXTURES / "audio" / "fixtures.tsv")
    domain = [(FIXTURES / "audio" / r["file"], r["text"]) for r in fixtures if r["channels"] == "1"]
    domain += [(DATA / "domain_speech" / r["file"], r["text"]) for r in _rows(DATA / "domain_speech" / "sentences.tsv")]
    sets["domain speech (synthetic voice)"] = domain
    long_form = long_recording(work)
    sets["long-form real (161 s)"] = [(long_form, "".join(text for _, text in real) * 2)]
    sets["counter conversation (52 s)"] = [conversation(work)]
    return {name: items for name, items in sets.items() if items}


def score(items: list[Item], transcribe: Callable[[Path], str]) -> dict[str, float]:
    """Character-weighted CER over a set, and the CPU and wall seconds it took (wall is what counts on a GPU)."""
    edits = chars = 0.0
    started, wall = time.process_time(), time.perf_counter()
    for path, reference in items:
        text = transcribe(path)
        edits += cer(reference, text) * len(reference)
        chars += len(reference)
    return {
        "cer": round(edits / chars, 4),
        "cpu_s": round(time.process_time() - started, 1),
        "wall_s": round(time.perf_counter() - wall, 1),
    }


def bare(model, settings: Settings, batch_size: int = 0) -> Callable[[Path], str]:  # type: ignore[no-untyped-def]
    """faster-whisper as a user calls it: its own VAD, the same prompt and beam, nothing else.

    With batch_size, its BatchedInferencePipeline, as a GPU user would call it.
    """
    from faster_whisper import BatchedInferencePipeline
    from faster_whisper import decode_audio as fw_decode

    engine = BatchedInferencePipeline(model) if batch_size > 1 else model
    extra = {"batch_size": batch_size} if batch_size > 1 else {}

    def run(path: Path) -> str:
        seed_sampling()  # the same seed kesheng uses, so the temperature fallback samples alike
        segments, _ = engine.transcribe(
            fw_decode(str(path)),
            language=settings.asr_language,
            beam_size=settings.asr_beam_size,
            initial_prompt=settings.asr_initial_prompt,
            vad_filter=True,
            **extra,
        )
        return "".join(s.text for s in segments)

    return run


def kesheng(transcriber, settings: Settings, by_industry: bool = False) -> Callable[[Path], str]:  # type: ignore[no-untyped-def]
    """The path `kesheng transcribe` takes, with these settings.

    by_industry: each domain recording with KESHENG_ASR_INDUSTRY set to its own industry, as a
    deployment whose branches name their industry runs (general recordings have none: no change).
    """
    industries = {
        DATA / "domain_speech" / r["file"]: r["industry"] for r in _rows(DATA / "domain_speech" / "sentences.tsv")
    }

    def run(path: Path) -> str:
        chosen = settings
        if by_industry and path in industries:
            chosen = settings.model_copy(update={"asr_industry": industries[path]})
        return transcribe_file(path, transcriber, chosen, roles=("unknown",)).text

    return run


def variants(base: Settings, ablations: bool) -> dict[str, Settings]:
    """kesheng's defaults, and with --ablations one change at a time."""
    chosen = {"kesheng": base}
    if ablations:
        chosen |= {
            "kesheng + built-in hotwords": base.model_copy(update={"asr_industry": "all"}),
            "kesheng, 15 s windows": base.model_copy(update={"asr_window_seconds": 15.0}),
            "kesheng, no re-decode of short windows": base.model_copy(update={"asr_min_chars_per_second": 0.0}),
            "kesheng, no correction": base.model_copy(update={"asr_correction": False}),
            "kesheng, no guards": base.model_copy(update={"asr_guards": False}),
            "kesheng, no temperature fallback": base.model_copy(update={"asr_temperature_fallback": False}),
        }
    return chosen


def process_times(settings: Settings, path: Path, repeat: int) -> dict[str, float]:
    """Whole-process seconds (median of `repeat`, alternating): `kesheng transcribe` and a bare script.

    Both load the same assembled model from the same directory, on the same device.
    """
    import os

    model_dir = model_spec(settings).source
    env = os.environ | {
        "KESHENG_MODEL_CACHE": str(settings.model_cache_dir),
        "KESHENG_DATA_DIR": str(settings.data_dir),
        "KESHENG_ASR_MODEL": settings.asr_model,
        "KESHENG_ASR_DEVICE": settings.asr_device,
    }
    commands = {
        "kesheng transcribe": [str(Path(sys.executable).parent / "kesheng"), "transcribe", str(path)],
        "bare faster-whisper": [
            sys.executable,
            str(BARE_SCRIPT),
            model_dir,
            str(path),
            "--device",
            settings.asr_device,
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            times[name].append(time.perf_counter() - started)
    medians = {name: round(statistics.median(t), 2) for name, t in times.items()}
    return medians | {"ratio": round(medians["kesheng transcribe"] / medians["bare faster-whisper"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ablations", action="store_true", help="one variant per decoding choice")
    parser.add_argument("--process", action="store_true", help="time whole processes on four files")
    parser.add_argument("--repeat", type=int, default=3, help="process timings per command (median)")
    parser.add_argument("--sets", nargs="*", help="only sets whose name starts with one of these")
    parser.add_argument("--model", default=None, help="Whisper model name or directory (default: settings)")
    parser.add_argument("--device", default=None, help="cpu, cuda or auto (default: settings)")
    parser.add_argument("--compute-type", default=None, help="int8, float16... (default: settings)")
    parser.add_argument("--batch-size", type=int, default=None, help="KESHENG_ASR_BATCH_SIZE for kesheng and bare")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "accuracy.json")
    args = parser.parse_args()
    report = run_benchmark(args)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))


def run_benchmark(args: argparse.Namespace) -> dict[str, object]:
    """Every set with every variant; `args` as main() parses them (bench_gpu.py builds its own)."""
    work = Path(tempfile.mkdtemp(prefix="kesheng-bench-"))
    settings = Settings(data_dir=work / "data", model_cache=work / "models", _env_file=None)
    overrides = {"asr_model": args.model, "asr_device": args.device, "asr_compute_type": args.compute_type}
    overrides |= {"asr_batch_size": args.batch_size}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    started = time.perf_counter()
    transcriber = make_transcriber(settings)
    load_s = round(time.perf_counter() - started, 1)
    sets = corpus(work)
    if args.sets:
        sets = {name: items for name, items in sets.items() if any(name.startswith(p) for p in args.sets)}
    runs = {name: kesheng(transcriber, s) for name, s in variants(settings, args.ablations).items()}
    if args.ablations:
        runs["kesheng, industry's built-in hotwords"] = kesheng(transcriber, settings, by_industry=True)
    runs["bare faster-whisper"] = bare(transcriber.model, settings, args.batch_size or 0)  # type: ignore[attr-defined]
    results: dict[str, dict[str, object]] = {}
    for name, items in sets.items():
        seconds = sum(_duration(path) for path, _ in items)
        results[name] = {"clips": len(items), "seconds": round(seconds, 1)}
        results[name] |= {variant: score(items, run) for variant, run in runs.items()}
        print(name, json.dumps(results[name], ensure_ascii=False), flush=True)
    spec = transcriber.spec  # type: ignore[attr-defined]
    report: dict[str, object] = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine(),
        "model": settings.asr_model,
        "device": spec.device,
        "compute_type": spec.compute_type,
        "batch_size": settings.asr_batch_size,
        "model_load_s": load_s,
        "sets": results,
    }
    if args.process:
        files = [conversation(work)[0], FIXTURES / "real" / "zh_rapidasr_0478_00017_long.wav", long_recording(work)]
        files.append(FIXTURES / "audio" / "counter_complaint_fees.wav")
        report["process"] = [
            {"file": path.name, "seconds": round(_duration(path), 1)} | process_times(settings, path, args.repeat)
            for path in files
        ]
    return report


def _duration(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1_000_000


def conversation(work: Path) -> Item:
    """A counter conversation: real and domain clips in turn, 1.2 s apart (52 s), and its reference."""
    import numpy as np
    import soundfile as sf

    references = {r["file"]: r["reference_text"] for r in _rows(FIXTURES / "real" / "transcripts.tsv")}
    references |= {r["file"]: r["text"] for r in _rows(FIXTURES / "audio" / "fixtures.tsv")}
    names = [
        FIXTURES / "real" / "zh_funasr_csharp_example1_talk.wav",
        FIXTURES / "audio" / "counter_complaint_fees.wav",
        FIXTURES / "real" / "zh_paddlespeech_zh.wav",
        FIXTURES / "audio" / "counter_praise.wav",
        FIXTURES / "real" / "zh_funasr_llamacpp_sample.wav",
        FIXTURES / "audio" / "counter_inquiry_card.wav",
        FIXTURES / "real" / "zh_aishell2_ID0012W0013_funasr_asr_example.wav",
    ]
    parts = []
    for name in names:
        samples, _ = sf.read(name, dtype="float32")
        parts += [samples, np.zeros(19200, dtype="float32")]
    path = work / "conversation.wav"
    sf.write(path, np.concatenate(parts), 16000, subtype="PCM_16")
    return path, "".join(references[name.name] for name in names)


if __name__ == "__main__":
    main()
