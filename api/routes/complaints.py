"""The complaint queue: list with filters and counts, one complaint with its transcript, update, CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import Reviewer, SessionDep, SettingsDep
from api.schemas import (
    BulkResult,
    BulkUpdate,
    ComplaintDetail,
    ComplaintOut,
    ComplaintPage,
    ComplaintUpdate,
    InteractionOut,
)
from core.errors import InvalidRequestError
from core.times import parse_bound, zone
from store.audit import record
from store.auth import Principal
from store.cases import ComplaintFilter, complaint_counts, get_complaint, list_complaints, update_complaint
from store.models import Complaint, Interaction
from store.repository import get_interaction

router = APIRouter(prefix="/complaints", tags=["complaints"])
EXPORT_LIMIT = 50_000
CSV_COLUMNS = (
    "id",
    "occurred_at",
    "due_at",
    "contacts",
    "created_at",
    "branch",
    "customer",
    "channel",
    "severity",
    "category",
    "status",
    "assignee",
    "intent",
    "text",
)


def complaint_filter(
    caller: Reviewer,
    settings: SettingsDep,
    status: str | None = None,
    severity: str | None = None,
    branch: str | None = None,
    category: str | None = None,
    intent: str | None = None,
    since: Annotated[
        str | None, Query(description="raised on or after: a date (a whole day in KESHENG_DISPLAY_TIMEZONE) or a time")
    ] = None,
    until: Annotated[str | None, Query(description="raised before a time, or on or before a date")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    assignee: Annotated[str | None, Query(description="a user name, or `me`", max_length=128)] = None,
    overdue: Annotated[bool | None, Query(description="only cases escalated for passing their due time")] = None,
    sort: Annotated[
        str,
        Query(
            pattern="^(occurred|due|severity|priority)$",
            description="occurred | due | severity | priority (severity, then the customer's value)",
        ),
    ] = "occurred",
) -> ComplaintFilter:
    """The query's filters, always narrowed to the caller's branches."""
    where = zone(settings.display_timezone)
    try:
        first = parse_bound(since, where) if since else None
        last = parse_bound(until, where, end=True) if until else None
    except ValueError as exc:
        raise InvalidRequestError(f"since/until: {exc}") from exc
    return ComplaintFilter(
        status or None,
        severity or None,
        branch or None,
        category or None,
        first,
        last,
        limit,
        offset,
        intent or None,
        caller.branch_ids,
        caller.username if assignee == "me" else assignee or None,
        overdue,
        sort,
    )


Filters = Annotated[ComplaintFilter, Depends(complaint_filter)]


def read_complaints(session: Session, caller: Principal, filters: ComplaintFilter) -> tuple[list[Complaint], int]:
    """A page of the queue, audited as one list read (the API and the web queue both read it here)."""
    rows, total = list_complaints(session, filters)
    record(session, caller, "complaint.list", "complaint", None, None, ids=[c.id for c in rows], total=total)
    return rows, total


@router.get("", response_model=ComplaintPage)
def complaint_list(session: SessionDep, caller: Reviewer, filters: Filters) -> ComplaintPage:
    """Newest first; `total` counts all matches before paging, `counts` splits them by status and severity."""
    rows, total = read_complaints(session, caller, filters)
    return ComplaintPage(
        total=total, counts=complaint_counts(session, filters), items=[ComplaintOut.of(c) for c in rows]
    )


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def complaints_csv(complaints: list[Complaint]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for c in complaints:
        intent = next((t.label for t in c.utterance.tags if t.kind == "intent"), None)
        due = c.due_at.isoformat() if c.due_at else None
        row = [c.id, c.occurred_at.isoformat(), due, c.contacts, c.created_at.isoformat()]
        row += [c.branch.code if c.branch else None]
        row += [c.customer.external_id if c.customer else None, c.interaction.channel, c.severity, c.category]
        row += [c.status, c.assignee, intent, c.text]
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_rows(session: SessionDep, caller: Principal, filters: ComplaintFilter) -> bytes:
    """The filtered list (every page) as CSV, audited as one export."""
    rows, total = list_complaints(session, replace(filters, limit=EXPORT_LIMIT, offset=0))
    record(session, caller, "complaint.export", "complaint", None, None, rows=len(rows), total=total)
    return complaints_csv(rows)


@router.get("/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def complaint_export(session: SessionDep, caller: Reviewer, filters: Filters) -> Response:
    """The filtered complaint list as CSV (all pages, up to 50,000 rows)."""
    return Response(
        export_rows(session, caller, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="complaints.csv"'},
    )


def visible_complaint(session: Session, caller: Principal, complaint_id: int) -> Complaint:
    """A complaint in the caller's branches (404 otherwise)."""
    complaint = get_complaint(session, complaint_id)
    caller.check(complaint.branch_id, "complaint", complaint_id)
    return complaint


def read_complaint(session: Session, caller: Principal, complaint_id: int) -> tuple[Complaint, Interaction]:
    """A complaint in the caller's branches with its whole interaction, audited as one read."""
    complaint = visible_complaint(session, caller, complaint_id)
    record(session, caller, "complaint.read", "complaint", complaint.id, complaint.branch_id)
    return complaint, get_interaction(session, complaint.interaction_id)


@router.get("/{complaint_id}", response_model=ComplaintDetail)
def complaint_detail(complaint_id: int, session: SessionDep, caller: Reviewer) -> ComplaintDetail:
    """The complaint with its whole interaction (transcript, tags, other complaints)."""
    complaint, interaction = read_complaint(session, caller, complaint_id)
    return ComplaintDetail(complaint=ComplaintOut.of(complaint), interaction=InteractionOut.of(interaction))


@router.post("/bulk", response_model=BulkResult)
def complaint_bulk(body: BulkUpdate, session: SessionDep, caller: Reviewer) -> BulkResult:
    """Assign, move or dismiss many cases at once (all or none: one that is not the caller's refuses all)."""
    for complaint_id in body.ids:
        visible_complaint(session, caller, complaint_id)
    for complaint_id in dict.fromkeys(body.ids):
        _update(session, caller, complaint_id, body)
    return BulkResult(updated=list(dict.fromkeys(body.ids)))


def _update(session: Session, caller: Principal, complaint_id: int, body: ComplaintUpdate) -> Complaint:
    complaint = update_complaint(
        session, complaint_id, status=body.status, assignee=body.assignee, note=body.note, author=caller.username
    )
    changed = body.model_dump(exclude_none=True, exclude={"note", "ids"})
    record(
        session,
        caller,
        "complaint.update",
        "complaint",
        complaint.id,
        complaint.branch_id,
        **changed,
        note=bool(body.note),
    )
    return complaint


@router.patch("/{complaint_id}", response_model=ComplaintOut)
def complaint_update(complaint_id: int, body: ComplaintUpdate, session: SessionDep, caller: Reviewer) -> ComplaintOut:
    """Assign, move through new → in_review → resolved/dismissed, and add a note."""
    visible_complaint(session, caller, complaint_id)
    return ComplaintOut.of(_update(session, caller, complaint_id, body))
