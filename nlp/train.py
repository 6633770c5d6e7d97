"""Train the bundled default NLP models and report held-out figures.

    python -m nlp.train            # writes nlp/models/default.joblib and nlp/models/metrics.json

Everything it reads is in the repository (nlp/corpus.py says what and from where): training works
offline. Models: character n-gram TF-IDF + logistic regression (scikit-learn); characters, because
speech after ASR is full of near-miss words that break word features. The intent and complaint
models also see the turn before the utterance (nlp/context.py). The complaint detector's
probability is calibrated (sigmoid, cross-validated with folds that keep each template or
conversation on one side), so KESHENG_COMPLAINT_THRESHOLD means what it says.
bench/bench_nlp.py compares this choice with sentence-encoder and transformers classifiers.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from nlp.analyzer import Analyzer, model_input
from nlp.classify import DEFAULT_MODEL_FILE, SklearnClassifier, TextClassifier
from nlp.complaint import DEFAULT_THRESHOLD
from nlp.context import ContextVectorizer, with_context
from nlp.corpus import SEED, Utterance, news, nonbusiness, review_splits, training_utterances
from nlp.evaluate import DevScores, choose_threshold, gate, heldout_metrics

DOMAIN_WEIGHT = 3.0  # a domain utterance (or a reviewer's fix) counts as this many reviews for sentiment
NEWS_SAMPLE = 3000  # non-business sentences added as `other`, never a complaint
# positive reviews added to the complaint detector as "no" (and a quarter as many negative ones as "yes")
REVIEW_SAMPLE = 6000
# Review sources that are emotional posts about anything (not reviews of a business), and words that make a post
# likely to be about one.
EMOTION_POSTS = frozenset({"reviews_weibo_clue_emotion", "reviews_weibo_smp2020_virus"})
BUSINESS_WORDS = re.compile(
    r"投诉|举报|退款|退货|客服|售后|差评|维修|商家|店家|银行|快递|外卖|物业|酒店|运营商|移动|联通|电信"
)
CHAT_SAMPLE = 12_000  # real chat turns, speech transcripts and subtitles added to the complaint detector as "no"

Corrections = dict[str, list[tuple[str, str]]]  # task → (redacted text, label): reviewers' tag fixes
Metrics = dict[str, dict[str, float]]


def prepare(texts: list[str]) -> list[str]:
    """The exact text the analyser shows the models: redacted, simplified."""
    return [model_input(t)[1] for t in texts]


def char_model(c: float, ngrams: tuple[int, int] = (1, 3), max_features: int = 80_000) -> Pipeline:
    """TF-IDF over character n-grams, then a balanced logistic regression."""
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True, max_features=max_features),
            ),
            ("clf", LogisticRegression(C=c, max_iter=3000, class_weight="balanced")),
        ]
    )


def context_model(c: float) -> Pipeline:
    """Character n-grams of the utterance and of the turn before it, then logistic regression."""
    return Pipeline(
        [("features", ContextVectorizer()), ("clf", LogisticRegression(C=c, max_iter=3000, class_weight="balanced"))]
    )


def sentiment_model() -> Pipeline:
    """Character n-grams with a larger vocabulary: the review sources bring many more distinct phrases."""
    return char_model(4.0, max_features=200_000)


def _complaint_examples(review_train: dict[str, list[tuple[str, str]]], rng: random.Random) -> list[tuple[str, str]]:
    """Written text beside the spoken data: praise of a business is not a complaint and written grumbles about
    one are (fewer of them, so they do not outweigh spoken ones); emotional posts about anything else and
    real chat, transcripts and subtitles are not complaints."""
    about_business = [p for name, rows in review_train.items() if name not in EMOTION_POSTS for p in rows]
    posts = [t for name, rows in review_train.items() if name in EMOTION_POSTS for t, _ in rows]
    posts = [t for t in posts if not BUSINESS_WORDS.search(t)]  # a post about a shop or a bank may be a complaint
    positive = [t for t, label in about_business if label == "pos"]
    negative = [t for t, label in about_business if label == "neg"]
    chat = nonbusiness()
    return (
        [(t, "no") for t in rng.sample(positive, min(REVIEW_SAMPLE, len(positive)))]
        + [(t, "yes") for t in rng.sample(negative, min(REVIEW_SAMPLE // 4, len(negative)))]
        + [(t, "no") for t in posts]
        + [(t, "no") for t in rng.sample(chat, min(CHAT_SAMPLE, len(chat)))]
    )


def _contextual(rows: list[Utterance]) -> list[str]:
    return [
        with_context(p or None, t)
        for p, t in zip(prepare([u.previous for u in rows]), prepare([u.text for u in rows]), strict=True)
    ]


def fit_models(
    corrections: Corrections | None = None, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Fit every task's model on the training data plus reviewers' fixes (fixes weigh like domain data)."""
    fixes: Corrections = {task: list(pairs) for task, pairs in (corrections or {}).items()}
    rng = random.Random(SEED)
    domain = training_utterances()
    customer = [u for u in domain if u.role == "customer"]
    general = [
        Utterance(t, "", "customer", "other", "neu", "-", "-", f"n{i}")
        for i, t in enumerate(rng.sample(news(), NEWS_SAMPLE))
    ]
    review_train = {name: train for name, (train, _) in review_splits().items()}
    models: dict[str, Any] = {}

    progress("sentiment")
    polar = [pair for rows in review_train.values() for pair in rows]
    s_texts = [t for t, _ in polar] + [u.text for u in general + customer] + [t for t, _ in fixes.get("sentiment", [])]
    s_labels = [label for _, label in polar] + [u.sentiment for u in general + customer]
    s_labels += [label for _, label in fixes.get("sentiment", [])]
    weights = np.array(
        [1.0] * (len(polar) + len(general)) + [DOMAIN_WEIGHT] * (len(customer) + len(fixes.get("sentiment", [])))
    )
    models["sentiment"] = sentiment_model().fit(prepare(s_texts), s_labels, clf__sample_weight=weights)

    progress("intent")
    rows = customer + general
    i_inputs = _contextual(rows) + prepare([t for t, _ in fixes.get("intent", [])])
    i_labels = [u.intent for u in rows] + [label for _, label in fixes.get("intent", [])]
    models["intent"] = context_model(5.0).fit(i_inputs, i_labels)

    progress("complaint")
    sampled = _complaint_examples(review_train, rng)
    complaint_fixes = fixes.get("complaint", []) * int(DOMAIN_WEIGHT)
    c_inputs = _contextual(rows) + prepare([t for t, _ in sampled + complaint_fixes])
    c_labels = ["yes" if u.is_complaint else "no" for u in rows] + [label for _, label in sampled + complaint_fixes]
    groups = [u.group for u in rows] + [f"r{i}" for i in range(len(sampled))]
    groups += [f"f{i % max(len(fixes.get('complaint', [])), 1)}" for i in range(len(complaint_fixes))]
    folds = list(GroupKFold(n_splits=5).split(c_inputs, c_labels, groups))
    detector = CalibratedClassifierCV(context_model(4.0), method="sigmoid", cv=folds, ensemble=False)
    models["complaint"] = detector.fit(c_inputs, c_labels)

    flagged = [u for u in customer if u.is_complaint]
    for task in ("category", "severity"):
        progress(task)
        pairs = [(u.text, getattr(u, task)) for u in flagged] + fixes.get(task, [])
        models[task] = char_model(5.0).fit(prepare([t for t, _ in pairs]), [label for _, label in pairs])

    progress("role")
    r_texts = [u.text for u in domain] + [t for t, _ in fixes.get("role", [])]
    r_labels = [u.role for u in domain] + [label for _, label in fixes.get("role", [])]
    models["role"] = char_model(3.0, (1, 2)).fit(prepare(r_texts), r_labels)
    return models


def analyzer_for(
    models: dict[str, Any], threshold: float = DEFAULT_THRESHOLD, evidence: float | None = None
) -> Analyzer:
    """An analyser over freshly fitted models."""
    classifiers: dict[str, TextClassifier] = {task: SklearnClassifier(model) for task, model in models.items()}
    return Analyzer(classifiers, threshold=threshold, evidence_threshold=evidence)


@dataclass(frozen=True)
class Measured:
    """Thresholds chosen on the development split, and the held-out figures at them."""

    threshold: float
    evidence_threshold: float
    metrics: Metrics


def measured(models: dict[str, Any]) -> Measured:
    """Choose the thresholds on the development split, then measure on the held-out sets."""
    scores = DevScores.of(analyzer_for(models))
    threshold, evidence, _ = choose_threshold(scores)
    metrics = heldout_metrics(analyzer_for(models, threshold, evidence))
    metrics["threshold"] = scores.at(threshold, evidence)  # the development figures at the chosen point
    return Measured(threshold, evidence, metrics)


def save(result: Measured, models: dict[str, Any], output: Path, corrections: Corrections | None = None) -> None:
    """Write the bundle (and its metrics beside it)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    counts = {task: len(pairs) for task, pairs in (corrections or {}).items()}
    bundle = {
        "models": models,
        "threshold": result.threshold,
        "evidence_threshold": result.evidence_threshold,
        "metrics": result.metrics,
        "seed": SEED,
        "corrections": counts,
    }
    joblib.dump(bundle, output, compress=3)
    name = "metrics.json" if output == DEFAULT_MODEL_FILE else output.stem + ".metrics.json"
    output.with_name(name).write_text(json.dumps(result.metrics, indent=2) + "\n")


def train(output: Path | None, corrections: Corrections | None = None) -> Metrics:
    """Fit, choose the threshold on the development split, measure on the held-out sets, and save to
    `output` (None: measure only)."""
    models = fit_models(corrections)
    result = measured(models)
    if output is not None:
        save(result, models, output, corrections)
    return result.metrics


def compare(output: Path, corrections: Corrections) -> tuple[Metrics, Metrics]:
    """Held-out figures without and with the corrections (same seed and data otherwise); saves the latter."""
    return train(None), train(output, corrections)


@dataclass(frozen=True)
class Retrained:
    """What `kesheng nlp train` did: figures before and after, and whether the new models replaced the old."""

    before: Metrics
    after: Metrics
    worse: list[str]  # gate metrics the new models lost on; empty when accepted
    written: Path  # the active bundle when accepted, else where the refused one was put for inspection

    @property
    def accepted(self) -> bool:
        """The new models are now the ones the service loads."""
        return not self.worse


def previous_file(output: Path) -> Path:
    """Where the models a retrain replaced are kept."""
    return output.with_name(output.stem + ".previous" + output.suffix)


def retrain(output: Path, corrections: Corrections, force: bool = False) -> Retrained:
    """Retrain with the corrections; replace the active models at `output` only if not worse on the held-out sets."""
    current = output if output.exists() else DEFAULT_MODEL_FILE
    active = Analyzer.from_settings(None, None, current)
    before = heldout_metrics(active)
    before["threshold"] = DevScores.of(active).at(active.threshold, active.evidence_threshold)
    models = fit_models(corrections)
    result = measured(models)
    after = result.metrics
    worse = [] if force else gate(before, after)
    if worse:
        refused = output.with_name(output.stem + ".refused" + output.suffix)
        save(result, models, refused, corrections)
        return Retrained(before, after, worse, refused)
    if output.exists():
        shutil.copy2(output, previous_file(output))
    save(result, models, output, corrections)
    return Retrained(before, after, [], output)


def restore(output: Path) -> Path | None:
    """Put back the models the last retrain replaced; None when it replaced the shipped ones (now active again)."""
    previous = previous_file(output)
    if previous.exists():
        shutil.move(previous, output)
        return output
    output.unlink(missing_ok=True)
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_FILE)
    args = parser.parse_args(argv)
    for name, values in train(args.output).items():
        print(f"{name:30s} " + "  ".join(f"{k}={v}" for k, v in values.items()))
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
