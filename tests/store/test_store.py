"""Schema, repository functions and job claiming on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from audio import probe_audio
from core.errors import InvalidRequestError, NotFoundError
from store.audio_store import LocalAudioStore
from store.cases import ComplaintFilter, list_complaints, update_complaint
from store.db import Database
from store.models import Complaint, Interaction, Job, Recording, Utterance, utcnow
from store.repository import (
    claim_next_job,
    enqueue_import,
    get_or_create_branch,
    get_or_create_customer,
    renew_lease,
    store_recording,
)
from tests.conftest import AUDIO


def _recording(session, sha: str = "a" * 64) -> Recording:  # type: ignore[no-untyped-def]
    recording = Recording(sha256=sha, path=f"{sha[:2]}/{sha}.wav", size_bytes=10, duration=1.0)
    session.add(recording)
    session.flush()
    return recording


def test_migration_creates_every_table_and_is_idempotent(db: Database) -> None:
    db.migrate()  # second run is a no-op
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "customers",
        "branches",
        "interactions",
        "recordings",
        "utterances",
        "tags",
        "complaints",
        "complaint_notes",
        "jobs",
        "alembic_version",
    } <= tables


def test_customers_and_branches_are_created_once(db: Database) -> None:
    with db.transaction() as session:
        first = get_or_create_customer(session, "C1")
        again = get_or_create_customer(session, "C1")
        assert first is again
        assert get_or_create_customer(session, None) is None
        assert get_or_create_branch(session, "BJ01") is get_or_create_branch(session, "BJ01")


def test_enqueue_is_idempotent_per_recording_and_model(db: Database) -> None:
    params = {"channel": "call"}
    with db.transaction() as session:
        recording = _recording(session)
        first = enqueue_import(session, recording, "base", params)
        second = enqueue_import(session, recording, "base", params)
        other_model = enqueue_import(session, recording, "large-v3", params)
        assert not first.duplicate and second.duplicate
        assert second.job.id == first.job.id
        assert other_model.job.id != first.job.id
        with pytest.raises(InvalidRequestError, match="channel"):
            enqueue_import(session, recording, "small", {"channel": "fax"})


def test_failed_job_can_be_retried_by_reimporting(db: Database) -> None:
    with db.transaction() as session:
        recording = _recording(session)
        job = enqueue_import(session, recording, "base", {"channel": "call"}).job
        job.status = "failed"
        session.flush()
        retry = enqueue_import(session, recording, "base", {"channel": "call"})
        assert not retry.duplicate and retry.job.id != job.id


def test_claim_takes_priority_order_once_and_a_lapsed_lease_resumes(db: Database) -> None:
    with db.transaction() as session:
        bulk = enqueue_import(session, _recording(session, "b" * 64), "base", {"channel": "call"}).job
        live = enqueue_import(session, _recording(session, "c" * 64), "base", {"channel": "counter"}, priority=10).job
    with db.transaction() as session:
        assert claim_next_job(session).id == live.id
        assert claim_next_job(session).id == bulk.id
        assert claim_next_job(session) is None
    with db.transaction() as session:  # the process died; its leases lapse
        assert session.scalar(select(Job).where(Job.id == bulk.id)).attempts == 1
        assert claim_next_job(session, lease_seconds=0.0).attempts == 2


def _complaint(session, branch: str, severity: str, category: str, when: datetime) -> Complaint:  # type: ignore[no-untyped-def]
    recording = _recording(session, (branch + severity + category + "0" * 64)[:64])
    interaction = Interaction(
        recording=recording,
        asr_model="base",
        channel="counter",
        branch=get_or_create_branch(session, branch),
        customer=get_or_create_customer(session, "C9"),
    )
    utterance = Utterance(start=0, end=1, text="太慢了", role="customer")
    interaction.utterances.append(utterance)
    complaint = Complaint(
        interaction=interaction,
        utterance=utterance,
        branch=interaction.branch,
        customer=interaction.customer,
        severity=severity,
        category=category,
        text="太慢了",
        occurred_at=when,  # filters and order go by when it happened, not when it was filed
    )
    session.add(complaint)
    session.flush()
    return complaint


def test_complaint_filters_and_updates(db: Database) -> None:
    now = datetime.now(UTC)
    with db.transaction() as session:
        old = _complaint(session, "BJ01", "high", "fees", now - timedelta(days=10))
        _complaint(session, "SH02", "low", "waiting_time", now)
        _complaint(session, "BJ01", "medium", "waiting_time", now)
    with db.transaction() as session:
        assert list_complaints(session, ComplaintFilter())[1] == 3
        assert list_complaints(session, ComplaintFilter(branch="BJ01"))[1] == 2
        assert list_complaints(session, ComplaintFilter(category="waiting_time", branch="SH02"))[1] == 1
        assert list_complaints(session, ComplaintFilter(severity="high"))[0][0].id == old.id
        assert list_complaints(session, ComplaintFilter(since=now - timedelta(days=1)))[1] == 2
        assert list_complaints(session, ComplaintFilter(until=now - timedelta(days=1)))[1] == 1
        with pytest.raises(InvalidRequestError):
            list_complaints(session, ComplaintFilter(status="closed"))
    with db.transaction() as session:
        updated = update_complaint(
            session, old.id, status="resolved", assignee="li.wei", note="已退费", author="li.wei"
        )
        assert updated.resolved_at is not None
        assert [(e.actor, e.kind, e.detail) for e in updated.events] == [
            ("li.wei", "status", "new → resolved: 已退费"),
            ("li.wei", "assigned", "li.wei"),
        ]
    with db.transaction() as session:
        rows, total = list_complaints(session, ComplaintFilter(status="resolved"))
        assert total == 1 and rows[0].assignee == "li.wei" and rows[0].notes[0].body == "已退费"
        with pytest.raises(NotFoundError):
            update_complaint(session, 9999, status="resolved")
        with pytest.raises(InvalidRequestError):
            update_complaint(session, old.id, status="closed")


def test_migrations_match_the_models(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.db import include_object
    from store.models import Base

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        assert compare_metadata(context, Base.metadata) == []


def test_timestamps_come_back_timezone_aware(db: Database) -> None:
    with db.transaction() as session:
        customer = get_or_create_customer(session, "TZ1")
        assert customer is not None
    with db.transaction() as session:
        loaded = get_or_create_customer(session, "TZ1")
        assert loaded is not None and loaded.created_at.tzinfo is not None
        assert abs((datetime.now(UTC) - loaded.created_at).total_seconds()) < 60


def test_a_lapsed_lease_is_taken_over_and_a_job_that_keeps_losing_its_worker_goes_dead(db: Database) -> None:
    with db.transaction() as session:
        job_id = enqueue_import(session, _recording(session, "d" * 64), "base", {"channel": "call"}).job.id
    with db.transaction() as session:
        assert claim_next_job(session, lease_seconds=60).id == job_id
        assert claim_next_job(session, lease_seconds=60) is None  # its worker is alive: nobody else takes it
        assert renew_lease(session, job_id)
    for attempt in (2, 3):  # the worker dies: its lease lapses and another worker takes the job over
        with db.transaction() as session:
            session.get(Job, job_id).heartbeat_at = utcnow() - timedelta(seconds=61)
        with db.transaction() as session:
            taken = claim_next_job(session, lease_seconds=60, max_attempts=3)
            assert taken is not None and taken.id == job_id and taken.attempts == attempt
    with db.transaction() as session:
        session.get(Job, job_id).heartbeat_at = utcnow() - timedelta(seconds=61)
    with db.transaction() as session:
        assert claim_next_job(session, lease_seconds=60, max_attempts=3) is None  # dead, not a fourth run
        job = session.get(Job, job_id)
        assert job.status == "dead" and "gave up after 3 attempt(s)" in job.error and job.error_kind == "WorkerLost"
        assert not renew_lease(session, job_id)
    with db.transaction() as session:
        assert claim_next_job(session, lease_seconds=0.0) is None  # and it never comes back


def test_a_recording_is_stored_once_and_gets_its_audio_back_after_retention(db: Database, tmp_path: Path) -> None:
    store = LocalAudioStore(tmp_path / "audio")
    source = AUDIO / "counter_praise.wav"
    info = probe_audio(source)
    with db.transaction() as session:
        first = store_recording(session, store, source, "b" * 64, info, "praise.wav", info.duration)
        assert (first.original_name, first.format, first.channels) == ("praise.wav", "wav", 1)
        assert store.path(first.path).read_bytes() == source.read_bytes()
        store.path(first.path).unlink()  # what retention does to the audio
        first.purged_at = utcnow()
        first_id = first.id
    with db.transaction() as session:
        again = store_recording(session, store, source, "b" * 64, info, "other name.wav", info.duration)
        assert again.id == first_id and again.purged_at is None and again.original_name == "praise.wav"
        assert store.path(again.path).exists()
        other = store_recording(session, store, source, "c" * 64, info, "praise.wav", info.duration)
        assert other.id != first_id
