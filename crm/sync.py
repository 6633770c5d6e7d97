"""Pull customers and purchases from a CRM; push cases to it. Each step in its own transaction, so a
failure part-way keeps what was done, and the next run picks up from there."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from core.kinds import ComplaintStatus
from crm.connector import CALL_ERRORS, CaseRecord, Connector
from store.customer_value import add_purchases, rescore
from store.db import Database
from store.models import Complaint
from store.repository import get_or_create_customer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PullReport:
    customers: int
    purchases: int  # new ones
    scored: int


@dataclass
class PushReport:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def pull(db: Database, connector: Connector, churn_days: float = 180.0) -> PullReport:
    """Every customer and won deal the CRM has; then every customer is scored again."""
    customers = list(connector.customers())
    purchases = list(connector.purchases())
    with db.transaction() as session:
        for external_id in customers:
            get_or_create_customer(session, external_id)
        added = add_purchases(session, purchases, source=connector.name)
        scored = rescore(session, churn_days=churn_days)
    return PullReport(len(customers), added, scored)


def push(db: Database, connector: Connector) -> PushReport:
    """Cases the CRM has not got (dismissed ones are no complaint), and status changes of those it has."""
    with db.transaction() as session:
        waiting = session.scalars(
            select(Complaint)
            .where(
                or_(
                    (Complaint.crm_id.is_(None)) & (Complaint.status != ComplaintStatus.dismissed),
                    (Complaint.crm_id.is_not(None)) & (Complaint.crm_status != Complaint.status),
                )
            )
            .order_by(Complaint.id)
        ).all()
        records = [
            (
                CaseRecord(
                    c.id,
                    c.customer.external_id if c.customer else None,
                    c.status,
                    c.severity,
                    c.category,
                    c.text,
                ),
                c.crm_id,
            )
            for c in waiting
        ]
    report = PushReport()
    for record, crm_id in records:
        try:
            pushed = connector.push_case(record, crm_id)
        except CALL_ERRORS as exc:
            log.warning("case %s not pushed to %s: %s", record.number, connector.name, exc)
            report.failed.append((record.number, str(exc)))
            continue
        with db.transaction() as session:
            case = session.get(Complaint, record.number)
            if case is not None:
                case.crm_id, case.crm_status = pushed, record.status
        (report.updated if crm_id else report.created).append(record.number)
    return report
