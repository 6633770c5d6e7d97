"""The embedded worker pool: threads that claim queued jobs from the database and run them.

Jobs live in the database, so a restarted service picks up where it stopped: a running job holds
a lease its worker renews; when a worker dies (on this machine or another) the lease lapses and
any worker takes the job over, and the import itself is idempotent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import StrEnum

from pipeline.importer import Services, process_job
from store.captures import LIVE_PRIORITY
from store.repository import claim_next_job, renew_lease

log = logging.getLogger(__name__)


class Lane(StrEnum):
    """Which jobs a worker takes. Next to bulk imports a live utterance waits for the import in
    hand to finish (minutes for a long call); workers kept for the live lane never make it wait."""

    all = "all"
    live = "live"
    imports = "imports"

    @property
    def priorities(self) -> tuple[int | None, int | None]:
        """(lowest, highest) job priority this lane takes."""
        if self is Lane.live:
            return None, LIVE_PRIORITY
        if self is Lane.imports:
            return LIVE_PRIORITY + 1, None
        return None, None


def claim(services: Services, lane: Lane = Lane.all) -> int | None:
    """Claim the next job of the lane (queued, or running with a lapsed lease); its id, or None."""
    settings = services.settings
    with services.db.transaction() as session:
        job = claim_next_job(session, settings.job_lease_seconds, settings.job_max_attempts, lane.priorities)
        return job.id if job else None


def run_job(services: Services, job_id: int) -> None:
    """Run a claimed job, renewing its lease meanwhile so no other worker takes it over."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(services.settings.job_lease_seconds / 3):
            try:
                with services.db.transaction() as session:
                    renew_lease(session, job_id)
            except Exception:  # a database hiccup: the next renewal tries again
                log.warning("could not renew the lease of job %s", job_id, exc_info=True)

    renewer = threading.Thread(target=renew, name=f"kesheng-lease-{job_id}", daemon=True)
    renewer.start()
    try:
        process_job(services, job_id)
    finally:
        stop.set()
        renewer.join()


def run_pending(services: Services, on_done: Callable[[int], None] | None = None) -> int:
    """Run queued jobs in this thread until none are left; returns how many ran."""
    count = 0
    while (job_id := claim(services)) is not None:
        run_job(services, job_id)
        count += 1
        if on_done:
            on_done(job_id)
    return count


class WorkerPool:
    """N threads polling the job table for the most urgent claimable job of their lane."""

    def __init__(self, services: Services, threads: int = 1, poll_interval: float = 0.5, lane: Lane = Lane.all) -> None:
        self.services = services
        self.lane = lane
        self.threads = max(1, threads)
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        """Start the threads. Jobs a dead process left running are taken over once their lease lapses."""
        for i in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"kesheng-worker-{i}", daemon=True)
            thread.start()
            self._workers.append(thread)

    def alive(self) -> bool:
        """Every worker thread is running."""
        return bool(self._workers) and all(t.is_alive() for t in self._workers)

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
                job_id = claim(self.services, self.lane)
            except Exception:  # database hiccup: log, back off, keep the worker alive
                log.exception("could not claim a job")
                job_id = None
            if job_id is None:
                self._wake.wait(self.poll_interval)
                self._wake.clear()
                continue
            run_job(self.services, job_id)


def supervise(command: list[str], processes: int) -> int:
    """Run `processes` copies of `command`, pass SIGTERM/SIGINT on to them, and return the worst exit code."""
    import signal
    import subprocess

    children = [subprocess.Popen(command) for _ in range(processes)]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    return max(c.wait() for c in children)
