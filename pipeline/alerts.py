"""Send alerts: signed JSON webhooks and 企业微信 / 钉钉 group robots, retried with backoff, every try
kept in the delivery log.

Signature: `X-Kesheng-Signature: sha256=<hex>` is HMAC-SHA256 with KESHENG_WEBHOOK_SECRET over
`<X-Kesheng-Timestamp>.<body>`; receivers recompute it and refuse old timestamps (replays).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from core.settings import Settings
from store.alerts import alert_targets, claim_due, record_attempt
from store.db import Database
from store.models import utcnow

log = logging.getLogger(__name__)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Kesheng-Signature value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def deliver_due(db: Database, settings: Settings, client: httpx.Client) -> int:
    """Try every delivery that is due; returns how many were tried."""
    if not alert_targets(settings):
        return 0
    with db.transaction() as session:
        due = [(d.id, d.event, d.target, d.payload) for d in claim_due(session, utcnow())]
    for delivery_id, event, target, payload in due:
        status: int | None = None
        error: str | None = None
        try:
            url, body, headers = _request(settings, target, delivery_id, event, payload)
            response = client.post(url, content=body, headers=headers)
            status = response.status_code
            error = _refusal(target, response)
        except (httpx.HTTPError, ValueError) as exc:
            error = f"{exc.__class__.__name__}: {exc}"
        if error:
            log.warning("%s alert %s failed: %s", target, delivery_id, error)
        with db.transaction() as session:
            record_attempt(session, delivery_id, error is None, status, error, settings)
    return len(due)


def _request(
    settings: Settings, target: str, delivery_id: int, event: str, payload: dict[str, Any]
) -> tuple[str, bytes, dict[str, str]]:
    """The URL, body and headers of one alert, in the format its target reads."""
    json_type = {"Content-Type": "application/json; charset=utf-8"}
    if target == "wecom":  # 企业微信 group robot: a markdown message
        text = robot_text(payload)
        body = {"msgtype": "markdown", "markdown": {"content": text}}
        return _configured(settings.wecom_webhook_url), _json(body), json_type
    if target == "dingtalk":  # 钉钉 group robot, signed (加签) when it has a secret
        url = _configured(settings.dingtalk_webhook_url)
        if settings.dingtalk_secret:
            timestamp = str(int(time.time() * 1000))
            url += ("&" if "?" in url else "?") + urlencode(
                {"timestamp": timestamp, "sign": dingtalk_sign(settings.dingtalk_secret, timestamp)}
            )
        body = {
            "msgtype": "markdown",
            "markdown": {"title": ALERT_TITLES.get(event, "客声"), "text": robot_text(payload)},
        }
        return url, _json(body), json_type
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        **json_type,
        "X-Kesheng-Event": event,
        "X-Kesheng-Delivery": str(delivery_id),
        "X-Kesheng-Timestamp": timestamp,
    }
    if settings.webhook_secret:
        headers["X-Kesheng-Signature"] = signature(settings.webhook_secret, timestamp, raw)
    return _configured(settings.webhook_url), raw, headers


def _configured(url: str | None) -> str:
    if not url:
        raise ValueError("this alert's target is no longer configured")
    return url


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def _refusal(target: str, response: httpx.Response) -> str | None:
    """Why the target did not take the alert (None: it did). The robots answer 200 with an errcode."""
    if not response.is_success:
        return f"HTTP {response.status_code}"
    if target in ("wecom", "dingtalk"):
        try:
            answer = response.json()
        except ValueError:
            return "the robot's answer is not JSON"
        if answer.get("errcode", 0) != 0:
            return f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:300]
    return None


ALERT_TITLES = {"complaint.flagged": "客声：投诉", "complaint.overdue": "客声：投诉逾期未处理"}
SEVERITY_WORDS = {"high": "高", "medium": "中", "low": "低"}


def robot_text(payload: dict[str, Any]) -> str:
    """The alert as the markdown both robots render (redacted text only, like every alert)."""
    title = ALERT_TITLES.get(str(payload.get("event")), "客声")
    lines = [
        f"### {title} #{payload.get('complaint_id')}",
        f"> 严重程度：{SEVERITY_WORDS.get(str(payload.get('severity')), payload.get('severity'))}"
        f" · 类别：{payload.get('category')} · 网点：{payload.get('branch') or '—'}",
        f"> 处理时限：{payload.get('due_at') or '—'}",
        "",
        str(payload.get("text") or "")[:500],
    ]
    return "\n".join(lines)


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """钉钉 加签: base64 of HMAC-SHA256 over "timestamp\\nsecret" with the secret as key."""
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()
