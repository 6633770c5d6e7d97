"""Upload a recording for import."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile, status
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, SessionDep, SettingsDep, Uploader, notify_workers
from api.schemas import JobOut
from api.uploads import spool_upload
from core.errors import ForbiddenError, InvalidRequestError
from core.kinds import Channel, one_of
from core.settings import parse_roles
from core.times import parse_time, zone
from pipeline.importer import ingest_file
from pipeline.params import ImportRequest
from store.audit import record
from store.repository import branch_id

router = APIRouter(prefix="/recordings", tags=["recordings"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
async def upload_recording(
    request: Request,
    background: BackgroundTasks,
    services: ServicesDep,
    settings: SettingsDep,
    caller: Uploader,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="wav, mp3, m4a, flac or ogg")],
    customer: Annotated[str | None, Form(description="the customer's id in your CRM", max_length=128)] = None,
    branch: Annotated[str | None, Form(description="branch code", max_length=64)] = None,
    channel: Annotated[str, Form(pattern=one_of(Channel))] = "call",
    stereo_roles: Annotated[str | None, Form(description="role per channel, e.g. staff,customer")] = None,
    staff: Annotated[str | None, Form(description="who served the customer (the call's agent)", max_length=128)] = None,
    occurred_at: Annotated[
        str | None,
        Form(
            description="when it was recorded: ISO 8601, or 2026-11-28 23:30 in KESHENG_DISPLAY_TIMEZONE", max_length=40
        ),
    ] = None,
) -> JobOut:
    """Store the audio and queue its import → 202 with the job to poll."""
    if caller.branch_ids is not None and branch_id(session, branch) not in caller.branch_ids:
        raise ForbiddenError("give the code of one of your own branches (branch=...)")
    limit = settings.max_upload_mb * 2**20  # the body limit itself is enforced while streaming (api/limits)
    roles = parse_roles(stereo_roles) if stereo_roles else None
    when = _when(occurred_at, settings.display_timezone)
    name = Path(file.filename or "upload").name
    tmp = await run_in_threadpool(spool_upload, iter(lambda: file.file.read(1 << 20), b""), limit, Path(name).suffix)
    try:
        req = ImportRequest(
            customer=customer or None,
            branch=branch or None,
            channel=channel,
            roles=roles,
            occurred_at=when,
            original_name=name,
            staff=staff or None,
        )
        result = await run_in_threadpool(
            ingest_file, session, services.audio_store, tmp, req, services.asr_name, settings
        )
    finally:
        tmp.unlink(missing_ok=True)
    record(
        session,
        caller,
        "recording.upload",
        "job",
        result.job.id,
        branch_id(session, branch),
        duplicate=result.duplicate,
    )
    if not result.duplicate:
        notify_workers(request, background, result.job.id, result.job.priority)
    return JobOut.of(result.job, duplicate=result.duplicate)


def _when(text: str | None, display_zone: str) -> datetime | None:
    if not text:
        return None
    try:
        return parse_time(text, zone(display_zone))
    except ValueError as exc:
        raise InvalidRequestError(f"occurred_at: {exc}") from exc
