"""Does learning from reviewers' tag corrections help? Held-out accuracy before and after retraining.

    python bench/bench_corrections.py      # → bench/results/corrections.json

A reviewer goes through 50 customer sentences (bench/data/review_pool.tsv, written for this
bench, none in the training or held-out sets) as the bundled models tag them, and fixes every tag
that is wrong — exactly what the complaint page's "fix tags" form stores. The fixes become training
data the way `kesheng nlp train` uses them (store/corrections.labelled_corrections), and the models
are retrained with the same seed and data otherwise. Both are scored on the same held-out sets.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import machine  # noqa: E402
from nlp.analyzer import Analyzer  # noqa: E402
from nlp.train import Corrections, compare  # noqa: E402

POOL = ROOT / "bench" / "data" / "review_pool.tsv"
RESULT = ROOT / "bench" / "results" / "corrections.json"


def reviewer_fixes() -> tuple[Corrections, int]:
    """The fixes a reviewer makes to the bundled models' tags on the pool, and how many tags were wrong."""
    with POOL.open(encoding="utf-8") as src:
        rows = list(csv.DictReader(src, delimiter="\t"))
    analyses = Analyzer.from_settings(None).analyze_many([r["text"] for r in rows])
    fixes: Corrections = {"sentiment": [], "intent": [], "complaint": [], "category": [], "severity": []}
    for row, analysis in zip(rows, analyses, strict=True):
        text = analysis.redacted
        if analysis.sentiment.label != row["sentiment"]:
            fixes["sentiment"].append((text, row["sentiment"]))
        if analysis.intent.label != row["intent"]:
            fixes["intent"].append((text, row["intent"]))
        if analysis.complaint.flag != (row["category"] != "-"):
            fixes["complaint"].append((text, "yes" if row["category"] != "-" else "no"))
        if row["category"] != "-":
            if analysis.complaint.category != row["category"]:
                fixes["category"].append((text, row["category"]))
            if analysis.complaint.severity != row["severity"]:
                fixes["severity"].append((text, row["severity"]))
    return fixes, sum(len(v) for v in fixes.values())


def main() -> None:
    fixes, wrong = reviewer_fixes()
    print(f"{wrong} tag fixes: " + ", ".join(f"{k} {len(v)}" for k, v in fixes.items()))
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        before, after = compare(Path(tmp) / "nlp.joblib", fixes)
    result = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "pool_sentences": 50,
        "fixes": {k: len(v) for k, v in fixes.items()},
        "train_seconds_both": round(time.monotonic() - started, 1),
        "before": before,
        "after": after,
    }
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for name, values in after.items():
        for metric, value in values.items():
            if metric != "n":
                print(f"{name:28s} {metric:10s} {before[name][metric]:.4f} → {value:.4f}")


if __name__ == "__main__":
    main()
