"""Capture devices: enrolment with a one-time code, heartbeats with the device token, list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, status

from api.deps import CurrentPrincipal, SessionDep, SettingsDep, bearer_token
from api.schemas import DeviceCreate, DeviceCreated, DeviceOut, EnrolRequest, EnrolResponse, HeartbeatIn
from kesheng.errors import InvalidRequestError
from store.devices import (
    DeviceAuthError,
    Heartbeat,
    add_device,
    authenticate,
    enrol,
    list_devices,
    record_heartbeat,
    revoke,
)

router = APIRouter(prefix="/devices", tags=["devices"])


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
