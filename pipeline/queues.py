"""One seam between "a job was committed" and whoever runs it, chosen once from the settings.

- KESHENG_BROKER_URL set: Dramatiq (pipeline/broker.py); `kesheng worker` processes anywhere run the jobs.
- otherwise KESHENG_WORKERS > 0: the embedded pool of threads in this process.
- otherwise: nobody here; `kesheng worker` processes poll the shared database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from core.settings import Settings
from pipeline.importer import Services
from pipeline.worker import Lane, WorkerPool


class JobQueue(Protocol):
    """What the API needs from the job queue."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def announce(self, job_id: int, priority: int) -> None:
        """A job's row is committed: make sure a worker hears of it."""

    def checks(self) -> dict[str, str]:
        """Readiness checks by name: "ok" or what is wrong."""
        ...


class EmbeddedQueue:
    """The worker pool in this process; announcing wakes it instead of waiting for its next poll."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool

    def start(self) -> None:
        self.pool.start()

    def stop(self) -> None:
        self.pool.stop()

    def announce(self, job_id: int, priority: int) -> None:
        self.pool.notify()

    def checks(self) -> dict[str, str]:
        return {"workers": "ok" if self.pool.alive() else "stopped"}


class PolledQueue:
    """No workers here: `kesheng worker` processes poll the database, which is all the announcing needed."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def announce(self, job_id: int, priority: int) -> None:
        pass

    def checks(self) -> dict[str, str]:
        return {}


def runs_jobs_here(settings: Settings, run_workers: bool = True) -> bool:
    """Whether the API process runs jobs itself (the embedded pool), or only queues them."""
    return run_workers and settings.workers > 0 and not settings.broker_url


def open_job_queue(settings: Settings, services: Services, run_workers: bool = True) -> JobQueue:
    """The job queue the settings name (see the module docstring); `run_workers=False` starts no pool."""
    if settings.broker_url:
        from pipeline.broker import DramatiqQueue

        return DramatiqQueue(settings)
    if runs_jobs_here(settings, run_workers):
        return EmbeddedQueue(WorkerPool(services, settings.workers, settings.poll_interval))
    return PolledQueue()


def run_worker(services: Services, threads: int, lane: Lane, stop: threading.Event, say: Callable[[str], None]) -> None:
    """`kesheng worker`: run the lane's jobs with `threads` threads until `stop` is set."""
    settings = services.settings
    if settings.broker_url:
        from pipeline.broker import DramatiqQueue

        DramatiqQueue(settings, services_factory=lambda: services, lane=lane).consume(threads, stop, say)
        return
    pool = WorkerPool(services, threads, settings.poll_interval, lane)
    pool.start()
    where = services.db.engine.url.render_as_string()
    say(f"worker: {threads} thread(s) polling {where} for {lane.value} jobs; Ctrl-C stops")
    stop.wait()
    say("stopping: finishing the current job(s)")
    pool.stop(timeout=600)
