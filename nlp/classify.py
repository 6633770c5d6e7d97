"""Text classifiers behind one interface: the bundled scikit-learn models, or transformers models.

A production user brings fine-tuned models as directories (`KESHENG_NLP_MODEL_DIR/<task>/`, any
`AutoModelForSequenceClassification` whose `id2label` names this project's labels); tasks without a
directory use the bundled default, trained by `python -m nlp.train` and shipped as a small file.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import joblib
import numpy as np

from core.errors import ConfigError

TASKS = ("sentiment", "intent", "complaint", "category", "severity", "role")
LABELS = {
    "sentiment": ("pos", "neu", "neg"),
    "intent": ("complaint", "inquiry", "request", "praise", "suggestion", "cancel", "refund", "other"),
    # Is this customer utterance a complaint about the business? Its p("yes") is the calibrated score.
    "complaint": ("no", "yes"),
    "role": ("customer", "staff"),
    "category": ("fees", "service_attitude", "waiting_time", "fraud_security", "product_fault", "delivery", "other"),
    "severity": ("low", "medium", "high"),
}
DEFAULT_MODEL_FILE = Path(__file__).parent / "models" / "default.joblib"


@dataclass(frozen=True)
class Prediction:
    """The winning label, its probability, and every label's probability."""

    label: str
    score: float
    probabilities: dict[str, float]


class TextClassifier(Protocol):
    """Classifies simplified-script, already-redacted texts."""

    labels: tuple[str, ...]

    def predict(self, texts: list[str]) -> list[Prediction]:
        """One prediction per text, in order."""
        ...


def _predictions(labels: list[str], probabilities: np.ndarray) -> list[Prediction]:
    out = []
    for row in probabilities:
        best = int(np.argmax(row))
        out.append(
            Prediction(labels[best], float(row[best]), {label: float(p) for label, p in zip(labels, row, strict=True)})
        )
    return out


class SklearnClassifier:
    """A fitted scikit-learn pipeline with predict_proba (the bundled default)."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        self.labels = tuple(str(c) for c in pipeline.classes_)

    def predict(self, texts: list[str]) -> list[Prediction]:
        """Probabilities from the pipeline, batched."""
        if not texts:
            return []
        return _predictions(list(self.labels), self.pipeline.predict_proba(texts))


class TransformersClassifier:
    """Any transformers sequence-classification model saved in a directory."""

    def __init__(self, directory: Path, task: str, max_length: int = 128) -> None:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise ConfigError("transformers models need `pip install kesheng[transformers]`") from exc
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(directory, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load a {task} model from {directory}: {exc}") from exc
        self.model.eval()
        self._torch = torch
        self.max_length = max_length
        id2label = self.model.config.id2label
        self.labels = tuple(str(id2label[i]) for i in range(len(id2label)))
        unknown = set(self.labels) - set(LABELS[task])
        if unknown:
            raise ConfigError(f"{directory}: labels {sorted(unknown)} are not {task} labels {LABELS[task]}")
        self._lock = threading.Lock()

    def predict(self, texts: list[str]) -> list[Prediction]:
        """Softmax over the model's logits, batched."""
        if not texts:
            return []
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        with self._lock, self._torch.inference_mode():
            logits = self.model(**batch).logits
        return _predictions(list(self.labels), self._torch.softmax(logits, dim=-1).numpy())


@dataclass(frozen=True)
class LoadedModels:
    """The classifiers, and the complaint thresholds chosen for the bundled detector on the development split
    (None when the detector is a transformers model, or the bundle predates the choice)."""

    classifiers: dict[str, TextClassifier]
    threshold: float | None = None
    evidence_threshold: float | None = None


def load_classifiers(
    model_dir: Path | None = None, default_file: Path = DEFAULT_MODEL_FILE
) -> dict[str, TextClassifier]:
    """One classifier per task: a transformers directory when given, else the bundled default."""
    return load_models(model_dir, default_file).classifiers


def load_models(model_dir: Path | None = None, default_file: Path = DEFAULT_MODEL_FILE) -> LoadedModels:
    """The classifiers (see load_classifiers) with the bundle's chosen thresholds."""
    classifiers: dict[str, TextClassifier] = {}
    for task in TASKS:
        directory = model_dir / task if model_dir else None
        if directory is not None and directory.is_dir():
            classifiers[task] = TransformersClassifier(directory, task)
    missing = [t for t in TASKS if t not in classifiers]
    if missing:
        if not default_file.exists():
            raise ConfigError(f"bundled NLP models missing at {default_file}; run `python -m nlp.train`")
        bundle = joblib.load(default_file)
        for task in missing:
            classifiers[task] = SklearnClassifier(bundle["models"][task])
        if "complaint" in missing:
            return LoadedModels(classifiers, bundle.get("threshold"), bundle.get("evidence_threshold"))
    return LoadedModels(classifiers)
