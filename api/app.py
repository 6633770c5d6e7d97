"""The FastAPI application: routes under /api/v1, OpenAPI docs at /docs, the worker pool alongside."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors, health
from api.health import metrics_registry
from api.limits import BodySizeLimit
from api.routes import (
    audit,
    auth,
    complaints,
    customers,
    devices,
    interactions,
    jobs,
    recordings,
    search,
    sessions,
    utterances,
    vocabulary,
)
from api.web import pages
from core import __version__, logs
from core.settings import Settings
from nlp.pii import redact
from pipeline.housekeeping import Housekeeper
from pipeline.importer import Services
from pipeline.queues import open_job_queue, runs_jobs_here
from pipeline.services import build_services

STATIC_DIR = Path(pages.__file__).parent / "static"


def create_app(settings: Settings, services: Services | None = None, run_workers: bool = True) -> FastAPI:
    """Build the app; models load and workers start when it starts (lifespan)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.install(redact)  # uvicorn has set up its handlers by now
        # an API whose jobs run on worker machines loads Whisper only if a request needs its tokenizer
        lazy = not runs_jobs_here(settings, run_workers)
        app.state.services = services or build_services(settings, lazy_asr=lazy)
        app.state.metrics = metrics_registry(app.state.services)
        app.state.housekeeper = Housekeeper(app.state.services)
        app.state.housekeeper.start()
        app.state.queue = open_job_queue(settings, app.state.services, run_workers)
        app.state.queue.start()
        try:
            yield
        finally:
            app.state.housekeeper.stop()
            app.state.queue.stop()

    app = FastAPI(
        title="kesheng (客声)",
        version=__version__,
        lifespan=lifespan,
        description="Voice of the customer: recordings in, tagged customer records out.",
    )
    app.state.settings = settings
    for module in (
        recordings,
        jobs,
        interactions,
        customers,
        complaints,
        utterances,
        search,
        audit,
        auth,
        devices,
        sessions,
        vocabulary,
    ):
        app.include_router(module.router, prefix="/api/v1")
    errors.install(app)

    app.include_router(health.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodySizeLimit, limit=settings.max_upload_mb * 2**20 + 64 * 1024)
    return app
