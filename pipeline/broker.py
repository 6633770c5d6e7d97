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
from pipeline.live import LIVE_PRIORITY
from pipeline.worker import Lane, claim, run_job
from store.models import JOB_FINAL, Job
from store.repository import stale_job_ids

log = logging.getLogger(__name__)

LIVE_QUEUE, IMPORT_QUEUE = "kesheng-live", "kesheng-imports"
_services: Services | None = None
_services_lock = threading.Lock()
_factory: Callable[[], Services] | None = None
_actors: dict[str, Any] = {}
_lane = Lane.all


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


def setup(
    settings: Settings, services_factory: Callable[[], Services] | None = None, lane: Lane = Lane.all
) -> dramatiq.Broker:
    """Install the broker named by the settings and declare the actors on it (once per process)."""
    if not settings.broker_url:
        raise ConfigError("no KESHENG_BROKER_URL set")
    broker = make_broker(settings.broker_url)
    dramatiq.set_broker(broker)
    lease_ms = int(settings.job_lease_seconds * 1000)
    for name, queue, priority in (("run_live_job", LIVE_QUEUE, 0), ("run_import_job", IMPORT_QUEUE, 100)):
        # Retries back off up to one lease: a job whose worker died is looked at again soon after
        # its lease lapses. No time limit: a four-hour recording legitimately takes a while.
        _actors[name] = dramatiq.actor(
            actor_name=name,
            queue_name=queue,
            priority=priority,
            broker=broker,
            max_retries=1000,
            min_backoff=max(200, lease_ms // 4),
            max_backoff=lease_ms,
            time_limit=24 * 3600 * 1000,
        )(_handle)
    if services_factory is not None:
        global _factory, _lane
        _factory, _lane = services_factory, lane
    return broker


def lane_queues(lane: Lane) -> set[str] | None:
    """The Dramatiq queues a worker of the lane consumes (None: all)."""
    return {Lane.live: {LIVE_QUEUE}, Lane.imports: {IMPORT_QUEUE}}.get(lane)


def _process_services() -> Services:
    global _services
    with _services_lock:
        if _services is None:
            if _factory is None:
                raise ConfigError("worker services are not set up")
            _services = _factory()
        return _services


def _handle(job_id: int) -> None:
    """One message: run the most urgent claimable job of this worker's lane; if there is none while
    this one still runs, retry."""
    services = _process_services()
    claimed = claim(services, _lane)
    if claimed is not None:
        run_job(services, claimed)
        return
    with services.db.transaction() as session:
        job = session.get(Job, job_id)
        if job is not None and job.status not in JOB_FINAL:
            raise JobStillRunning(f"job {job_id} is running elsewhere; checking again later")


def send(job_id: int, priority: int) -> None:
    """Tell the workers there is a job (after its row is committed)."""
    actor = _actors["run_live_job" if priority <= LIVE_PRIORITY else "run_import_job"]
    actor.send(job_id)


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


def resend_stale(services: Services, older_than: float) -> int:
    """A message for every claimable job that has waited longer than `older_than` seconds."""
    settings = services.settings
    with services.db.transaction() as session:
        stale = stale_job_ids(session, settings.job_lease_seconds, older_than)
    for job_id, priority in stale:
        send(job_id, priority)
    return len(stale)
