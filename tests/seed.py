"""A call with a complaint case, written with the store's own functions: for tests of what comes after
the transcript (queues, alerts, the CRM) that need no Whisper."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from core.settings import Settings
from store.cases import CaseFinding
from store.interactions import UtteranceRow, add_utterances, new_interaction
from store.models import Interaction, Recording
from store.repository import get_or_create_branch, get_or_create_customer

FEES = UtteranceRow(0.0, 3.0, 0, "customer", "你们乱扣我的手续费", "你们 乱 扣 我 的 手续费", sentiment=-0.6)


def call_with_case(
    session: Session,
    settings: Settings,
    *,
    customer: str | None = None,
    branch: str | None = "BJ01",
    occurred_at: datetime = datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
    said: UtteranceRow = FEES,
    severity: str = "medium",
    category: str = "fees",
    staff: str | None = None,
) -> Interaction:
    """One call of one sentence, which is the evidence of a case."""
    identity = hashlib.sha256(f"{customer}/{occurred_at.isoformat()}/{said.text}".encode()).hexdigest()
    recording = Recording(sha256=identity, path="-", size_bytes=1)
    session.add(recording)
    session.flush()
    call = new_interaction(
        session,
        recording_id=recording.id,
        asr_model="base",
        customer=get_or_create_customer(session, customer),
        branch=get_or_create_branch(session, branch),
        channel="call",
        occurred_at=occurred_at,
        staff=staff,
    )
    add_utterances(session, call, recording.id, [said], settings, finding=CaseFinding(severity, category, (0,)))
    return call
