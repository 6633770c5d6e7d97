"""The service: `kesheng serve` (API and embedded workers) and `kesheng worker` (job workers, supervised)."""

from __future__ import annotations

import logging
import secrets
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import KeshengError
from core.settings import Settings

if TYPE_CHECKING:  # imported lazily at run time: the CLI starts fast
    pass


from kesheng.cli.common import app, err, fail, load_settings, open_database, redact_logs


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Run the API (docs at /docs) with the embedded worker pool."""
    import uvicorn

    from api.app import create_app

    settings = load_settings()
    if not settings.api_key:
        key_file = settings.data_dir / "api_key"
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(24))
            key_file.chmod(0o600)
        settings = settings.model_copy(update={"api_key": key_file.read_text().strip()})
        err.print(f"API key (from {key_file}; set KESHENG_API_KEY to choose one): {settings.api_key}")
    _hint_first_user(settings, host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact_logs()
    uvicorn.run(create_app(settings), host=host, port=port)


def _hint_first_user(settings: Settings, host: str, port: int) -> None:
    from store.auth import user_count

    with open_database(settings).transaction() as session:
        users = user_count(session)
    err.print(f"review workspace: http://{host}:{port}/")
    if not users:
        err.print("no users yet; add the first one with: kesheng users add admin --role admin")


@app.command()
def worker(
    threads: Annotated[int, typer.Option(help="worker threads per process")] = 1,
    processes: Annotated[int, typer.Option(help="worker processes on this machine")] = 1,
    queue: Annotated[
        str,
        typer.Option(
            help="which jobs: all (live utterances first, then imports), live (keeps counters fast "
            "next to long imports), or imports"
        ),
    ] = "all",
) -> None:
    """Run workers without the API, against KESHENG_DATABASE_URL; run it on as many machines as you like."""
    import signal
    import threading

    from pipeline.worker import Lane, supervise

    if threads < 1 or processes < 1:
        raise fail(KeshengError("--threads and --processes must be at least 1"))
    if queue not in Lane.__members__:
        raise fail(KeshengError(f"--queue must be all, live or imports, not {queue!r}"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact_logs()
    if processes > 1:  # one process each: every process loads its own model and decodes in parallel
        command = [sys.executable, "-m", "kesheng.cli", "worker", "--threads", str(threads), "--queue", queue]
        raise typer.Exit(supervise(command, processes))
    from pipeline.queues import run_worker
    from pipeline.services import build_services

    settings = load_settings()
    try:
        services = build_services(settings)
    except KeshengError as exc:
        raise fail(exc) from exc
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_worker(services, threads, Lane(queue), stop, say=err.print)
