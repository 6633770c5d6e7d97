"""Analyse utterance texts: redact PII, tokenize, infer roles, classify, flag complaints, pick keywords."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.cases import Case, decide_case
from nlp.classify import DEFAULT_MODEL_FILE, Prediction, TextClassifier, load_models
from nlp.complaint import DEFAULT_THRESHOLD, ComplaintAssessment, assess
from nlp.context import CONTEXT_TASKS, with_context
from nlp.pii import PiiSpan, find_pii, redact
from nlp.roles import infer_roles
from nlp.tokenize import keywords, tokenize
from zhtext.script import to_simplified


@dataclass(frozen=True)
class Analysis:
    """Everything the NLP stage says about one text. Only `text` holds PII."""

    text: str
    redacted: str
    role: str
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
            "role": self.role,
            "tokens": list(self.tokens),
            "sentiment": {"label": self.sentiment.label, "score": round(self.sentiment.score, 4)},
            "intent": {"label": self.intent.label, "score": round(self.intent.score, 4)},
            "complaint": {
                "flag": self.complaint.flag,
                "severity": self.complaint.severity,
                "category": self.complaint.category,
                "score": round(self.complaint.score, 4),
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
    """Holds the loaded classifiers; analyse single texts, batches of unrelated texts, or conversations."""

    def __init__(
        self,
        classifiers: dict[str, TextClassifier],
        vocabulary_file: Path | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        evidence_threshold: float | None = None,
    ) -> None:
        self.classifiers = classifiers
        self.vocabulary_file = vocabulary_file
        self.threshold = threshold
        # Inside a conversation that already holds a complaint, the bar for its other customer utterances:
        # once one complaint is sure, the turns around it are far more likely to be part of it.
        self.evidence_threshold = threshold if evidence_threshold is None else min(evidence_threshold, threshold)

    @classmethod
    def from_settings(
        cls,
        model_dir: Path | None,
        vocabulary_file: Path | None = None,
        retrained: Path | None = None,
        threshold: float | None = None,
        evidence_threshold: float | None = None,
    ) -> Analyzer:
        """Load the configured models: transformers directories, else the retrained bundle, else the shipped one.
        Thresholds not given are the ones chosen for the bundled detector on the development split."""
        default = retrained if retrained is not None and retrained.exists() else DEFAULT_MODEL_FILE
        models = load_models(model_dir, default)
        bar = threshold if threshold is not None else models.threshold or DEFAULT_THRESHOLD
        evidence = evidence_threshold if evidence_threshold is not None else models.evidence_threshold
        return cls(models.classifiers, vocabulary_file, bar, evidence)

    def analyze(self, text: str, role: str = "unknown") -> Analysis:
        """Analyse one text on its own."""
        return self._analyze([text], [role], context=False)[0]

    def analyze_many(self, texts: list[str], roles: Sequence[str] | None = None) -> list[Analysis]:
        """Analyse unrelated texts (each judged alone); the classifiers see the whole batch at once."""
        return self._analyze(texts, list(roles or ["unknown"] * len(texts)), context=False)

    def analyze_conversation(self, texts: list[str], roles: Sequence[str] | None = None) -> list[Analysis]:
        """Analyse one conversation's utterances in spoken order: each is judged after the turn before it,
        and unknown roles are inferred from the words and the order of turns."""
        return self._analyze(texts, list(roles or ["unknown"] * len(texts)), context=True)

    def case(self, analyses: Sequence[Analysis]) -> Case:
        """Whether a conversation holds a complaint for review, and its evidence."""
        return decide_case([a.complaint for a in analyses])

    def _analyze(self, texts: list[str], given: list[str], context: bool) -> list[Analysis]:
        prepared = [model_input(t) for t in texts]
        simple = [p[1] for p in prepared]
        p_staff = [p.probabilities.get("staff", 0.0) for p in self.classifiers["role"].predict(simple)]
        if context:
            roles = infer_roles(given, p_staff)
        else:  # no turn order to go by: the words alone
            roles = [
                g if g in ("staff", "customer") else ("staff" if p >= 0.5 else "customer")
                for g, p in zip(given, p_staff, strict=True)
            ]
        inputs = [with_context(simple[i - 1] if context and i else None, s) for i, s in enumerate(simple)]
        results = {
            task: clf.predict(inputs if task in CONTEXT_TASKS else simple)
            for task, clf in self.classifiers.items()
            if task != "role"
        }

        def assessed(bar: float) -> list[ComplaintAssessment]:
            return [
                assess(s, roles[i], results["complaint"][i], results["category"][i], results["severity"][i], bar)
                for i, s in enumerate(simple)
            ]

        complaints = assessed(self.threshold)
        if context and self.evidence_threshold < self.threshold and any(c.flag for c in complaints):
            complaints = assessed(self.evidence_threshold)  # the conversation holds a complaint: its turns join
        out = []
        for i, (text, (redacted, _, spans)) in enumerate(zip(texts, prepared, strict=True)):
            out.append(
                Analysis(
                    text=text,
                    redacted=redacted,
                    role=roles[i],
                    tokens=tuple(tokenize(redacted, self.vocabulary_file)),
                    sentiment=results["sentiment"][i],
                    intent=results["intent"][i],
                    complaint=complaints[i],
                    pii=tuple(spans),
                    keywords=tuple(keywords(redacted, vocabulary_file=self.vocabulary_file)),
                )
            )
        return out
