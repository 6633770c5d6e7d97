"""Decide whether an utterance is a complaint, how severe, and about what.

The complaint detector's calibrated probability carries the decision: an utterance is a complaint
when the speaker is not staff and p(complaint) reaches the threshold (KESHENG_COMPLAINT_THRESHOLD).
The rules here only set severity: explicit escalation (regulators, consumer bodies, media, courts,
police) makes a complaint high, and saying 投诉 outright makes it at least medium. Neither ever
makes a complaint out of an utterance the detector did not flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.classify import Prediction

SEVERITY_ORDER = ("none", "low", "medium", "high")
DEFAULT_THRESHOLD = 0.5
# Threats to take it outside: regulator, consumer bodies, media, courts, police.
ESCALATION = re.compile(
    r"银保监|金融监管|监管局|监管部门|人民银行|消费者协会|消协|12315|12345|市长热线|工信部|315|"
    r"媒体|曝光|记者|律师|起诉|法院|打官司|报警|警察"
)
EXPLICIT = re.compile(r"投诉|举报")


@dataclass(frozen=True)
class ComplaintAssessment:
    """The complaint flag with its severity, category ('none'/None when not one) and p(complaint)."""

    flag: bool
    severity: str
    category: str | None
    score: float
    escalation: bool = False  # a customer threatens to take it outside (raises a complaint case to high)


def _at_least(severity: str, floor: str) -> str:
    return max(severity, floor, key=SEVERITY_ORDER.index)


def assess(
    text: str, role: str, complaint: Prediction, category: Prediction, severity: Prediction, threshold: float
) -> ComplaintAssessment:
    """Combine the model outputs for one simplified, redacted utterance; staff never complain."""
    score = 0.0 if role == "staff" else complaint.probabilities.get("yes", 0.0)
    escalation = role != "staff" and bool(ESCALATION.search(text))
    if role == "staff" or score < threshold:
        return ComplaintAssessment(False, "none", None, score, escalation)
    level = severity.label
    if escalation or category.label == "fraud_security":
        level = "high"
    elif EXPLICIT.search(text):
        level = _at_least(level, "medium")
    return ComplaintAssessment(True, level, category.label, score, escalation)
