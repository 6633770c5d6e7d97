"""Alerts to 企业微信 and 钉钉 group robots, against the shipped fake robots over real HTTP."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from core.settings import Settings
from kesheng.fake_robots import BAD_SIGNATURE, RATE_LIMITED, FakeRobots
from pipeline.alerts import deliver_due
from store.db import Database
from store.interactions import UtteranceRow
from store.models import WebhookDelivery
from tests.seed import call_with_case

SAID = UtteranceRow(0.0, 3.0, 0, "customer", "再不退钱我就去银保监会投诉你们", "再 不 退钱 我 就 去 银保监会 投诉 你们")


def _high_case(db: Database, settings: Settings) -> None:
    with db.transaction() as session:
        call_with_case(session, settings, said=SAID, severity="high")


def _send_until_settled(db: Database, settings: Settings) -> list[WebhookDelivery]:
    deadline = time.monotonic() + 30
    with httpx.Client(timeout=5) as client:
        while True:
            deliver_due(db, settings, client)
            with db.transaction() as session:
                deliveries = list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
            if all(d.status != "pending" for d in deliveries) or time.monotonic() > deadline:
                return deliveries
            time.sleep(0.1)


def test_a_high_case_reaches_both_group_robots_signed_and_retried(db: Database) -> None:
    with FakeRobots(dingtalk_secret="SECtest") as robots:
        robots.inbox.busy = 1  # the first message is refused as rate-limited, and sent again
        settings = Settings(
            wecom_webhook_url=robots.wecom_url,
            dingtalk_webhook_url=robots.dingtalk_url,
            dingtalk_secret="SECtest",
            webhook_backoff_seconds=0.1,
            _env_file=None,
        )
        _high_case(db, settings)
        deliveries = _send_until_settled(db, settings)
    assert sorted((d.target, d.status) for d in deliveries) == [("dingtalk", "delivered"), ("wecom", "delivered")]
    assert sum(d.attempts for d in deliveries) == 3 and robots.inbox.refused[0][1] == RATE_LIMITED
    [wecom] = robots.inbox.messages["wecom"]
    [dingtalk] = robots.inbox.messages["dingtalk"]
    assert wecom["msgtype"] == "markdown" and "投诉" in wecom["markdown"]["content"]
    assert "银保监会" in wecom["markdown"]["content"] and "严重程度：高" in wecom["markdown"]["content"]
    assert (
        dingtalk["markdown"]["title"] == "客声：投诉" and dingtalk["markdown"]["text"] == wecom["markdown"]["content"]
    )


def test_a_wrong_dingtalk_secret_is_refused_and_given_up_after_the_tries(db: Database) -> None:
    with FakeRobots(dingtalk_secret="SECright") as robots:
        settings = Settings(
            dingtalk_webhook_url=robots.dingtalk_url,
            dingtalk_secret="SECwrong",
            webhook_backoff_seconds=0.1,
            webhook_max_attempts=2,
            _env_file=None,
        )
        _high_case(db, settings)
        [delivery] = _send_until_settled(db, settings)
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert delivery.last_error is not None and str(BAD_SIGNATURE) in delivery.last_error
    assert robots.inbox.messages["dingtalk"] == []
