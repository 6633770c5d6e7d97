"""Held-out figures for a loaded analyser: what the retrain gate compares and bench_nlp reports."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from sklearn.metrics import f1_score

from nlp.analyzer import Analysis, Analyzer
from nlp.corpus import Utterance, heldout_conversations, heldout_counter_talk, reviews, split_reviews

# What a retrained model must not lose against the current one (higher is better for each).
GATE = (
    ("complaint_utterance", "f1"),
    ("complaint_conversation", "f1"),
    ("intent", "macro_f1"),
    ("sentiment", "accuracy"),
)


def prf(predicted: Sequence[bool], truth: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of a yes/no decision."""
    hits = sum(p and t for p, t in zip(predicted, truth, strict=True))
    precision = hits / max(sum(predicted), 1)
    recall = hits / max(sum(truth), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "n": len(truth)}


def conversations(rows: list[Utterance]) -> list[list[Utterance]]:
    """Rows grouped by conversation, in order."""
    return [list(g) for _, g in groupby(rows, key=lambda u: u.conversation)]


def analyse_conversations(
    analyzer: Analyzer, convs: list[list[Utterance]], hide_roles: bool = False
) -> list[list[Analysis]]:
    """Each conversation analysed as a whole, with its roles given (stereo) or hidden (mono)."""
    return [
        analyzer.analyze_conversation([u.text for u in c], ["unknown" if hide_roles else u.role for u in c])
        for c in convs
    ]


def heldout_metrics(analyzer: Analyzer) -> dict[str, dict[str, float]]:
    """Intent, complaint (per utterance and per conversation), category, severity, small talk, roles, sentiment."""
    convs = conversations(heldout_conversations())
    analysed = analyse_conversations(analyzer, convs)
    pairs = [(u, a) for c, r in zip(convs, analysed, strict=True) for u, a in zip(c, r, strict=True)]
    customer = [(u, a) for u, a in pairs if u.role == "customer"]
    talk = heldout_counter_talk()
    talk_results = analyzer.analyze_many([u.text for u in talk], [u.role for u in talk])
    intent_truth = [u.intent for u, _ in customer] + [u.intent for u in talk]
    intent_pred = [a.intent.label for _, a in customer] + [a.intent.label for a in talk_results]
    complaints = [(u, a) for u, a in customer if u.is_complaint]
    mono = analyse_conversations(analyzer, convs, hide_roles=True)
    roles = [(u.role, a.role) for c, r in zip(convs, mono, strict=True) for u, a in zip(c, r, strict=True)]
    review_test = split_reviews(reviews())[1]
    review_pred = analyzer.analyze_many([t for t, _ in review_test])
    return {
        "intent": {
            "accuracy": round(
                sum(p == t for p, t in zip(intent_pred, intent_truth, strict=True)) / len(intent_truth), 4
            ),
            "macro_f1": round(float(f1_score(intent_truth, intent_pred, average="macro")), 4),
            "n": len(intent_truth),
        },
        "complaint_utterance": prf([a.complaint.flag for _, a in customer], [u.is_complaint for u, _ in customer]),
        "complaint_conversation": prf(
            [analyzer.case(r).flag for r in analysed], [any(u.is_complaint for u in c) for c in convs]
        ),
        "category": _accuracy(
            [a.complaint.category or "-" for _, a in complaints], [u.category for u, _ in complaints]
        ),
        "severity": _accuracy([a.complaint.severity for _, a in complaints], [u.severity for u, _ in complaints]),
        "false_complaints_counter_talk": {
            "rate": round(sum(a.complaint.flag for a in talk_results) / len(talk), 4),
            "n": len(talk),
        },
        "role_mono": _accuracy([p for _, p in roles], [t for t, _ in roles]),
        "sentiment": _accuracy([a.sentiment.label for a in review_pred], [label for _, label in review_test]),
    }


def _accuracy(predicted: Sequence[str], truth: Sequence[str]) -> dict[str, float]:
    right = sum(p == t for p, t in zip(predicted, truth, strict=True))
    return {"accuracy": round(right / max(len(truth), 1), 4), "n": len(truth)}


def gate(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> list[str]:
    """The gate metrics the new model is worse on (empty: it may replace the current one)."""
    return [f"{set_}.{metric}" for set_, metric in GATE if after[set_][metric] < before[set_][metric]]
