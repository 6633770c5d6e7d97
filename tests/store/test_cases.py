"""Complaint cases on SQLite and PostgreSQL: one per problem, reopened by the same customer's later
complaint, escalated with a second alert, dismissed when its evidence is taken back; and the
migration that merges the old one-row-per-sentence complaints into cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, text

from core.errors import InvalidRequestError
from core.settings import Settings
from store.cases import (
    CaseFinding,
    ComplaintFilter,
    case_of_interaction,
    drop_evidence,
    escalate_overdue,
    file_case,
    list_complaints,
    update_complaint,
)
from store.db import Database, alembic_config
from store.interactions import UtteranceRow, add_utterances, new_interaction
from store.models import CaseEvidence, Complaint, Interaction, Recording, WebhookDelivery
from store.repository import get_or_create_branch, get_or_create_customer

SETTINGS = Settings(webhook_url="http://127.0.0.1:9/hook", alert_severity="medium", _env_file=None)
DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ASK = UtteranceRow(0.0, 2.0, 0, "customer", "我想问一下年费", "我 想 问 一下 年费")
FEES = UtteranceRow(2.0, 5.0, 0, "customer", "你们乱扣我的手续费", "你们 乱 扣 我 的 手续费")
AGAIN = UtteranceRow(5.0, 8.0, 0, "customer", "上个月也扣了两次", "上 个 月 也 扣 了 两 次")


def _call(session, when: datetime, customer: str | None = "C-1", sha: str = "a") -> Interaction:  # type: ignore[no-untyped-def]
    recording = Recording(sha256=(sha * 64)[:64], path=f"{sha}.wav", size_bytes=10, duration=8.0)
    session.add(recording)
    session.flush()
    return new_interaction(
        session,
        recording_id=recording.id,
        asr_model="base",
        customer=get_or_create_customer(session, customer),
        branch=get_or_create_branch(session, "BJ01"),
        channel="call",
        occurred_at=when,
    )


def _cases(session) -> list[Complaint]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(Complaint).order_by(Complaint.id)))


def _alerts(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0


def test_a_complaint_told_over_two_sentences_is_one_case_with_one_alert(db: Database) -> None:
    with db.transaction() as session:
        call = _call(session, DAY)
        rows = [ASK, FEES, AGAIN]
        add_utterances(session, call, call.recording_id, rows, SETTINGS, finding=CaseFinding("medium", "fees", (1, 2)))
        [case] = _cases(session)
        assert [e.utterance.text for e in case.evidence] == ["你们乱扣我的手续费", "上个月也扣了两次"]
        assert case.text == "你们乱扣我的手续费\n上个月也扣了两次" and case.utterance.text == "你们乱扣我的手续费"
        assert case.occurred_at == DAY and case.last_contact_at == DAY and case.contacts == 1
        assert case.due_at == DAY + timedelta(days=7)  # medium: a week from when it was said
        assert [e.kind for e in case.events] == ["opened"] and _alerts(session) == 1
        assert case_of_interaction(session, call.id) is case


def test_the_same_customer_and_category_within_the_window_reopens_the_case(db: Database) -> None:
    with db.transaction() as session:
        first = _call(session, DAY, sha="a")
        add_utterances(
            session, first, first.recording_id, [FEES], SETTINGS, finding=CaseFinding("medium", "fees", (0,))
        )
        [case] = _cases(session)
        update_complaint(session, case.id, status="resolved", author="li.wei")
        # an earlier call imported later, then a call 20 days on that also complains of fees
        earlier = _call(session, DAY - timedelta(days=3), sha="b")
        add_utterances(
            session, earlier, earlier.recording_id, [AGAIN], SETTINGS, finding=CaseFinding("low", "fees", (0,))
        )
        later = _call(session, DAY + timedelta(days=20), sha="c")
        add_utterances(session, later, later.recording_id, [FEES], SETTINGS, finding=CaseFinding("high", "fees", (0,)))
        [case] = _cases(session)
        assert case.contacts == 3 and len(case.evidence) == 3
        assert case.occurred_at == DAY - timedelta(days=3) and case.last_contact_at == DAY + timedelta(days=20)
        assert case.status == "new" and case.resolved_at is None  # the customer raised it again
        assert case.severity == "high" and case.due_at == case.occurred_at + timedelta(days=2)
        kinds = [e.kind for e in case.events]
        assert kinds == ["opened", "status", "contact", "reopened", "contact", "escalated"], kinds
        assert _alerts(session) == 2  # when it was opened, and when it escalated to high


@pytest.mark.parametrize(
    ("customer", "category", "days", "status"),
    [
        ("C-2", "fees", 5, "new"),  # another customer
        ("C-1", "waiting_time", 5, "new"),  # another problem
        ("C-1", "fees", 45, "new"),  # long after (the window is 30 days)
        ("C-1", "fees", 5, "dismissed"),  # a dismissed case was judged no complaint
        (None, "fees", 0, "new"),  # nobody known to match
    ],
)
def test_otherwise_a_new_case_is_opened(
    db: Database, customer: str | None, category: str, days: int, status: str
) -> None:
    with db.transaction() as session:
        first = _call(session, DAY, customer=customer or "C-1", sha="a") if customer else _call(session, DAY, None)
        add_utterances(session, first, first.recording_id, [FEES], SETTINGS, finding=CaseFinding("low", "fees", (0,)))
        update_complaint(
            session, _cases(session)[0].id, status=status, note="不是投诉" if status == "dismissed" else None
        )
        second = _call(session, DAY + timedelta(days=days), customer="C-1" if customer else None, sha="b")
        finding = CaseFinding("low", category, (0,))
        add_utterances(session, second, second.recording_id, [AGAIN], SETTINGS, finding=finding)
        assert len(_cases(session)) == 2


def test_taking_back_the_only_evidence_dismisses_the_case(db: Database) -> None:
    with db.transaction() as session:
        call = _call(session, DAY)
        stored = add_utterances(session, call, call.recording_id, [ASK, FEES], SETTINGS)
        case = file_case(session, call, stored, CaseFinding("medium", "fees", (0, 1)), SETTINGS)
        session.flush()
        drop_evidence(case, stored[0].id, "li.wei")
        assert case.status == "new" and case.text == "你们乱扣我的手续费"
        drop_evidence(case, stored[1].id, "li.wei")
        assert case.status == "dismissed" and case.events[-1].actor == "li.wei"
        assert case_of_interaction(session, call.id) is None  # its sentences may start a case again


def test_the_migration_merges_each_interactions_complaint_rows_into_one_case(database_url: str) -> None:
    db = Database(database_url)
    config = alembic_config(database_url)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
    with db.engine.begin() as connection:
        rows = [
            "INSERT INTO customers (id, external_id, created_at) VALUES (1, 'C-1', '2026-11-02 09:00:00')",
            "INSERT INTO recordings (id, sha256, path, size_bytes, created_at) "
            "VALUES (1, 'a', 'a.wav', 10, '2026-12-01 00:00:00')",
            "INSERT INTO interactions (id, recording_id, customer_id, channel, occurred_at, asr_model, created_at) "
            "VALUES (1, 1, 1, 'call', '2026-11-02 09:00:00', 'base', '2026-12-01 00:00:00')",
            *(
                'INSERT INTO utterances (id, interaction_id, start, "end", channel, role, text) '
                f"VALUES ({i}, 1, {i}, {i + 1}, 0, 'customer', 'u{i}')"
                for i in (1, 2, 3)
            ),
            *(
                "INSERT INTO complaints (id, interaction_id, utterance_id, customer_id, severity, category, status, "
                f"text, created_at, updated_at) VALUES ({i}, 1, {i}, 1, '{sev}', 'fees', 'new', 'u{i}', "
                "'2026-12-01 00:00:00', '2026-12-01 00:00:00')"
                for i, sev in ((1, "low"), (3, "high"))
            ),
            "INSERT INTO complaint_notes (complaint_id, body, created_at) VALUES (3, 'called back', '2026-12-01')",
        ]
        for row in rows:
            connection.execute(text(row))
    db.migrate()
    with db.transaction() as session:
        [case] = _cases(session)
        assert case.id == 1 and case.severity == "high" and case.text == "u1\nu3"
        assert [e.utterance_id for e in case.evidence] == [1, 3] and [n.body for n in case.notes] == ["called back"]
        assert case.occurred_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # when it was said, not imported
        assert case.due_at == case.occurred_at + timedelta(days=2) and case.contacts == 1
        assert session.scalar(select(func.count()).select_from(CaseEvidence)) == 2
    db.dispose()


def test_audio_retention_counts_from_when_it_was_recorded_not_imported(db: Database, tmp_path: Path) -> None:
    from store.audio_store import LocalAudioStore
    from store.privacy import purge_expired_audio

    now = datetime.now(UTC)
    with db.transaction() as session:
        old = _call(session, now - timedelta(days=200), sha="o")  # imported today, said 200 days ago
        recent = _call(session, now - timedelta(days=10), sha="r")
        waiting = Recording(sha256="w" * 64, path="w.wav", size_bytes=10)  # no interaction yet: its arrival
        session.add(waiting)
        session.flush()
        ids = {"old": old.recording_id, "recent": recent.recording_id, "waiting": waiting.id}
    assert purge_expired_audio(db, LocalAudioStore(tmp_path), 180) == 1
    with db.transaction() as session:
        purged = {name for name, i in ids.items() if session.get(Recording, i).purged_at is not None}  # type: ignore[union-attr]
    assert purged == {"old"}


def test_an_overdue_case_is_escalated_once_and_again_only_after_a_new_deadline(db: Database) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=20)
    with db.transaction() as session:
        call = _call(session, long_ago)
        add_utterances(session, call, call.recording_id, [FEES], SETTINGS, finding=CaseFinding("low", "fees", (0,)))
        [case] = _cases(session)  # low: due 15 days after it was said, so 5 days ago
        assert _alerts(session) == 0  # below the alert severity
        assert escalate_overdue(session, SETTINGS) == [case]
        assert escalate_overdue(session, SETTINGS) == []  # once
        assert case.overdue_at is not None and case.events[-1].kind == "overdue"
        assert _alerts(session) == 1  # an overdue case alerts whatever its severity
        resolved = _call(session, long_ago, customer="C-2", sha="b")
        finding = CaseFinding("low", "waiting_time", (0,))
        add_utterances(session, resolved, resolved.recording_id, [AGAIN], SETTINGS, finding=finding)
        update_complaint(session, _cases(session)[1].id, status="resolved")
        assert escalate_overdue(session, SETTINGS) == []  # a resolved case is not overdue


def test_dismissing_needs_a_reason_which_the_history_keeps(db: Database) -> None:
    with db.transaction() as session:
        call = _call(session, DAY)
        add_utterances(session, call, call.recording_id, [FEES], SETTINGS, finding=CaseFinding("low", "fees", (0,)))
        [case] = _cases(session)
        with pytest.raises(InvalidRequestError, match="reason"):
            update_complaint(session, case.id, status="dismissed", author="li.wei")
        update_complaint(session, case.id, status="dismissed", note="客户来电确认不是投诉", author="li.wei")
        assert case.status == "dismissed" and case.events[-1].detail == "new → dismissed: 客户来电确认不是投诉"


def test_the_queue_sorts_by_due_time_or_severity_and_filters_by_assignee_and_overdue(db: Database) -> None:
    now = datetime.now(UTC)
    with db.transaction() as session:
        for sha, days_ago, severity, customer in (
            ("a", 1, "low", "C-1"),
            ("b", 5, "high", "C-2"),
            ("c", 3, "medium", "C-3"),
        ):
            call = _call(session, now - timedelta(days=days_ago), customer=customer, sha=sha)
            finding = CaseFinding(severity, "fees", (0,))
            add_utterances(session, call, call.recording_id, [FEES], SETTINGS, finding=finding)
        escalate_overdue(session, SETTINGS)  # the high one: due 2 days after 5 days ago
        cases = {c.customer.external_id: c for c in _cases(session)}  # type: ignore[union-attr]
        update_complaint(session, cases["C-3"].id, assignee="li.wei")

        def order(**filters: object) -> list[str]:
            rows, _total = list_complaints(session, ComplaintFilter(**filters))  # type: ignore[arg-type]
            return [c.customer.external_id for c in rows]  # type: ignore[union-attr]

        assert order() == ["C-1", "C-3", "C-2"]  # latest raised first
        assert order(sort="due") == ["C-2", "C-3", "C-1"]  # 3 days ago + 7 comes before 1 day ago + 15
        assert order(sort="severity") == ["C-2", "C-3", "C-1"]
        assert order(assignee="li.wei") == ["C-3"] and order(overdue=True) == ["C-2"]
        assert order(overdue=False) == ["C-1", "C-3"]
        with pytest.raises(InvalidRequestError):
            order(sort="customer")
