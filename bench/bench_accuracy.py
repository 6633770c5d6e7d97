"""Character error rate of kesheng's transcription, with and without the domain vocabulary as hotwords.

    .venv/bin/python bench/bench_accuracy.py

Two sets: the real human Mandarin clips (general speech: news, lectures, small talk) and the
synthetic customer-service fixtures (domain speech). The vocabulary should help the second and
must not hurt the first much. Greedy decoding (beam 1) is measured beside beam 5, and the
long-form set (a call-length recording) shows what the decoding window and batching do. CPU seconds
are given per variant. Writes bench/results/accuracy.json.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import long_recording, machine  # noqa: E402
from capture.audio import decode_audio  # noqa: E402
from kesheng.settings import Settings  # noqa: E402
from transcribe.engine import DecodeOptions, Transcriber  # noqa: E402
from transcribe.quality import cer  # noqa: E402
from transcribe.service import decode_options, make_transcriber, transcribe_audio  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def corpus() -> dict[str, list[tuple[Path, str]]]:
    """(audio, reference) pairs per set; the long-form set is the real clips back to back, twice."""
    with (FIXTURES / "real" / "transcripts.tsv").open(encoding="utf-8") as src:
        real = [
            (FIXTURES / "real" / r["file"], r["reference_text"])
            for r in csv.DictReader(src, delimiter="\t")
            if r["language"] == "zh"
        ]
    with (FIXTURES / "audio" / "fixtures.tsv").open(encoding="utf-8") as src:
        synthetic = [
            (FIXTURES / "audio" / r["file"], r["text"])
            for r in csv.DictReader(src, delimiter="\t")
            if r["channels"] == "1"
        ]
    long_form = (long_recording(Path(tempfile.mkdtemp(prefix="kesheng-bench-"))), "".join(text for _, text in real) * 2)
    return {
        "real human Mandarin": real,
        "synthetic customer service": synthetic,
        "long-form real Mandarin (161 s)": [long_form],
    }


def corpus_cer(
    items: list[tuple[Path, str]], transcriber: Transcriber, options: DecodeOptions, settings: Settings
) -> dict[str, float]:
    """Character-weighted CER over a set, and the CPU seconds it took."""
    edits = chars = 0.0
    started = time.process_time()
    for path, reference in items:
        text = transcribe_audio(decode_audio(path), transcriber, options, ("unknown",), settings.output_script).text
        edits += cer(reference, text) * len(reference)
        chars += len(reference)
    return {"cer": round(edits / chars, 4), "cpu_s": round(time.process_time() - started, 1)}


def bare_cer(items: list[tuple[Path, str]], model, options: DecodeOptions) -> float:  # type: ignore[no-untyped-def]
    """The same CER for bare faster-whisper (its own VAD, same prompt, no hotwords, no guards)."""
    from faster_whisper import decode_audio as fw_decode

    edits = chars = 0.0
    for path, reference in items:
        segments, _ = model.transcribe(
            fw_decode(str(path)),
            language=options.language,
            beam_size=options.beam_size,
            initial_prompt=options.initial_prompt,
            vad_filter=True,
        )
        edits += cer(reference, "".join(s.text for s in segments)) * len(reference)
        chars += len(reference)
    return edits / chars


def main() -> None:
    settings = Settings(model_cache=Path(tempfile.mkdtemp(prefix="kesheng-bench-models-")), _env_file=None)
    transcriber = make_transcriber(settings)
    with_vocabulary = decode_options(settings)
    variants = {
        "with hotwords": with_vocabulary,
        "without hotwords": replace(with_vocabulary, hotwords=None),
        # KESHENG_LIVE_BEAM_SIZE=1 would make live utterances ~20% faster: is it worth it?
        "with hotwords, greedy": replace(with_vocabulary, beam_size=1),
        # How much speech goes into one Whisper call (KESHENG_ASR_WINDOW_SECONDS, default 15).
        "with hotwords, 30 s windows": replace(with_vocabulary, window_seconds=30.0),
        # faster-whisper's batched pipeline, one window per speech clip (KESHENG_ASR_BATCH_SIZE=8).
        "with hotwords, batched by clip": replace(with_vocabulary, batch_size=8),
    }
    sets = corpus()
    results: dict[str, dict[str, dict[str, float]]] = {
        name: {variant: corpus_cer(items, transcriber, options, settings) for variant, options in variants.items()}
        for name, items in sets.items()
    }
    model = transcriber.model  # type: ignore[attr-defined]
    for name, items in sets.items():
        started = time.process_time()
        results[name]["bare faster-whisper"] = {
            "cer": round(bare_cer(items, model, with_vocabulary), 4),
            "cpu_s": round(time.process_time() - started, 1),
        }
    report = {"date": datetime.now(UTC).date().isoformat(), "machine": machine(), "sets": results}
    out = ROOT / "bench" / "results" / "accuracy.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
