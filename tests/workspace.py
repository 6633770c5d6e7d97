"""Shared set-up for the review-workspace tests: two branches of real imports, users of every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from pipeline.importer import ImportRequest, Services, ingest_file, process_job
from store.auth import add_user, issue_token
from store.models import Complaint, Interaction, Job, Utterance
from tests.conftest import AUDIO

PASSWORD = "correct horse 9"


@dataclass(frozen=True)
class Imported:
    """One processed recording: its job, interaction, utterances and complaints."""

    job_id: int
    interaction_id: int
    utterance_ids: list[int]
    complaint_ids: list[int]


World = tuple[TestClient, dict[str, Imported], dict[str, str]]  # see tests/api/conftest.py: world


def import_file(
    services: Services, path: Path, customer: str, branch: str, channel: str, when: str, roles: tuple[str, ...] | None
) -> Imported:
    """Store and process one file with the real models, as a worker would."""
    request = ImportRequest(
        customer=customer, branch=branch, channel=channel, roles=roles, occurred_at=datetime.fromisoformat(when)
    )
    with services.db.transaction() as session:
        job_id = ingest_file(session, services.audio_store, path, request, services.asr_name, services.settings).job.id
    process_job(services, job_id)
    with services.db.transaction() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status == "done", job and job.error
        interaction = session.get(Interaction, job.interaction_id)
        assert interaction is not None
        utterances = list(session.scalars(select(Utterance.id).where(Utterance.interaction_id == interaction.id)))
        complaints = list(session.scalars(select(Complaint.id).where(Complaint.interaction_id == interaction.id)))
        return Imported(job_id, interaction.id, utterances, complaints)


def seed_two_branches(services: Services) -> dict[str, Imported]:
    """Branch A: a counter complaint about fees (customer CA). Branch B: a call about a late parcel (CB)."""
    return {
        "A": import_file(
            services, AUDIO / "counter_complaint_fees.wav", "CA", "BR-A", "counter", "2026-11-20T10:00:00+08:00", None
        ),
        "B": import_file(
            services,
            AUDIO / "call_stereo_8k.wav",
            "CB",
            "BR-B",
            "call",
            "2026-11-21T15:00:00+08:00",
            ("staff", "customer"),
        ),
    }


def add_users(services: Services) -> dict[str, str]:
    """One user per role (the managers and staff on branch A) → their API tokens."""
    tokens = {}
    with services.db.transaction() as session:
        for name, role, branches in (
            ("admin", "admin", []),
            ("manager_a", "cx_manager", ["BR-A"]),
            ("manager_b", "cx_manager", ["BR-B"]),
            ("staff_a", "counter_staff", ["BR-A"]),
            ("auditor", "auditor", []),
        ):
            user = add_user(session, name, role, PASSWORD, branches)
            tokens[name] = issue_token(session, user, "api")[0]
    return tokens


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def now() -> datetime:
    """Aware UTC now."""
    return datetime.now(UTC)
