"""Webhook alerts, outbox style: the delivery row is written in the complaint's own transaction,
so an alert is never lost between the database and the network; pipeline/alerts.py sends it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.settings import Settings
from store.models import SEVERITIES, Complaint, WebhookDelivery, utcnow
from store.repository import rows_updated

EVENT = "complaint.flagged"  # a case opened, or escalated to a higher severity
OVERDUE = "complaint.overdue"  # a case passed its due time unresolved
CLAIM_SECONDS = 60.0  # a sender holds a delivery this long; if it dies, another sends it


def queue_alert(
    session: Session, complaint: Complaint, settings: Settings, event: str = EVENT
) -> WebhookDelivery | None:
    """A delivery for a case at or above the alert severity (any case that is overdue), when a webhook
    is configured."""
    targets = alert_targets(settings)
    if not targets:
        return None
    if event != OVERDUE and SEVERITIES.index(complaint.severity) < SEVERITIES.index(settings.alert_severity):
        return None
    session.flush()  # the complaint's id goes into the payload
    interaction = complaint.interaction
    payload = {
        "event": event,
        "complaint_id": complaint.id,
        "severity": complaint.severity,
        "category": complaint.category,
        "branch": complaint.branch.code if complaint.branch else None,
        "channel": interaction.channel if interaction else None,
        "created_at": (complaint.created_at or utcnow()).isoformat(),
        "text": complaint.text,  # redacted: personal data never leaves in an alert
        "due_at": complaint.due_at.isoformat() if complaint.due_at else None,
    }
    deliveries = [
        WebhookDelivery(complaint_id=complaint.id, event=event, target=target, payload=payload) for target in targets
    ]
    session.add_all(deliveries)
    return deliveries[0]


def alert_targets(settings: Settings) -> list[str]:
    """Where alerts go: the signed webhook and the group robots that are configured."""
    return [
        target
        for target, url in (
            ("webhook", settings.webhook_url),
            ("wecom", settings.wecom_webhook_url),
            ("dingtalk", settings.dingtalk_webhook_url),
        )
        if url
    ]


def claim_due(session: Session, now: datetime, limit: int = 20) -> list[WebhookDelivery]:
    """Pending deliveries due now, each claimed by pushing its next attempt out (safe across senders)."""
    due = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    ).all()
    claimed = []
    for delivery in due:
        claim = (
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id, WebhookDelivery.next_attempt_at == delivery.next_attempt_at)
            .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
            .execution_options(synchronize_session=False)
        )
        if rows_updated(session, claim) == 1:
            claimed.append(delivery)
    return claimed


def record_attempt(
    session: Session, delivery_id: int, ok: bool, status_code: int | None, error: str | None, settings: Settings
) -> None:
    """Delivered, or retried later (the delay doubles, at most an hour), or failed after the last try."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # its customer was deleted meanwhile
        return
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error
    now = utcnow()
    if ok:
        delivery.status, delivery.delivered_at = "delivered", now
    elif delivery.attempts >= settings.webhook_max_attempts:
        delivery.status = "failed"
    else:
        delay = min(settings.webhook_backoff_seconds * 2 ** (delivery.attempts - 1), 3600.0)
        delivery.next_attempt_at = now + timedelta(seconds=delay)


def recent_deliveries(session: Session, limit: int = 100) -> list[WebhookDelivery]:
    """The alert delivery log, newest first."""
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)))
