"""The device registry: one-time enrolment codes, per-device tokens (stored hashed), heartbeats, revocation.

Functions take a session and never commit, like the rest of store/.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.errors import InvalidRequestError, NotFoundError
from store.models import Device, utcnow
from store.repository import get_or_create_branch

TOKEN_PREFIX = "ksd_"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and typed


class DeviceAuthError(InvalidRequestError):
    """A device token that is unknown or revoked."""


def hash_secret(secret: str) -> str:
    """What is stored of a random code or token (devices', users'): its SHA-256.

    They are random, not passwords: a plain hash is enough to make a database leak useless.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def _normalise_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def new_code() -> str:
    """An 8-character enrolment code shown as XXXX-XXXX."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def add_device(
    session: Session, branch: str, counter: str | None = None, staff: str | None = None, valid_hours: float = 24.0
) -> tuple[Device, str]:
    """Register a device slot and return it with its one-time enrolment code (shown once)."""
    if not branch:
        raise InvalidRequestError("a device needs a branch")
    code = new_code()
    device = Device(
        branch=get_or_create_branch(session, branch),
        counter=counter,
        staff=staff,
        enrolment_code_hash=hash_secret(_normalise_code(code)),
        enrolment_expires_at=utcnow() + timedelta(hours=valid_hours),
    )
    session.add(device)
    session.flush()
    return device, code


def enrol(session: Session, code: str, name: str | None = None) -> tuple[Device, str]:
    """Trade a valid enrolment code for a device token (shown once); the code cannot be used again."""
    device = session.scalar(select(Device).where(Device.enrolment_code_hash == hash_secret(_normalise_code(code))))
    if device is None or device.revoked_at is not None:
        raise DeviceAuthError("unknown or already used enrolment code")
    if device.enrolment_expires_at is not None and device.enrolment_expires_at < utcnow():
        raise DeviceAuthError("enrolment code has expired; ask for a new one")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device.token_hash = hash_secret(token)
    device.enrolment_code_hash = None
    device.enrolment_expires_at = None
    device.enrolled_at = utcnow()
    device.name = name or device.name
    session.flush()
    return device, token


def authenticate(session: Session, token: str) -> Device:
    """The device a token belongs to; refused at once when revoked."""
    device = session.scalar(select(Device).where(Device.token_hash == hash_secret(token))) if token else None
    if device is None:
        raise DeviceAuthError("unknown device token")
    if device.revoked_at is not None:
        raise DeviceAuthError("device token has been revoked")
    return device


@dataclass(frozen=True)
class Heartbeat:
    """What an agent reports about itself."""

    agent_version: str | None = None
    input_level_db: float | None = None
    clipping: bool | None = None
    spool_backlog: int | None = None
    last_upload_at: datetime | None = None
    spool_full: bool | None = None


def record_heartbeat(session: Session, device: Device, beat: Heartbeat) -> Device:
    """Store the agent's latest health figures and mark it seen now."""
    device.last_seen_at = utcnow()
    device.agent_version = beat.agent_version
    device.input_level_db = beat.input_level_db
    device.clipping = beat.clipping
    device.spool_backlog = beat.spool_backlog
    device.spool_full = beat.spool_full
    device.last_upload_at = beat.last_upload_at or device.last_upload_at
    session.flush()
    return device


def get_device(session: Session, device_id: int) -> Device:
    """A device by id."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFoundError("device", device_id)
    return device


def revoke(session: Session, device_id: int) -> Device:
    """Revoke a device: its token and any unused code stop working immediately."""
    device = get_device(session, device_id)
    device.revoked_at = device.revoked_at or utcnow()
    device.enrolment_code_hash = None
    session.flush()
    return device


def list_devices(session: Session) -> list[Device]:
    """All devices, oldest first."""
    return list(session.scalars(select(Device).options(selectinload(Device.branch)).order_by(Device.id)))


STALE_AFTER = timedelta(minutes=2)
BACKLOG_WARNING = 50


def health(device: Device, now: datetime | None = None) -> str:
    """revoked | not_enrolled | never_seen | spool_full | offline | warning (clipping, backlog) | ok."""
    now = now or utcnow()
    if device.revoked_at is not None:
        return "revoked"
    if device.enrolled_at is None:
        return "not_enrolled"
    if device.last_seen_at is None:
        return "never_seen"
    if device.spool_full:  # capture has stopped: the most urgent thing to fix, even if it went offline
        return "spool_full"
    if now - device.last_seen_at > STALE_AFTER:
        return "offline"
    if device.clipping or (device.spool_backlog or 0) > BACKLOG_WARNING:
        return "warning"
    return "ok"
