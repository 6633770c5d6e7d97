"""Liveness, readiness and Prometheus metrics.

Queue figures are read from the jobs table at scrape time, so any API node reports the whole
cluster's queue, whichever machines the workers run on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import cache

import numpy as np
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from pipeline.importer import Services
from store.captures import LIVE_PRIORITY
from store.db import alembic_config
from store.models import JOB_STATUSES, utcnow
from store.queue_figures import queue_figures

router = APIRouter(tags=["health"])
WINDOW = timedelta(minutes=15)  # latency and real-time factor are over jobs finished this recently


def _kind(priority: int) -> str:
    return "live" if priority <= LIVE_PRIORITY else "import"


class QueueCollector(Collector):
    """Queue depth by status, job latency, real-time factor and errors by kind, from the database."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        since = utcnow() - WINDOW
        with self.services.db.transaction() as session:
            figures = queue_figures(session, since)
        depth = {(status.value, kind): 0 for status in JOB_STATUSES for kind in ("live", "import")}
        for status, priority, count in figures.counts:
            depth[(status, _kind(priority))] += count

        jobs = GaugeMetricFamily(
            "kesheng_jobs", "Jobs by status and kind (live utterance or import)", labels=["status", "kind"]
        )
        for (status, kind), count in sorted(depth.items()):
            jobs.add_metric([status, kind], count)
        yield jobs

        latency = GaugeMetricFamily(
            "kesheng_job_latency_seconds",
            "Queued to done, jobs finished in the last 15 minutes",
            labels=["kind", "quantile"],
        )
        rtf = GaugeMetricFamily(
            "kesheng_realtime_factor",
            "Processing seconds per audio second over jobs finished in the last 15 minutes (below 1: faster)",
            labels=["kind"],
        )
        finished = GaugeMetricFamily(
            "kesheng_jobs_finished_recently", "Jobs done in the last 15 minutes", labels=["kind"]
        )
        for kind in ("live", "import"):
            rows = [r for r in figures.finished if _kind(r.priority) == kind]
            finished.add_metric([kind], len(rows))
            if not rows:
                continue
            waits = [(r.finished_at - r.created_at).total_seconds() for r in rows]
            for q in (0.5, 0.95):
                latency.add_metric([kind, str(q)], float(np.quantile(waits, q)))
            busy = sum((r.finished_at - (r.started_at or r.created_at)).total_seconds() for r in rows)
            audio = sum(r.audio_seconds for r in rows)
            if audio:
                rtf.add_metric([kind], busy / audio)
        yield from (latency, rtf, finished)

        failures = CounterMetricFamily(
            "kesheng_job_errors", "Failed and dead-lettered jobs by error kind", labels=["kind"]
        )
        for error_kind, count in figures.errors:
            failures.add_metric([error_kind or "unknown"], count)
        yield failures


def metrics_registry(services: Services) -> CollectorRegistry:
    """A registry of this app's own (not the process-global one, so several apps can live in one process)."""
    registry = CollectorRegistry()
    registry.register(QueueCollector(services))
    return registry


@cache
def schema_head() -> str | None:
    """The newest migration this code ships (read once: the files do not change under a running app)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers at the newest schema, the models are loaded, the workers run."""
    checks: dict[str, str] = {}
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        return JSONResponse({"status": "starting", "checks": {"models": "not loaded"}}, status_code=503)
    checks["models"] = "ok"
    try:
        with services.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
        head = schema_head()
        checks["database"] = "ok" if current == head else f"schema at {current}, code expects {head}"
    except Exception as exc:  # any driver error means not ready; say which kind
        checks["database"] = f"unreachable: {exc.__class__.__name__}"
    checks |= request.app.state.queue.checks()
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(request.app.state.metrics), media_type="text/plain; version=0.0.4; charset=utf-8")
