"""Print the README's benchmark and NLP tables from bench/results/latest.json and nlp/models/metrics.json
(bench/bench_nlp.py prints its own table)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.evaluate import measured_on  # noqa: E402


def bench_table(result: dict) -> str:
    """Markdown for the import-vs-bare rows plus the single figures."""
    m = result["machine"]
    s = result["settings"]
    lines = [
        f"Measured {result['date']} on {m['cores']} cores of an {m['cpu']}, {m['memory_gib']} GiB, no GPU; "
        f"Whisper {s['model']} {s['compute_type']} on {s['device']}, {s['cpu_threads']} threads, "
        f"beam {s['beam_size']}, VAD on. Medians of interleaved runs.",
        "",
        "| file | audio | bare faster-whisper | kesheng import | ratio (wall) | ratio (CPU) | × real time |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["import_vs_bare"]:
        lines.append(
            f"| {row['file']} | {row['audio_s']} s | {row['bare_s']} s | {row['pipeline_s']} s | "
            f"{row['ratio']:.3f} | {row.get('cpu_ratio', float('nan')):.3f} | {row['pipeline_x_realtime']} |"
        )
    lines += [
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| Whisper model load | {result['whisper_load_s']} s |",
        f"| NLP models load (incl. jieba dictionary) | {result['nlp_load_s']} s |",
        f"| NLP analysis (batched) | {result['nlp_utterances_per_s']} utterances/s |",
        f"| peak memory of the benchmark process | {result['peak_rss_mb']} MB |",
    ]
    return "\n".join(lines)


def nlp_table(metrics: dict) -> str:
    """Markdown for the held-out NLP figures the retrain gate compares (nlp/models/metrics.json)."""
    lines = ["| measured on | figures |", "| --- | --- |"]
    for name, values in metrics.items():
        lines.append(f"| {measured_on(name)} | " + ", ".join(f"{k} {v}" for k, v in values.items()) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(bench_table(json.loads((ROOT / "bench" / "results" / "latest.json").read_text())))
    print()
    print(nlp_table(json.loads((ROOT / "nlp" / "models" / "metrics.json").read_text())))
