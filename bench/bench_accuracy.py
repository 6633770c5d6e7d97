"""Character error rate of kesheng's transcription, with and without the domain vocabulary as hotwords.

    .venv/bin/python bench/bench_accuracy.py

Two sets: the real human Mandarin clips (general speech: news, lectures, small talk) and the
synthetic customer-service fixtures (domain speech). The vocabulary should help the second and
must not hurt the first much. Greedy decoding (beam 1, the live default) is measured beside beam 5.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from capture.audio import decode_audio  # noqa: E402
from kesheng.settings import Settings  # noqa: E402
from transcribe.engine import DecodeOptions, Transcriber  # noqa: E402
from transcribe.quality import cer  # noqa: E402
from transcribe.service import decode_options, make_transcriber, transcribe_audio  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def corpus() -> dict[str, list[tuple[Path, str]]]:
    """(audio, reference) pairs per set."""
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
    return {"real human Mandarin": real, "synthetic customer service": synthetic}


def corpus_cer(
    items: list[tuple[Path, str]], transcriber: Transcriber, options: DecodeOptions, settings: Settings
) -> float:
    """Character-weighted CER over a set."""
    edits = chars = 0.0
    for path, reference in items:
        text = transcribe_audio(decode_audio(path), transcriber, options, ("unknown",), settings.output_script).text
        edits += cer(reference, text) * len(reference)
        chars += len(reference)
    return edits / chars


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
    }
    results = {
        name: {
            variant: round(corpus_cer(items, transcriber, options, settings), 4)
            for variant, options in variants.items()
        }
        for name, items in corpus().items()
    }
    model = transcriber.model  # type: ignore[attr-defined]
    for name, items in corpus().items():
        results[name]["bare faster-whisper"] = round(bare_cer(items, model, with_vocabulary), 4)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
