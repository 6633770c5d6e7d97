"""Per interaction: does it hold a complaint for review, and which utterances are the evidence?

One conversation gives at most one case, however many of its sentences complain: a complaint
that starts as a question and turns angry over several turns is one customer problem. A threat
to take it outside (regulator, media, lawyer, police) anywhere in a conversation that holds a
complaint makes the case high and joins the evidence; in one that holds none it changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nlp.complaint import SEVERITY_ORDER, ComplaintAssessment


@dataclass(frozen=True)
class Case:
    """The interaction-level decision the complaint queue works from."""

    flag: bool
    severity: str
    category: str | None
    score: float
    evidence: tuple[int, ...]  # 0-based indices of the utterances that complain

    def to_json(self) -> dict[str, Any]:
        """The `case` object of `kesheng analyze --cases`."""
        return {
            "flag": self.flag,
            "severity": self.severity,
            "category": self.category,
            "score": round(self.score, 4),
            "evidence": list(self.evidence),
        }


def decide_case(complaints: Sequence[ComplaintAssessment]) -> Case:
    """The case of one conversation from its utterances' assessments (in spoken order)."""
    score = max((c.score for c in complaints), default=0.0)
    evidence = tuple(i for i, c in enumerate(complaints) if c.flag)
    if not evidence:
        return Case(False, "none", None, score, ())
    flagged = [complaints[i] for i in evidence]
    severity = max((c.severity for c in flagged), key=SEVERITY_ORDER.index)
    threats = tuple(i for i, c in enumerate(complaints) if c.escalation)
    if threats:
        severity = "high"
        evidence = tuple(sorted(set(evidence) | set(threats)))
    votes: dict[str, float] = defaultdict(float)
    for c in flagged:
        votes[c.category or "other"] += c.score
    # "other" is the classifier not naming the problem: any sentence that names it decides
    category = max(votes, key=lambda k: (k != "other", votes[k]))
    return Case(True, severity, category, score, evidence)
