"""Held-out figures for a loaded analyser: what the retrain gate compares and bench_nlp reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from sklearn.metrics import f1_score

from nlp.analyzer import Analysis, Analyzer
from nlp.corpus import (
    Utterance,
    dev_conversations,
    dev_counter_talk,
    dev_nonbusiness,
    heldout_conversations,
    heldout_counter_talk,
    review_splits,
)

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
    review_test = [pair for _, held in review_splits().values() for pair in held]
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


# 0.30 … 0.90. Also the floor of the evidence bar: an utterance joins a case's evidence only when the detector
# alone gives it at least 30% (the development split, whose writer marked nearly every customer turn of a
# complaint conversation, would push the bar to the bottom of any grid).
THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(13))
FALSE_COMPLAINT_GOAL = 0.02  # at most this share of ordinary talk may be flagged


@dataclass(frozen=True)
class DevScores:
    """p(complaint) on the development split, from which any threshold's figures follow without re-analysing."""

    conversations: list[list[tuple[float, bool]]]  # per conversation: (score, labelled complaint), customers only
    counter_talk: list[float]
    nonbusiness: list[float]

    @classmethod
    def of(cls, analyzer: Analyzer) -> DevScores:
        """Score the development conversations (roles given), counter talk and non-business sentences."""
        convs = conversations(dev_conversations())
        analysed = analyse_conversations(analyzer, convs)
        talk = [u.text for u in dev_counter_talk()]
        speech = dev_nonbusiness()
        return cls(
            [
                [(a.complaint.score, u.is_complaint) for u, a in zip(c, r, strict=True) if u.role == "customer"]
                for c, r in zip(convs, analysed, strict=True)
            ],
            [a.complaint.score for a in analyzer.analyze_many(talk, ["customer"] * len(talk))],
            [a.complaint.score for a in analyzer.analyze_many(speech, ["customer"] * len(speech))],
        )

    def at(self, threshold: float, evidence: float | None = None) -> dict[str, float]:
        """Per-conversation and per-utterance precision/recall/F1 and the false-complaint rates at `threshold`,
        with `evidence` as the bar for the other utterances of a conversation that holds a complaint."""
        flags = [_flags(c, threshold, threshold if evidence is None else evidence) for c in self.conversations]
        case = prf([any(f) for f in flags], [any(t for _, t in c) for c in self.conversations])
        utterance = prf([f for fs in flags for f in fs], [t for c in self.conversations for _, t in c])
        return {
            "threshold": threshold,
            "evidence_threshold": threshold if evidence is None else evidence,
            "conversation_precision": case["precision"],
            "conversation_recall": case["recall"],
            "conversation_f1": case["f1"],
            "utterance_f1": utterance["f1"],
            "false_counter_talk": _rate(self.counter_talk, threshold),
            "false_nonbusiness": _rate(self.nonbusiness, threshold),
        }


def _flags(conversation: list[tuple[float, bool]], threshold: float, evidence: float) -> list[bool]:
    bar = evidence if any(s >= threshold for s, _ in conversation) else threshold
    return [s >= bar for s, _ in conversation]


def _rate(scores: Sequence[float], threshold: float) -> float:
    return round(sum(s >= threshold for s in scores) / max(len(scores), 1), 4)


def choose_threshold(scores: DevScores) -> tuple[float, float, list[dict[str, float]]]:
    """The development split's operating point. The threshold: the best per-conversation F1 among those that
    keep false complaints on ordinary talk and on non-business speech within the goal (the lowest on a tie,
    for recall); when none does, the one with the fewest false complaints. Then the evidence bar inside a
    conversation that holds a complaint: the best per-utterance F1 at or below it (the highest on a tie).
    Returns both and the sweep they were chosen from."""
    sweep = [scores.at(t) for t in THRESHOLDS]
    within = [r for r in sweep if max(r["false_counter_talk"], r["false_nonbusiness"]) <= FALSE_COMPLAINT_GOAL]
    if within:
        best = max(within, key=lambda r: (r["conversation_f1"], -r["threshold"]))
    else:
        best = min(sweep, key=lambda r: (max(r["false_counter_talk"], r["false_nonbusiness"]), -r["conversation_f1"]))
    threshold = best["threshold"]
    inside = [scores.at(threshold, e) for e in THRESHOLDS if e <= threshold]
    evidence = max(inside, key=lambda r: (r["utterance_f1"], r["evidence_threshold"]))["evidence_threshold"]
    return threshold, evidence, [*sweep, *(r for r in inside if r["evidence_threshold"] != threshold)]


def measured_on(name: str) -> str:
    """What a row of the models' metrics was measured on: the development split for the chosen thresholds'
    row, the held-out sets for every other."""
    return "development split, at the chosen thresholds" if name == "threshold" else f"held-out: {name}"


def _accuracy(predicted: Sequence[str], truth: Sequence[str]) -> dict[str, float]:
    right = sum(p == t for p, t in zip(predicted, truth, strict=True))
    return {"accuracy": round(right / max(len(truth), 1), 4), "n": len(truth)}


def gate(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> list[str]:
    """The gate metrics the new model is worse on (empty: it may replace the current one)."""
    return [f"{set_}.{metric}" for set_, metric in GATE if after[set_][metric] < before[set_][metric]]
