"""What the jobs table says about the queue, for metrics: read at scrape time, by any API node."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Job, Recording


@dataclass(frozen=True)
class FinishedJob:
    priority: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime
    audio_seconds: float


@dataclass(frozen=True)
class QueueFigures:
    counts: list[tuple[str, int, int]]  # (status, priority, jobs)
    finished: list[FinishedJob]  # done since the time asked for
    errors: list[tuple[str | None, int]]  # (error kind, failed and dead jobs)


def queue_figures(session: Session, since: datetime) -> QueueFigures:
    """Jobs by status and priority, those done since `since`, and failures by kind."""
    counts = session.execute(select(Job.status, Job.priority, func.count()).group_by(Job.status, Job.priority))
    recent = session.execute(
        select(Job.priority, Job.created_at, Job.started_at, Job.finished_at, Recording.duration)
        .join(Recording, Recording.id == Job.recording_id)
        .where(Job.status == "done", Job.finished_at >= since)
    )
    errors = session.execute(
        select(Job.error_kind, func.count()).where(Job.status.in_(("failed", "dead"))).group_by(Job.error_kind)
    )
    finished = []
    for priority, created, started, done, duration in recent:
        if done is not None:  # a done job always has its time; the column allows none
            finished.append(FinishedJob(priority, created, started, done, duration or 0.0))
    return QueueFigures(
        counts=[(status, priority, count) for status, priority, count in counts],
        finished=finished,
        errors=[(kind, count) for kind, count in errors],
    )
