"""A reviewer fixes an utterance's tags: the tags change, and the fix is kept as labelled data.

Each fix is one TagCorrection row (old label, new label, the redacted text). `kesheng nlp train`
adds them to the training data: sentiment and intent fixes to those models, complaint fixes to
category and severity; "complaint" / "not a complaint" fixes teach the complaint detector itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidRequestError
from core.settings import Settings
from nlp.classify import LABELS
from store.auth import Principal
from store.cases import CaseFinding, case_of_utterance, drop_evidence, file_case, set_due
from store.models import CaseEvent, Complaint, Tag, TagCorrection, Utterance, utcnow

NOT_A_COMPLAINT = "-"


@dataclass(frozen=True)
class TagFix:
    """What the reviewer says the utterance is; None leaves that tag alone."""

    sentiment: str | None = None
    intent: str | None = None
    complaint: bool | None = None
    category: str | None = None
    severity: str | None = None

    def validate(self) -> None:
        """Refuse labels the models do not know."""
        for task in ("sentiment", "intent", "category", "severity"):
            value = getattr(self, task)
            if value is not None and value not in LABELS[task]:
                raise InvalidRequestError(f"{task} must be one of {', '.join(LABELS[task])}")
        if self.complaint is False and (self.category or self.severity):
            raise InvalidRequestError("category and severity only apply to a complaint")


def _retag(session: Session, utterance: Utterance, kind: str, label: str, who: Principal) -> None:
    old = next((t for t in utterance.tags if t.kind == kind), None)
    if old is not None and old.label == label:
        return
    session.add(
        TagCorrection(
            utterance_id=utterance.id,
            kind=kind,
            old_label=old.label if old else None,
            new_label=label,
            text=utterance.text,
            reviewer=who.username,
        )
    )
    if old is not None:
        utterance.tags.remove(old)
    utterance.tags.append(Tag(kind=kind, label=label, score=None, source="reviewer"))


def correct_tags(
    session: Session, utterance: Utterance, fix: TagFix, who: Principal, settings: Settings
) -> list[Complaint]:
    """Apply the fix; returns the case the utterance is evidence of, as it now stands."""
    fix.validate()
    for kind in ("sentiment", "intent"):
        label = getattr(fix, kind)
        if label is not None:
            _retag(session, utterance, kind, label, who)
    case = case_of_utterance(session, utterance.id)
    if fix.complaint is False:
        _correction(session, utterance, "complaint", case.category if case else None, NOT_A_COMPLAINT, who)
        if case is not None:
            drop_evidence(case, utterance.id, who.username)
    elif fix.complaint or fix.category or fix.severity:
        if case is None:
            finding = CaseFinding(fix.severity or "medium", fix.category or "other", (0,))
            case = file_case(session, utterance.interaction, [utterance], finding, settings, who.username)
            _correction(session, utterance, "complaint", NOT_A_COMPLAINT, case.category, who)
        for field in ("category", "severity"):
            value = getattr(fix, field)
            if value is not None and getattr(case, field) != value:
                _correction(session, utterance, field, getattr(case, field), value, who)
                case.events.append(
                    CaseEvent(actor=who.username, kind=field, detail=f"{getattr(case, field)} → {value}")
                )
                setattr(case, field, value)
        set_due(case, settings)
        case.updated_at = utcnow()
    session.flush()
    return [case] if case is not None else []


def _correction(session: Session, utterance: Utterance, kind: str, old: str | None, new: str, who: Principal) -> None:
    session.add(
        TagCorrection(
            utterance_id=utterance.id,
            kind=kind,
            old_label=old,
            new_label=new,
            text=utterance.text,
            reviewer=who.username,
        )
    )


def labelled_corrections(session: Session) -> dict[str, list[tuple[str, str]]]:
    """(text, label) per model task, the latest fix of each utterance and task winning."""
    latest: dict[tuple[int, str], TagCorrection] = {}
    for row in session.scalars(select(TagCorrection).order_by(TagCorrection.id)):
        latest[(row.utterance_id, row.kind)] = row
    data: dict[str, list[tuple[str, str]]] = {task: [] for task in LABELS}
    for (_, kind), row in latest.items():
        if kind in ("sentiment", "intent", "category", "severity"):
            data[kind].append((row.text, row.new_label))
        elif kind == "complaint":
            data["complaint"].append((row.text, "no" if row.new_label == NOT_A_COMPLAINT else "yes"))
            if row.new_label != NOT_A_COMPLAINT:
                data["category"].append((row.text, row.new_label))
    return data
