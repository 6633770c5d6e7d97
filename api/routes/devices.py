"""Capture devices: enrolment with a one-time code; heartbeats and live utterances with the device token."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Header, HTTPException, Request, UploadFile, status
from starlette.concurrency import run_in_threadpool

from api.deps import DeviceAdmin, ServicesDep, SessionDep, SettingsDep, bearer_token, notify_workers
from api.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceOut,
    EnrolRequest,
    EnrolResponse,
    HeartbeatIn,
    LiveUtteranceOut,
)
from api.uploads import spool_upload
from audio import SAMPLE_RATE
from core.errors import InvalidRequestError
from core.kinds import CaptureMode, Role, one_of
from pipeline.live import LiveUpload, ingest_utterance
from store.audit import record
from store.captures import LIVE_PRIORITY
from store.devices import (
    DeviceAuthError,
    Heartbeat,
    add_device,
    authenticate,
    enrol,
    get_device,
    list_devices,
    record_heartbeat,
    revoke,
)

router = APIRouter(prefix="/devices", tags=["devices"])


def _device_auth_failed(exc: InvalidRequestError) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"})


@router.get("", response_model=list[DeviceOut])
def devices(session: SessionDep, _caller: DeviceAdmin) -> list[DeviceOut]:
    """Every device with its health and last heartbeat."""
    return [DeviceOut.of(d) for d in list_devices(session)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DeviceCreated)
def create_device(body: DeviceCreate, session: SessionDep, settings: SettingsDep, caller: DeviceAdmin) -> DeviceCreated:
    """Register a device for a branch/counter/staff member; returns its one-time enrolment code."""
    device, code = add_device(session, body.branch, body.counter, body.staff, settings.enrolment_hours)
    record(session, caller, "device.create", "device", device.id, device.branch_id)
    return DeviceCreated(device=DeviceOut.of(device), enrolment_code=code)


@router.post("/enrol", response_model=EnrolResponse)
def enrol_device(body: EnrolRequest, session: SessionDep) -> EnrolResponse:
    """Trade the one-time code for the device token (no API key: the code is the credential)."""
    try:
        device, token = enrol(session, body.code, body.name)
    except DeviceAuthError as exc:
        raise _device_auth_failed(exc) from exc
    return EnrolResponse(device_id=device.id, token=token)


def current_device_id(services: ServicesDep, authorization: Annotated[str | None, Header()] = None) -> int:
    """The device whose token is in `Authorization: Bearer <device token>`; 401 when unknown or revoked."""
    try:
        with services.db.transaction() as session:
            return authenticate(session, bearer_token(authorization) or "").id
    except DeviceAuthError as exc:
        raise _device_auth_failed(exc) from exc


CurrentDevice = Annotated[int, Depends(current_device_id)]


@router.post("/heartbeat", response_model=DeviceOut)
def heartbeat(body: HeartbeatIn, session: SessionDep, device_id: CurrentDevice) -> DeviceOut:
    """An agent reports its health with `Authorization: Bearer <device token>`."""
    device = get_device(session, device_id)
    return DeviceOut.of(record_heartbeat(session, device, Heartbeat(**body.model_dump())))


@router.get("/me", response_model=DeviceOut)
def this_device(session: SessionDep, device_id: CurrentDevice) -> DeviceOut:
    """The device a token belongs to (an agent started with --token learns its id here)."""
    return DeviceOut.of(get_device(session, device_id))


@router.post("/utterances", status_code=status.HTTP_202_ACCEPTED, response_model=LiveUtteranceOut)
async def upload_utterance(
    request: Request,
    background: BackgroundTasks,
    services: ServicesDep,
    settings: SettingsDep,
    device_id: CurrentDevice,
    idempotency_key: Annotated[str, Header(description="device:session:seq")],
    audio: Annotated[UploadFile, File(description="the utterance, 16 kHz mono WAV")],
    session: Annotated[str, Form(min_length=1, max_length=64)],
    seq: Annotated[int, Form(ge=0)],
    started_at: Annotated[datetime, Form(description="when the utterance began (ISO 8601 with zone)")],
    session_started_at: Annotated[datetime, Form(description="when the session began")],
    sha256: Annotated[str, Form(pattern="^[0-9a-fA-F]{64}$")],
    role: Annotated[str, Form(pattern=one_of(Role))] = "unknown",
    mode: Annotated[str, Form(pattern=one_of(CaptureMode))] = "counter",
    customer: Annotated[str | None, Form(max_length=128)] = None,
) -> LiveUtteranceOut:
    """A live utterance from an agent → 202. The same key again is acknowledged without storing twice."""
    upload = LiveUpload(session, seq, started_at, session_started_at, role, mode, customer or None, sha256)
    if idempotency_key != upload.key(device_id):
        raise InvalidRequestError(f"Idempotency-Key must be {upload.key(device_id)!r} for this device and upload")
    # A WAV of the longest utterance plus its header; anything bigger is refused while it streams in.
    limit = int(settings.max_utterance_seconds * SAMPLE_RATE * 2) + 4096
    tmp = await run_in_threadpool(spool_upload, iter(lambda: audio.file.read(1 << 16), b""), limit, ".wav")
    try:
        result = await run_in_threadpool(ingest_utterance, services, device_id, upload, tmp)
    finally:
        tmp.unlink(missing_ok=True)
    if not result.duplicate:
        notify_workers(request, background, result.job_id, LIVE_PRIORITY)
    return LiveUtteranceOut(**asdict(result))


@router.post("/{device_id}/revoke", response_model=DeviceOut)
def revoke_device(device_id: int, session: SessionDep, caller: DeviceAdmin) -> DeviceOut:
    """Revoke at once: the token is refused from the next request on."""
    device = revoke(session, device_id)
    record(session, caller, "device.revoke", "device", device.id, device.branch_id)
    return DeviceOut.of(device)
