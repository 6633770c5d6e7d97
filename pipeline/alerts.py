"""Send webhook alerts: signed JSON POSTs, retried with backoff, every try kept in the delivery log.

Signature: `X-Kesheng-Signature: sha256=<hex>` is HMAC-SHA256 with KESHENG_WEBHOOK_SECRET over
`<X-Kesheng-Timestamp>.<body>`; receivers recompute it and refuse old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import httpx

from core.settings import Settings
from store.alerts import claim_due, record_attempt
from store.db import Database
from store.models import utcnow

log = logging.getLogger(__name__)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Kesheng-Signature value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def deliver_due(db: Database, settings: Settings, client: httpx.Client) -> int:
    """Try every delivery that is due; returns how many were tried."""
    if not settings.webhook_url:
        return 0
    with db.transaction() as session:
        due = [(d.id, d.event, d.payload) for d in claim_due(session, utcnow())]
    for delivery_id, event, payload in due:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Kesheng-Event": event,
            "X-Kesheng-Delivery": str(delivery_id),
            "X-Kesheng-Timestamp": timestamp,
        }
        if settings.webhook_secret:
            headers["X-Kesheng-Signature"] = signature(settings.webhook_secret, timestamp, body)
        status: int | None = None
        error: str | None = None
        try:
            response = client.post(settings.webhook_url, content=body, headers=headers)
            status = response.status_code
            if not response.is_success:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{exc.__class__.__name__}: {exc}"
        if error:
            log.warning("webhook delivery %s failed: %s", delivery_id, error)
        with db.transaction() as session:
            record_attempt(session, delivery_id, error is None, status, error, settings)
    return len(due)
