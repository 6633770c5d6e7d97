"""Capture devices: enrolment with a one-time code, heartbeats with the device token, list, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, status
from pydantic import BaseModel, Field

from api.deps import CurrentPrincipal, SessionDep, SettingsDep, bearer_token
from kesheng.errors import InvalidRequestError
from store.devices import (
    DeviceAuthError,
    Heartbeat,
    add_device,
    authenticate,
    enrol,
    health,
    list_devices,
    record_heartbeat,
    revoke,
)
from store.models import Device

router = APIRouter(prefix="/devices", tags=["devices"])


class DeviceOut(BaseModel):
    id: int
    name: str | None
    branch: str | None
    counter: str | None
    staff: str | None
    health: str = Field(description="ok | warning | offline | never_seen | not_enrolled | revoked")
    enrolled_at: datetime | None
    revoked_at: datetime | None
    last_seen_at: datetime | None
    agent_version: str | None
    input_level_db: float | None
    clipping: bool | None
    spool_backlog: int | None
    last_upload_at: datetime | None

    @classmethod
    def of(cls, d: Device) -> DeviceOut:
        return cls(
            id=d.id,
            name=d.name,
            branch=d.branch.code if d.branch else None,
            counter=d.counter,
            staff=d.staff,
            health=health(d),
            enrolled_at=d.enrolled_at,
            revoked_at=d.revoked_at,
            last_seen_at=d.last_seen_at,
            agent_version=d.agent_version,
            input_level_db=d.input_level_db,
            clipping=d.clipping,
            spool_backlog=d.spool_backlog,
            last_upload_at=d.last_upload_at,
        )


class DeviceCreate(BaseModel):
    branch: str = Field(min_length=1, max_length=64)
    counter: str | None = Field(None, max_length=64)
    staff: str | None = Field(None, max_length=128)


class DeviceCreated(BaseModel):
    device: DeviceOut
    enrolment_code: str = Field(description="one-time; shown only now")


class EnrolRequest(BaseModel):
    code: str = Field(min_length=4, max_length=32)
    name: str | None = Field(None, max_length=200)


class EnrolResponse(BaseModel):
    device_id: int
    token: str = Field(description="the device's credential; shown only now")


class HeartbeatIn(BaseModel):
    agent_version: str | None = Field(None, max_length=64)
    input_level_db: float | None = Field(None, ge=-200, le=20)
    clipping: bool | None = None
    spool_backlog: int | None = Field(None, ge=0)
    last_upload_at: datetime | None = None


def _device_auth_failed(exc: InvalidRequestError) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"})


@router.get("", response_model=list[DeviceOut])
def devices(session: SessionDep, _caller: CurrentPrincipal) -> list[DeviceOut]:
    """Every device with its health and last heartbeat."""
    return [DeviceOut.of(d) for d in list_devices(session)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DeviceCreated)
def create_device(
    body: DeviceCreate, session: SessionDep, settings: SettingsDep, _caller: CurrentPrincipal
) -> DeviceCreated:
    """Register a device for a branch/counter/staff member; returns its one-time enrolment code."""
    device, code = add_device(session, body.branch, body.counter, body.staff, settings.enrolment_hours)
    return DeviceCreated(device=DeviceOut.of(device), enrolment_code=code)


@router.post("/enrol", response_model=EnrolResponse)
def enrol_device(body: EnrolRequest, session: SessionDep) -> EnrolResponse:
    """Trade the one-time code for the device token (no API key: the code is the credential)."""
    try:
        device, token = enrol(session, body.code, body.name)
    except DeviceAuthError as exc:
        raise _device_auth_failed(exc) from exc
    return EnrolResponse(device_id=device.id, token=token)


@router.post("/heartbeat", response_model=DeviceOut)
def heartbeat(
    body: HeartbeatIn, session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> DeviceOut:
    """An agent reports its health with `Authorization: Bearer <device token>`."""
    try:
        device = authenticate(session, bearer_token(authorization) or "")
    except DeviceAuthError as exc:
        raise _device_auth_failed(exc) from exc
    return DeviceOut.of(record_heartbeat(session, device, Heartbeat(**body.model_dump())))


@router.post("/{device_id}/revoke", response_model=DeviceOut)
def revoke_device(device_id: int, session: SessionDep, _caller: CurrentPrincipal) -> DeviceOut:
    """Revoke at once: the token is refused from the next request on."""
    return DeviceOut.of(revoke(session, device_id))
