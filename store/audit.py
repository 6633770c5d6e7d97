"""The audit log: one row per read of personal data and per change, never the content itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.auth import Principal
from store.models import AuditEntry


def record(
    session: Session,
    who: Principal,
    action: str,
    object_type: str,
    object_id: object = None,
    branch_id: int | None = None,
    **detail: Any,
) -> None:
    """Append one entry in the caller's transaction: if the read or change fails, so does its entry."""
    session.add(
        AuditEntry(
            actor=who.username,
            role=who.role,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            branch_id=branch_id,
            detail=detail,
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor asks for."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


def list_entries(session: Session, where: AuditFilter) -> tuple[list[AuditEntry], int]:
    """Newest first, with the total before paging."""
    query = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor, where.actor),
        (AuditEntry.action, where.action),
        (AuditEntry.object_type, where.object_type),
        (AuditEntry.object_id, where.object_id),
    ):
        if value:
            query = query.where(column == value)
    if where.since:
        query = query.where(AuditEntry.at >= where.since)
    if where.until:
        query = query.where(AuditEntry.at < where.until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(where.limit).offset(where.offset)).all()
    return list(rows), total
