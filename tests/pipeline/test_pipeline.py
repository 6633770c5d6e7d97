"""Imports end to end on both databases: stored rows, idempotency, resume after restart, bad files."""

from __future__ import annotations

import shutil
import time
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.errors import AudioTooLargeError, UnsupportedAudioError
from pipeline import ImportRequest, Services, WorkerPool, ingest_file, run_pending
from store.cases import update_complaint
from store.models import Complaint, Interaction, Job, Recording, Tag, Utterance
from tests import badfiles
from tests.conftest import AUDIO

CALL = AUDIO / "call_stereo_8k.wav"


def _ingest(services: Services, path: Path, **request: object):  # type: ignore[no-untyped-def]
    with services.db.transaction() as session:
        return ingest_file(
            session,
            services.audio_store,
            path,
            ImportRequest(**request),  # type: ignore[arg-type]
            services.asr_name,
            services.settings,
        )


def _count(services: Services, model: type) -> int:
    with services.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.whisper
def test_call_import_stores_roles_tags_and_complaints(services: Services) -> None:
    job = _ingest(services, CALL, customer="C100", branch="GZ01", channel="call").job
    assert run_pending(services) == 1
    with services.db.transaction() as session:
        job = session.get(Job, job.id)
        assert job.status == "done", job.error
        interaction = session.get(Interaction, job.interaction_id)
        assert interaction.customer.external_id == "C100" and interaction.branch.code == "GZ01"
        roles = [u.role for u in interaction.utterances]
        assert roles == ["staff", "customer", "staff", "customer"]
        customer_complaints = [c for c in interaction.complaints]
        assert customer_complaints, "the customer complains about a late delivery"
        assert all(c.utterance.role == "customer" for c in customer_complaints)
        assert any(c.category == "delivery" for c in customer_complaints)
        kinds = {t.kind for u in interaction.utterances for t in u.tags}
        assert {"sentiment", "intent", "keyword"} <= kinds
        assert interaction.sentiment is not None and interaction.sentiment < 0
        recording = interaction.recording
        assert (recording.sample_rate, recording.channels) == (8000, 2)
        assert services.audio_store.path(recording.path).read_bytes() == CALL.read_bytes()


@pytest.mark.whisper
def test_a_call_is_one_case_and_the_customers_next_call_about_it_reopens_it(services: Services, tmp_path: Path) -> None:
    first_call = datetime(2026, 10, 15, 9, 30, tzinfo=UTC)
    _ingest(services, CALL, customer="C100", channel="call", occurred_at=first_call)
    assert run_pending(services) == 1
    with services.db.transaction() as session:
        [case] = session.scalars(select(Complaint)).all()  # however many of its sentences complain
        assert case.category == "delivery" and case.occurred_at == first_call and case.contacts == 1
        assert case.evidence and all(e.utterance.role == "customer" for e in case.evidence)
        update_complaint(session, case.id, status="resolved", author="li.wei")
    # Ten days later the customer calls about it again (other audio: the same call, a second longer).
    with wave.open(str(CALL)) as src, wave.open(str(tmp_path / "again.wav"), "wb") as dst:
        dst.setparams(src.getparams())
        dst.writeframes(src.readframes(src.getnframes()) + bytes(src.getsampwidth() * src.getnchannels() * 8000))
    later = first_call + timedelta(days=10)
    _ingest(services, tmp_path / "again.wav", customer="C100", channel="call", occurred_at=later)
    assert run_pending(services) == 1
    with services.db.transaction() as session:
        [case] = session.scalars(select(Complaint)).all()
        assert case.contacts == 2 and case.status == "new" and case.resolved_at is None
        assert case.last_contact_at == later and case.occurred_at == first_call
        assert {"contact", "reopened"} <= {e.kind for e in case.events}


@pytest.mark.whisper
def test_reimport_creates_nothing_new(services: Services, tmp_path: Path) -> None:
    first = _ingest(services, AUDIO / "counter_complaint_fees.wav", customer="C1", channel="counter")
    run_pending(services)
    counts = [_count(services, m) for m in (Recording, Interaction, Utterance, Tag, Complaint, Job)]
    copy = shutil.copy(AUDIO / "counter_complaint_fees.wav", tmp_path / "renamed.wav")
    again = _ingest(services, Path(copy), customer="C1", channel="counter")
    assert again.duplicate and again.job.id == first.job.id
    assert run_pending(services) == 0
    assert [_count(services, m) for m in (Recording, Interaction, Utterance, Tag, Complaint, Job)] == counts


@pytest.mark.whisper
def test_restarted_service_resumes_unfinished_jobs(services: Services) -> None:
    job = _ingest(services, AUDIO / "counter_praise.wav", channel="counter").job
    with services.db.transaction() as session:  # a process died mid-job
        session.get(Job, job.id).status = "running"
    pool = WorkerPool(services, threads=1, poll_interval=0.1)
    pool.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with services.db.transaction() as session:
                if session.get(Job, job.id).status in ("done", "failed"):
                    break
            time.sleep(0.2)
    finally:
        pool.stop()
    with services.db.transaction() as session:
        finished = session.get(Job, job.id)
        assert finished.status == "done" and finished.attempts == 1
        assert session.scalar(select(func.count()).select_from(Interaction)) == 1


@pytest.mark.whisper
def test_job_whose_interaction_exists_is_not_stored_twice(services: Services) -> None:
    job = _ingest(services, AUDIO / "counter_inquiry_card.wav", channel="counter").job
    run_pending(services)
    with services.db.transaction() as session:  # the worker died after storing, before marking done
        session.get(Job, job.id).status = "queued"
    run_pending(services)
    assert _count(services, Interaction) == 1
    with services.db.transaction() as session:
        assert session.get(Job, job.id).status == "done"


@pytest.mark.whisper
@pytest.mark.parametrize("maker", [badfiles.header_only, badfiles.white_noise])
def test_bad_audio_fails_or_is_empty_and_leaves_the_rest(services: Services, tmp_path: Path, maker) -> None:  # type: ignore[no-untyped-def]
    good = _ingest(services, AUDIO / "counter_complaint_fees.wav", channel="counter").job
    run_pending(services)
    before = [_count(services, m) for m in (Interaction, Utterance, Complaint)]
    bad = _ingest(services, maker(tmp_path), channel="counter").job
    run_pending(services)
    with services.db.transaction() as session:
        job = session.get(Job, bad.id)
        if job.status == "failed":
            assert "no audio samples" in job.error
            assert [_count(services, m) for m in (Interaction, Utterance, Complaint)] == before
        else:  # noise: an interaction with no utterances
            interaction = session.get(Interaction, job.interaction_id)
            assert interaction.utterances == []
        assert session.get(Job, good.id).status == "done"
    assert _count(services, Complaint) == before[2]


def test_non_audio_is_refused_before_anything_is_stored(services: Services, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedAudioError):
        _ingest(services, badfiles.not_audio(tmp_path), channel="call")
    assert _count(services, Recording) == 0 and _count(services, Job) == 0
    audio_dir = services.settings.audio_dir
    assert not audio_dir.exists() or not any(p.is_file() for p in audio_dir.rglob("*"))


@pytest.mark.whisper
def test_ten_minutes_of_silence_is_an_empty_interaction(services: Services, tmp_path: Path) -> None:
    job = _ingest(services, badfiles.silence(tmp_path, 600), channel="counter").job
    started = time.monotonic()
    run_pending(services)
    assert time.monotonic() - started < 90
    with services.db.transaction() as session:
        done = session.get(Job, job.id)
        assert done.status == "done"
        interaction = session.get(Interaction, done.interaction_id)
        assert interaction.utterances == [] and interaction.sentiment is None
        assert interaction.recording.duration == pytest.approx(600, abs=0.1)


@pytest.mark.whisper
def test_wav_header_claiming_gigabytes_is_transcribed_for_what_it_holds(services: Services, tmp_path: Path) -> None:
    path = badfiles.gigabyte_header(tmp_path, AUDIO / "counter_complaint_fees.wav")
    job = _ingest(services, path, channel="counter").job
    run_pending(services)
    with services.db.transaction() as session:
        done = session.get(Job, job.id)
        assert done.status == "done", done.error
        interaction = session.get(Interaction, done.interaction_id)
        assert "手续费" in "".join(u.text for u in interaction.utterances)
        assert interaction.recording.duration == pytest.approx(5.44, abs=0.1)


def test_long_audio_is_refused_at_ingest(services: Services, tmp_path: Path) -> None:
    services.settings = services.settings.model_copy(update={"max_audio_seconds": 60})
    with pytest.raises(AudioTooLargeError, match="over the limit of 60 s"):
        _ingest(services, badfiles.silence(tmp_path, 120), channel="call")
    assert _count(services, Recording) == 0


@pytest.mark.whisper
def test_a_recording_is_dated_as_given_else_by_its_own_time_else_marked_as_import_time(
    services: Services, tmp_path: Path
) -> None:
    phone = {"creation_time": "2026-11-28T15:30:00.000000Z"}
    m4a = badfiles.transcode(AUDIO / "counter_praise.wav", tmp_path / "visit.m4a", "aac", metadata=phone)
    given = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    files = {
        "given": _ingest(services, CALL, channel="call", occurred_at=given).job.id,
        "file": _ingest(services, m4a, channel="field").job.id,
        "import": _ingest(services, AUDIO / "counter_inquiry_card.wav", channel="counter").job.id,
    }
    assert run_pending(services) == 3
    with services.db.transaction() as session:
        dated = {}
        for expected, job_id in files.items():
            interaction = session.get(Interaction, session.get(Job, job_id).interaction_id)  # type: ignore[union-attr]
            dated[expected] = (interaction.time_source, interaction.occurred_at)  # type: ignore[union-attr]
    assert dated["given"] == ("given", given)
    assert dated["file"] == ("file", datetime(2026, 11, 28, 15, 30, tzinfo=UTC))
    assert dated["import"][0] == "import" and datetime.now(UTC) - dated["import"][1] < timedelta(minutes=10)
