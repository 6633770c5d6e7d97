"""Capture sessions: which device heard whom, and putting a session on a customer's record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep, Uploader
from api.schemas import CaptureSessionOut, CustomerAttach
from store.audit import record
from store.captures import attach_customer, get_capture_session, list_capture_sessions, utterance_count
from store.models import CaptureSession

router = APIRouter(prefix="/capture-sessions", tags=["devices"])


def _out(session: SessionDep, capture: CaptureSession) -> CaptureSessionOut:
    return CaptureSessionOut.of(capture, utterance_count(session, capture.id))


@router.get("", response_model=list[CaptureSessionOut])
def sessions(
    session: SessionDep,
    caller: Uploader,
    device_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CaptureSessionOut]:
    """Newest first; `device_id` narrows to one counter or headset. Only the caller's branches."""
    captures = list_capture_sessions(session, device_id, limit, caller.branch_ids)
    return [_out(session, c) for c in captures]


@router.put("/{capture_session_id}/customer", response_model=CaptureSessionOut)
def attach(capture_session_id: int, body: CustomerAttach, session: SessionDep, caller: Uploader) -> CaptureSessionOut:
    """The customer at the counter (queue ticket / CRM id): the session and its complaints move to them."""
    capture = get_capture_session(session, capture_session_id)
    caller.check(capture.device.branch_id, "capture session", capture_session_id)
    capture = attach_customer(session, capture, body.customer)
    record(session, caller, "capture_session.attach", "capture_session", capture.id, capture.device.branch_id)
    return _out(session, capture)
