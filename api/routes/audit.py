"""The audit log (auditors and admins), the dashboard's figures, and the webhook delivery log."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import Admin, Auditor, DashboardViewer, SessionDep, SettingsDep
from api.schemas import AuditEntryOut, AuditPage, WebhookDeliveryOut
from core.times import zone
from store.alerts import recent_deliveries
from store.audit import AuditFilter, list_entries
from store.dashboard import build_dashboard

router = APIRouter(tags=["oversight"])


@router.get("/audit", response_model=AuditPage)
def audit_log(
    session: SessionDep,
    _caller: Auditor,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditPage:
    """Who read or changed what, newest first. Entries never hold the content that was read."""
    rows, total = list_entries(session, AuditFilter(actor, action, object_type, object_id, since, until, limit, offset))
    return AuditPage(total=total, items=[AuditEntryOut.model_validate(r) for r in rows])


@router.get("/dashboard")
def dashboard(
    session: SessionDep,
    settings: SettingsDep,
    caller: DashboardViewer,
    days: Annotated[int, Query(ge=1, le=3660)] = 90,
) -> dict[str, Any]:
    """Cases per branch/category/week raised (weeks in the display zone), sentiment per week, top keywords,
    customers at risk."""
    return asdict(build_dashboard(session, caller.branch_ids, days, zone(settings.display_timezone)))


@router.get("/webhook-deliveries", response_model=list[WebhookDeliveryOut])
def webhook_deliveries(
    session: SessionDep, _caller: Admin, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[WebhookDeliveryOut]:
    """The alert delivery log, newest first: attempts, last status, when the next try is due."""
    return [WebhookDeliveryOut.model_validate(r) for r in recent_deliveries(session, limit)]
