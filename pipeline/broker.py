"""Dramatiq over Redis (or RabbitMQ): KESHENG_BROKER_URL moves the job queue off the embedded pool.

The jobs table stays the truth. A message only says "there is a job"; the worker that takes it
claims the most urgent claimable job in the database (live utterances first, then oldest), so
priority holds across every machine. Delivery is at least once and claims are exactly once:

- a message whose job is running elsewhere under a live lease is retried later (Dramatiq's
  Retries), so a job whose worker was SIGKILLed is taken over when its lease lapses;
- every worker process also re-sends, now and then, a message for each claimable job that has
  waited too long (a message lost between the database commit and the broker, or a dead worker's
  message the broker has not given back yet). Extra messages are harmless: they find nothing to
  claim and end;
- a job that keeps losing its worker is dead-lettered after KESHENG_JOB_MAX_ATTEMPTS (see
  store.repository.claim_next_job).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import dramatiq

from core.errors import ConfigError
from core.settings import Settings
from pipeline.importer import Services
from pipeline.worker import Lane, claim, run_job
from store.captures import LIVE_PRIORITY
from store.models import JOB_FINAL
from store.repository import find_job, stale_job_ids

log = logging.getLogger(__name__)

LIVE_QUEUE, IMPORT_QUEUE = "kesheng-live", "kesheng-imports"


class JobStillRunning(Exception):
    """The message's job runs elsewhere under a live lease: try again after a while."""


def make_broker(url: str, heartbeat_ms: int = 60000) -> dramatiq.Broker:
    """A broker for redis://, rediss:// or amqp:// URLs."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, heartbeat_timeout=heartbeat_ms)
    if url.startswith(("amqp://", "amqps://")):
        try:
            from dramatiq.brokers.rabbitmq import RabbitmqBroker
        except ImportError as exc:  # pika comes with kesheng; a trimmed install may lack it
            raise ConfigError("RabbitMQ needs `pip install dramatiq[rabbitmq]`") from exc
        return RabbitmqBroker(url=url, confirm_delivery=True)  # a send returns once RabbitMQ has the message
    raise ConfigError(f"KESHENG_BROKER_URL must be redis://, rediss:// or amqp://, not {url.split(':', 1)[0]}://")


class DramatiqQueue:
    """The job queue on Dramatiq: the API announces jobs on it, `kesheng worker` consumes it.

    The broker and its actors belong to this object; Dramatiq's own global broker is set to it,
    as Dramatiq workers look actors up there.
    """

    def __init__(
        self, settings: Settings, services_factory: Callable[[], Services] | None = None, lane: Lane = Lane.all
    ) -> None:
        if not settings.broker_url:
            raise ConfigError("no KESHENG_BROKER_URL set")
        self.settings = settings
        self.lane = lane
        self.broker = make_broker(settings.broker_url)
        dramatiq.set_broker(self.broker)
        self._factory = services_factory
        self._services: Services | None = None
        self._services_lock = threading.Lock()
        lease_ms = int(settings.job_lease_seconds * 1000)
        self._actors: dict[str, Any] = {}
        for name, queue, priority in (("run_live_job", LIVE_QUEUE, 0), ("run_import_job", IMPORT_QUEUE, 100)):
            # Retries back off up to one lease: a job whose worker died is looked at again soon after
            # its lease lapses. No time limit: a four-hour recording legitimately takes a while.
            self._actors[name] = dramatiq.actor(
                actor_name=name,
                queue_name=queue,
                priority=priority,
                broker=self.broker,
                max_retries=1000,
                min_backoff=max(200, lease_ms // 4),
                max_backoff=lease_ms,
                time_limit=24 * 3600 * 1000,
            )(self._handle)

    def start(self) -> None:
        """Nothing to start on the sending side: `kesheng worker` processes do the work."""

    def stop(self) -> None:
        """Nothing runs here to stop."""

    def announce(self, job_id: int, priority: int) -> None:
        """Tell the workers there is a job (after its row is committed)."""
        actor = self._actors["run_live_job" if priority <= LIVE_PRIORITY else "run_import_job"]
        actor.send(job_id)

    def checks(self) -> dict[str, str]:
        """Readiness: the broker answers."""
        try:
            ping(self.broker)
        except Exception as exc:  # redis/amqp client errors vary; the kind is enough
            return {"broker": f"unreachable: {exc.__class__.__name__}"}
        return {"broker": "ok"}

    def consume(self, threads: int, stop: threading.Event, say: Callable[[str], None]) -> None:
        """Run Dramatiq workers for this lane until `stop`; re-send messages for jobs that waited too long."""
        consumer = dramatiq.Worker(self.broker, queues=lane_queues(self.lane), worker_threads=threads)
        consumer.start()
        lease = self.settings.job_lease_seconds
        where = self.settings.broker_url
        say(f"worker: {threads} thread(s) on {where} (Dramatiq) for {self.lane.value} jobs; Ctrl-C stops")
        while not stop.wait(lease / 2):
            try:
                resent = self.resend_stale(older_than=lease)
            except Exception:  # the database or the broker is down for a moment; try at the next round
                log.warning("could not re-send stale jobs", exc_info=True)
                continue
            if resent:
                log.info("re-sent %d job(s) that waited too long", resent)
        say("stopping: finishing the current job(s)")
        consumer.stop(timeout=600_000)

    def resend_stale(self, older_than: float) -> int:
        """A message for every claimable job that has waited longer than `older_than` seconds."""
        services = self._process_services()
        with services.db.transaction() as session:
            stale = stale_job_ids(session, self.settings.job_lease_seconds, older_than)
        for job_id, priority in stale:
            self.announce(job_id, priority)
        return len(stale)

    def _process_services(self) -> Services:
        with self._services_lock:
            if self._services is None:
                if self._factory is None:
                    raise ConfigError("worker services are not set up")
                self._services = self._factory()
            return self._services

    def _handle(self, job_id: int) -> None:
        """One message: run the most urgent claimable job of this worker's lane; if there is none while
        this one still runs, retry."""
        services = self._process_services()
        claimed = claim(services, self.lane)
        if claimed is not None:
            run_job(services, claimed)
            return
        with services.db.transaction() as session:
            job = find_job(session, job_id)
            if job is not None and job.status not in JOB_FINAL:
                raise JobStillRunning(f"job {job_id} is running elsewhere; checking again later")


def lane_queues(lane: Lane) -> set[str] | None:
    """The Dramatiq queues a worker of the lane consumes (None: all)."""
    return {Lane.live: {LIVE_QUEUE}, Lane.imports: {IMPORT_QUEUE}}.get(lane)


def ping(broker: dramatiq.Broker) -> None:
    """Raise if the broker cannot be reached (readiness)."""
    client = getattr(broker, "client", None)
    if client is not None:  # Redis
        client.ping()
        return
    rabbit: Any = broker  # RabbitmqBroker: a pika connection per thread
    if hasattr(rabbit, "channel"):
        try:
            rabbit.connection.process_data_events(time_limit=0)
        except Exception:
            del rabbit.connection  # broken: the next check connects afresh
            raise
