"""`kesheng import`: in-process with a progress bar, or uploads to a running server."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from capture.client import server_detail
from core.errors import KeshengError
from core.settings import Settings
from kesheng.sources import ImportItem
from pipeline.importer import Services
from store.repository import get_job


@dataclass
class ImportRow:
    """One line of the summary table."""

    file: str
    status: str  # done | duplicate | failed | queued
    duration: float | None = None
    utterances: int | None = None
    complaints: int | None = None
    detail: str = ""


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s audio"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def import_local(items: list[ImportItem], settings: Settings, console: Console) -> list[ImportRow]:
    """Ingest every item, then run the new jobs here, one after another."""
    from pipeline.importer import ingest_file, process_job
    from pipeline.services import build_services
    from store.repository import claim_job

    with console.status("loading models…"):
        services = build_services(settings)
    rows: list[ImportRow] = []
    pending: list[tuple[ImportRow, int, float]] = []
    for item in items:
        row = ImportRow(str(item.path), "queued")
        rows.append(row)
        if item.error:
            row.status, row.detail = "failed", item.error
            continue
        try:
            with services.db.transaction() as session:
                result = ingest_file(
                    session, services.audio_store, item.path, item.request, services.asr_name, settings
                )
        except KeshengError as exc:
            row.status, row.detail = "failed", str(exc)
            continue
        with services.db.transaction() as session:
            job = get_job(session, result.job.id)
            row.duration = job.recording.duration
            if result.duplicate and job.status == "done":
                row.status, row.detail = "duplicate", f"already imported (job {job.id})"
                _fill_counts(services, job.interaction_id, row)
                continue
        pending.append((row, result.job.id, row.duration or 0.0))
    with _progress(console) as progress:
        task = progress.add_task("transcribing", total=sum(d for _, _, d in pending) or 1)
        for row, job_id, duration in pending:
            progress.update(task, description=f"transcribing {row.file[-40:]}")
            with services.db.transaction() as session:
                claimed = claim_job(session, job_id)
            if claimed:
                process_job(services, job_id)
            _finish_row(services, job_id, row)
            progress.advance(task, duration)
    return rows


def _finish_row(services: Services, job_id: int, row: ImportRow) -> None:
    with services.db.transaction() as session:
        job = get_job(session, job_id)
        row.status = job.status
        row.detail = job.error or f"job {job.id}, interaction {job.interaction_id}"
    if job.status == "done":
        _fill_counts(services, job.interaction_id, row)


def _fill_counts(services: Services, interaction_id: int | None, row: ImportRow) -> None:
    from store.repository import get_interaction

    if interaction_id is None:
        return
    with services.db.transaction() as session:
        interaction = get_interaction(session, interaction_id)
        row.utterances = len(interaction.utterances)
        row.complaints = len(interaction.complaints)


def import_remote(
    items: list[ImportItem], server: str, api_key: str | None, console: Console, timeout: float = 3600.0
) -> list[ImportRow]:
    """Upload each item to `server`, then poll the jobs until they finish."""
    headers = {"X-API-Key": api_key} if api_key else {}
    rows: list[ImportRow] = []
    jobs: list[tuple[ImportRow, int]] = []
    with (
        httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=120) as client,
        _progress(console) as progress,
    ):
        upload = progress.add_task("uploading", total=len(items))
        for item in items:
            row = ImportRow(str(item.path), "queued")
            rows.append(row)
            if item.error:
                row.status, row.detail = "failed", item.error
                progress.advance(upload)
                continue
            try:
                job = _upload(client, item)
            except (OSError, httpx.HTTPError, KeshengError) as exc:
                row.status, row.detail = "failed", str(exc)
            else:
                row.status = "duplicate" if job["duplicate"] and job["status"] == "done" else job["status"]
                jobs.append((row, job["id"]))
            progress.advance(upload)
        waiting = progress.add_task("processing", total=len(jobs))
        deadline = time.monotonic() + timeout
        open_jobs = dict((job_id, row) for row, job_id in jobs)
        while open_jobs and time.monotonic() < deadline:
            for job_id, row in list(open_jobs.items()):
                job = client.get(f"/api/v1/jobs/{job_id}").raise_for_status().json()
                if job["status"] in ("done", "failed", "dead"):
                    if row.status != "duplicate":
                        row.status = job["status"]
                    row.detail = job["error"] or f"job {job_id}, interaction {job['interaction_id']}"
                    if job["interaction_id"]:
                        detail = client.get(f"/api/v1/interactions/{job['interaction_id']}").json()
                        row.duration = detail["duration"]
                        row.utterances = len(detail["utterances"])
                        row.complaints = len(detail["complaints"])
                    del open_jobs[job_id]
                    progress.advance(waiting)
            if open_jobs:
                time.sleep(1.0)
        for row in open_jobs.values():
            row.detail = "still processing on the server"
    return rows


def _upload(client: httpx.Client, item: ImportItem) -> dict:
    data = {"channel": item.request.channel}
    for key in ("customer", "branch"):
        value = getattr(item.request, key)
        if value:
            data[key] = value
    if item.request.roles:
        data["stereo_roles"] = ",".join(item.request.roles)
    if item.request.occurred_at:
        data["occurred_at"] = item.request.occurred_at.isoformat()
    if item.request.staff:
        data["staff"] = item.request.staff
    with item.path.open("rb") as audio:
        response = client.post("/api/v1/recordings", data=data, files={"file": (item.path.name, audio)})
    if response.status_code >= 400:
        raise KeshengError(f"server refused it ({response.status_code}): {server_detail(response)}")
    return response.json()
