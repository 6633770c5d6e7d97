"""Analyse utterance texts: redact PII, tokenize, classify, flag complaints, pick keywords."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.classify import DEFAULT_MODEL_FILE, Prediction, TextClassifier, load_classifiers
from nlp.complaint import ComplaintAssessment, assess
from nlp.pii import PiiSpan, find_pii, redact
from nlp.script import to_simplified
from nlp.tokenize import keywords, tokenize


@dataclass(frozen=True)
class Analysis:
    """Everything the NLP stage says about one text. Only `text` holds PII."""

    text: str
    redacted: str
    tokens: tuple[str, ...]
    sentiment: Prediction
    intent: Prediction
    complaint: ComplaintAssessment
    pii: tuple[PiiSpan, ...]
    keywords: tuple[str, ...]

    @property
    def sentiment_value(self) -> float:
        """p(pos) - p(neg), in [-1, 1]: what trends are drawn from."""
        p = self.sentiment.probabilities
        return p.get("pos", 0.0) - p.get("neg", 0.0)

    def to_json(self) -> dict[str, Any]:
        """The `kesheng analyze --jsonl` object."""
        return {
            "text": self.text,
            "redacted": self.redacted,
            "tokens": list(self.tokens),
            "sentiment": {"label": self.sentiment.label, "score": round(self.sentiment.score, 4)},
            "intent": {"label": self.intent.label, "score": round(self.intent.score, 4)},
            "complaint": {
                "flag": self.complaint.flag,
                "severity": self.complaint.severity,
                "category": self.complaint.category,
            },
            "pii": [{"kind": s.kind, "start": s.start, "end": s.end} for s in self.pii],
            "keywords": list(self.keywords),
        }


def model_input(text: str) -> tuple[str, str, list[PiiSpan]]:
    """(redacted text, its simplified form for the models, PII spans) — training uses the same path."""
    spans = find_pii(text)
    redacted = redact(text, spans)
    return redacted, to_simplified(redacted), spans


class Analyzer:
    """Holds the loaded classifiers; analyse texts one by one or in batches."""

    def __init__(self, classifiers: dict[str, TextClassifier], vocabulary_file: Path | None = None) -> None:
        self.classifiers = classifiers
        self.vocabulary_file = vocabulary_file

    @classmethod
    def from_settings(
        cls, model_dir: Path | None, vocabulary_file: Path | None = None, retrained: Path | None = None
    ) -> Analyzer:
        """Load the configured models: transformers directories, else the retrained bundle, else the shipped one."""
        default = retrained if retrained is not None and retrained.exists() else DEFAULT_MODEL_FILE
        return cls(load_classifiers(model_dir, default), vocabulary_file)

    def analyze(self, text: str) -> Analysis:
        """Analyse one text."""
        return self.analyze_many([text])[0]

    def analyze_many(self, texts: list[str]) -> list[Analysis]:
        """Analyse a batch; the classifiers see the whole batch at once."""
        prepared = [model_input(t) for t in texts]
        simple = [p[1] for p in prepared]
        results = {task: clf.predict(simple) for task, clf in self.classifiers.items()}
        out = []
        for i, (text, (redacted, simplified, spans)) in enumerate(zip(texts, prepared, strict=True)):
            sentiment, intent = results["sentiment"][i], results["intent"][i]
            complaint = assess(simplified, intent, sentiment, results["category"][i], results["severity"][i])
            out.append(
                Analysis(
                    text=text,
                    redacted=redacted,
                    tokens=tuple(tokenize(redacted, self.vocabulary_file)),
                    sentiment=sentiment,
                    intent=intent,
                    complaint=complaint,
                    pii=tuple(spans),
                    keywords=tuple(keywords(redacted, vocabulary_file=self.vocabulary_file)),
                )
            )
        return out
