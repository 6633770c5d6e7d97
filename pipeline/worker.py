"""The embedded worker pool: threads that claim queued jobs from the database and run them.

Jobs live in the database, so a restarted service picks up where it stopped: jobs left `running`
by a dead process are queued again on start, and the import itself is idempotent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from pipeline.importer import Services, process_job
from store.repository import claim_next_job, requeue_running_jobs

log = logging.getLogger(__name__)


def claim(services: Services) -> int | None:
    """Claim the next queued job; its id, or None when the queue is empty."""
    with services.db.transaction() as session:
        job = claim_next_job(session)
        return job.id if job else None


def run_pending(services: Services, on_done: Callable[[int], None] | None = None) -> int:
    """Run queued jobs in this thread until none are left; returns how many ran."""
    count = 0
    while (job_id := claim(services)) is not None:
        process_job(services, job_id)
        count += 1
        if on_done:
            on_done(job_id)
    return count


class WorkerPool:
    """N threads polling the job table; start() requeues what a previous process left running."""

    def __init__(self, services: Services, threads: int = 1, poll_interval: float = 0.5) -> None:
        self.services = services
        self.threads = max(1, threads)
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        """Resume unfinished jobs and start the threads."""
        with self.services.db.transaction() as session:
            resumed = requeue_running_jobs(session)
        if resumed:
            log.info("resuming %d unfinished job(s)", resumed)
        for i in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"kesheng-worker-{i}", daemon=True)
            thread.start()
            self._workers.append(thread)

    def notify(self) -> None:
        """Wake idle workers now instead of at the next poll (a job was just queued)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the current jobs and stop."""
        self._stop.set()
        self._wake.set()
        for thread in self._workers:
            thread.join(timeout)
        self._workers.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = claim(self.services)
            except Exception:  # database hiccup: log, back off, keep the worker alive
                log.exception("could not claim a job")
                job_id = None
            if job_id is None:
                self._wake.wait(self.poll_interval)
                self._wake.clear()
                continue
            process_job(self.services, job_id)
