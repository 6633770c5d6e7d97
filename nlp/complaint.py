"""Decide whether an utterance is a complaint, how severe, and about what.

The classifiers carry the judgement (intent, sentiment, category, severity models); the rules
here only combine them and raise severity for explicit escalation, which customers state in
a few fixed ways (regulators, media, lawyers, police) and which must never be scored low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.classify import Prediction

SEVERITY_ORDER = ("none", "low", "medium", "high")
# Threats to take it outside: regulator, consumer bodies, media, courts, police.
ESCALATION = re.compile(
    r"银保监|金融监管|监管局|人民银行|消费者协会|消协|12315|12345|工信部|315|"
    r"媒体|曝光|记者|律师|起诉|法院|报警|警察"
)
EXPLICIT = re.compile(r"投诉|举报")
COMPLAINT_PRIOR = 0.35  # intent probability of 'complaint' that, with negative sentiment, is enough


@dataclass(frozen=True)
class ComplaintAssessment:
    """The complaint flag with its severity and category ('none'/None when not a complaint)."""

    flag: bool
    severity: str
    category: str | None


NOT_A_COMPLAINT = ComplaintAssessment(False, "none", None)


def _at_least(severity: str, floor: str) -> str:
    return max(severity, floor, key=SEVERITY_ORDER.index)


def is_complaint(intent: Prediction, sentiment: Prediction, text: str) -> bool:
    """A complaint intent, or dissatisfaction voiced through another intent (cancel, refund...)."""
    negative = sentiment.label == "neg"
    if intent.label == "complaint":
        # Two models must not contradict each other: confident praise-like wording is not a complaint
        # unless the customer says "投诉" outright.
        return not (sentiment.label == "pos" and sentiment.score >= 0.7 and not EXPLICIT.search(text))
    if negative and intent.probabilities.get("complaint", 0.0) >= COMPLAINT_PRIOR:
        return True
    if negative and intent.label in ("cancel", "refund") and sentiment.score >= 0.6:
        return True
    return bool(EXPLICIT.search(text)) and negative


def assess(
    text: str, intent: Prediction, sentiment: Prediction, category: Prediction, severity: Prediction
) -> ComplaintAssessment:
    """Combine the model outputs for one simplified, redacted utterance."""
    if not is_complaint(intent, sentiment, text):
        return NOT_A_COMPLAINT
    level = severity.label
    if ESCALATION.search(text) or category.label == "fraud_security":
        level = "high"
    elif EXPLICIT.search(text):
        level = _at_least(level, "medium")
    return ComplaintAssessment(True, level, category.label)
