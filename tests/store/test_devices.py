"""The device registry on SQLite and PostgreSQL: codes, tokens (hashed), heartbeats, revocation, health."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from store.db import Database
from store.devices import (
    DeviceAuthError,
    Heartbeat,
    add_device,
    authenticate,
    enrol,
    health,
    record_heartbeat,
    revoke,
)
from store.models import Device, utcnow


def test_enrolment_code_is_single_use_and_token_is_stored_hashed(db: Database) -> None:
    with db.transaction() as session:
        device, code = add_device(session, "BJ01", counter="3", staff="wang")
        assert health(device) == "not_enrolled"
    with db.transaction() as session:
        enrolled, token = enrol(session, code.lower().replace("-", " "), name="counter-3-pc")  # typed sloppily
        assert enrolled.id == device.id and enrolled.name == "counter-3-pc"
        assert token.startswith("ksd_") and len(token) > 40
    with db.transaction() as session:
        with pytest.raises(DeviceAuthError, match="already used"):
            enrol(session, code)
        assert authenticate(session, token).id == device.id
        dump = " ".join(str(v) for row in session.execute(text("SELECT * FROM devices")) for v in row)
        assert token not in dump and code not in dump


def test_expired_code_and_unknown_token_are_refused(db: Database) -> None:
    with db.transaction() as session:
        device, code = add_device(session, "SH01", valid_hours=1)
        device.enrolment_expires_at = utcnow() - timedelta(minutes=1)
    with db.transaction() as session:
        with pytest.raises(DeviceAuthError, match="expired"):
            enrol(session, code)
        with pytest.raises(DeviceAuthError, match="unknown device token"):
            authenticate(session, "ksd_not-a-token")
        with pytest.raises(DeviceAuthError):
            authenticate(session, "")


def test_revocation_is_immediate(db: Database) -> None:
    with db.transaction() as session:
        _device, code = add_device(session, "GZ01")
        device, token = enrol(session, code)
    with db.transaction() as session:
        revoke(session, device.id)
    with db.transaction() as session:
        with pytest.raises(DeviceAuthError, match="revoked"):
            authenticate(session, token)
        assert health(session.get(Device, device.id)) == "revoked"


def test_heartbeats_drive_health(db: Database) -> None:
    with db.transaction() as session:
        _device, code = add_device(session, "WH01")
        device, _token = enrol(session, code)
        assert health(device) == "never_seen"
        record_heartbeat(session, device, Heartbeat(agent_version="1.0", input_level_db=-32.5, spool_backlog=0))
        assert health(device) == "ok"
        record_heartbeat(session, device, Heartbeat(agent_version="1.0", clipping=True))
        assert health(device) == "warning"
        assert health(device, now=utcnow() + timedelta(minutes=10)) == "offline"
