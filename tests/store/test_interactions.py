"""Writing a conversation's rows, the job's end, capture sessions and queue figures, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.errors import NotFoundError, UnsupportedAudioError
from core.settings import Settings
from store.captures import (
    add_live_utterance,
    get_capture_session,
    list_capture_sessions,
    open_capture_session,
    utterance_count,
)
from store.cases import CaseFinding
from store.db import Database
from store.devices import add_device, get_device
from store.interactions import (
    JobEnd,
    TagValue,
    UtteranceRow,
    add_utterances,
    finish_job,
    interaction_holding,
    interaction_of_recording,
    locked_interaction,
    new_interaction,
)
from store.models import Complaint, Job, LiveUtterance, Recording, Tag, WebhookDelivery
from store.queue_figures import queue_figures
from store.repository import (
    branch_codes,
    enqueue_import,
    get_or_create_branch,
    get_or_create_customer,
    get_utterance,
    utterance_recording,
)


def _recording(session, sha: str) -> Recording:  # type: ignore[no-untyped-def]
    recording = Recording(sha256=sha, path=f"{sha[:2]}/{sha}.wav", size_bytes=10, duration=1.0)
    session.add(recording)
    session.flush()
    return recording


PARAMS: dict[str, object] = {"channel": "call"}
STAFF = UtteranceRow(0.0, 2.0, 0, "staff", "您好，请问办理什么业务", "您好 请问 办理 什么 业务", sentiment=0.6)
COMPLAINT = UtteranceRow(
    2.5,
    6.0,
    0,
    "customer",
    "手续费怎么又扣了，电话[手机号]",
    "手续费 怎么 又 扣",
    sentiment=0.1,
    pii_spans=((4.0, 5.5),),
    tags=(TagValue("sentiment", "neg", 0.9), TagValue("keyword", "手续费"), TagValue("pii", "mobile")),
)
FEES = CaseFinding("medium", "fees", (1,))
THANKS = UtteranceRow(6.5, 8.0, 0, "customer", "好的谢谢", "好的 谢谢", sentiment=0.9)


def test_a_conversation_is_stored_with_its_complaint_alert_and_customer_sentiment(db: Database) -> None:
    settings = Settings(webhook_url="http://127.0.0.1:9/hook", alert_severity="medium", _env_file=None)
    with db.transaction() as session:
        recording = _recording(session, "c" * 64)
        interaction = new_interaction(
            session,
            recording_id=recording.id,
            asr_model="base",
            customer=get_or_create_customer(session, "C-1"),
            branch=get_or_create_branch(session, "BJ01"),
            channel="counter",
            occurred_at=datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        )
        add_utterances(session, interaction, recording.id, [STAFF, COMPLAINT, THANKS], settings, 10.0, FEES)
        interaction_id = interaction.id
    with db.transaction() as session:
        interaction = locked_interaction(session, interaction_id)
        assert [u.start for u in interaction.utterances] == [10.0, 12.5, 16.5]  # on the interaction's timeline
        assert interaction.utterances[1].pii_spans == [[14.0, 15.5]]
        assert interaction.utterances[0].pii_spans is None
        assert interaction.sentiment == pytest.approx(0.5)  # the customer's two sentences, not the staff's
        complaint = session.scalars(select(Complaint)).one()
        assert complaint.customer is not None and complaint.branch is not None
        assert (complaint.category, complaint.severity, complaint.customer.external_id) == ("fees", "medium", "C-1")
        assert complaint.branch.code == "BJ01" and complaint.utterance_id == interaction.utterances[1].id
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
        labels = {(t.kind, t.label) for t in session.scalars(select(Tag))}
        assert labels == {("sentiment", "neg"), ("keyword", "手续费"), ("pii", "mobile")}
        assert (
            interaction_of_recording(session, recording_id=interaction.recording_id, asr_model="base") == interaction_id
        )
        assert interaction_of_recording(session, interaction.recording_id, "large-v3") is None
        assert interaction_holding(session, interaction.recording_id, "base") == interaction_id


def test_a_live_utterance_finds_its_visit_and_its_audio_offset(db: Database) -> None:
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    with db.transaction() as session:
        device, _code = add_device(session, "BJ01", "3")
        first = _recording(session, "d" * 64)
        capture = open_capture_session(
            session,
            device,
            "visit-1",
            mode="counter",
            started_at=start,
            customer=None,
            recording_id=first.id,
            asr_model="base",
        )
        again = open_capture_session(
            session,
            device,
            "visit-1",
            mode="counter",
            started_at=start + timedelta(seconds=30),
            customer="C-9",  # typed later: the visit so far goes on their record
            recording_id=first.id,
            asr_model="base",
        )
        assert again.id == capture.id and capture.interaction is not None
        assert capture.interaction.customer is not None and capture.interaction.customer.external_id == "C-9"
        second = _recording(session, "e" * 64)
        job = enqueue_import(session, second, "base", PARAMS).job
        add_live_utterance(
            session,
            LiveUtterance(
                key=f"{device.id}:visit-1:1",
                capture_session_id=capture.id,
                seq=1,
                sha256="e" * 64,
                role="customer",
                offset=12.5,
                duration=3.0,
                recording_id=second.id,
                job_id=job.id,
            ),
        )
        assert capture.interaction_id is not None
        interaction = locked_interaction(session, capture.interaction_id)
        add_utterances(session, interaction, second.id, [THANKS], Settings(_env_file=None), offset=12.5)
        utterance = get_utterance(session, interaction.utterances[0].id)
        recording, offset = utterance_recording(session, utterance)
        assert recording is not None and recording.id == second.id and offset == 12.5
        assert utterance_count(session, capture.id) == 1
        assert get_capture_session(session, capture.id) is capture
        assert list_capture_sessions(session, device_id=device.id) == [capture]
        assert list_capture_sessions(session, branch_ids=frozenset()) == []
        assert get_device(session, device.id) is device
        with pytest.raises(NotFoundError):
            get_device(session, device.id + 1)
        with pytest.raises(NotFoundError):
            get_utterance(session, 10**6)


def test_finished_jobs_show_in_the_queue_figures(db: Database) -> None:
    with db.transaction() as session:
        done = enqueue_import(session, _recording(session, "f" * 64), "base", PARAMS).job
        failed = enqueue_import(session, _recording(session, "0" * 64), "base", PARAMS).job
        enqueue_import(session, _recording(session, "1" * 64), "base", PARAMS, priority=10)
        finish_job(session, done.id, JobEnd("done"))
        finish_job(session, failed.id, JobEnd.failed("not audio", UnsupportedAudioError("not audio")))
        finish_job(session, 10**6, JobEnd("done"))  # a job deleted meanwhile: nothing to do
    with db.transaction() as session:
        assert session.get(Job, failed.id).error == "not audio"  # type: ignore[union-attr]
        figures = queue_figures(session, datetime.now(UTC) - timedelta(minutes=5))
        assert sorted(figures.counts) == [("done", 100, 1), ("failed", 100, 1), ("queued", 10, 1)]
        assert [(f.priority, f.audio_seconds) for f in figures.finished] == [(100, 1.0)]
        assert figures.errors == [("UnsupportedAudioError", 1)]
        assert queue_figures(session, datetime.now(UTC) + timedelta(minutes=5)).finished == []


def test_branch_codes_in_order_and_within_a_scope(db: Database) -> None:
    with db.transaction() as session:
        ids = {code: get_or_create_branch(session, code).id for code in ("SH02", "BJ01", "GZ03")}  # type: ignore[union-attr]
        assert branch_codes(session) == ["BJ01", "GZ03", "SH02"]
        assert branch_codes(session, frozenset({ids["SH02"], ids["BJ01"]})) == ["BJ01", "SH02"]
        assert branch_codes(session, frozenset()) == []
