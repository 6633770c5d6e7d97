"""Upload a recording for import."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile, status
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, SessionDep, SettingsDep, Uploader, notify_workers
from api.schemas import JobOut
from api.uploads import spool_upload
from core.errors import BusyError, ForbiddenError, InvalidRequestError
from core.kinds import Channel, one_of
from core.settings import parse_roles
from core.times import parse_time, zone
from pipeline.importer import Services, ingest_file
from pipeline.params import ImportRequest
from store.audit import record
from store.auth import Principal
from store.repository import EnqueueResult, branch_id

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
        result = await run_in_threadpool(_ingest_once, services, tmp, req, caller)
    finally:
        tmp.unlink(missing_ok=True)
    if not result.duplicate:
        notify_workers(request, background, result.job.id, result.job.priority)
    return JobOut.of(result.job, duplicate=result.duplicate)


def _ingest_once(services: Services, tmp: Path, req: ImportRequest, caller: Principal) -> EnqueueResult:
    """Store and queue the upload with its audit row, in a transaction of its own, committed here.

    Two clients uploading the same audio at the same moment (a retry in parallel) race for its hash:
    the loser's insert fails, and on the next try it finds the winner's recording and job and answers
    as the duplicate it is. A fresh transaction each try also lets SQLite's busy timeout do its work.
    """
    for attempt in range(5):
        try:
            with services.db.transaction() as session:
                result = ingest_file(session, services.audio_store, tmp, req, services.asr_name, services.settings)
                where = branch_id(session, req.branch)
                record(session, caller, "recording.upload", "job", result.job.id, where, duplicate=result.duplicate)
                return result
        except IntegrityError:
            continue  # the other upload committed first: the next try finds its recording and job
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.1 * (attempt + 1))  # SQLite: a writer that began before another's commit must begin again
    raise BusyError("the same audio is being uploaded at this moment; try again shortly", 2)


def _when(text: str | None, display_zone: str) -> datetime | None:
    if not text:
        return None
    try:
        return parse_time(text, zone(display_zone))
    except ValueError as exc:
        raise InvalidRequestError(f"occurred_at: {exc}") from exc
