"""The complaint queue: list with filters, update (assign, status, note)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentPrincipal, SessionDep
from api.schemas import ComplaintOut, ComplaintPage, ComplaintUpdate
from store.repository import ComplaintFilter, list_complaints, update_complaint

router = APIRouter(prefix="/complaints", tags=["complaints"])


@router.get("", response_model=ComplaintPage)
def complaint_list(
    session: SessionDep,
    _caller: CurrentPrincipal,
    status: str | None = None,
    severity: str | None = None,
    branch: str | None = None,
    category: str | None = None,
    since: Annotated[datetime | None, Query(description="created at or after")] = None,
    until: Annotated[datetime | None, Query(description="created before")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ComplaintPage:
    """Newest first; `total` counts all matches before paging."""
    rows, total = list_complaints(
        session, ComplaintFilter(status, severity, branch, category, since, until, limit, offset)
    )
    return ComplaintPage(total=total, items=[ComplaintOut.of(c) for c in rows])


@router.patch("/{complaint_id}", response_model=ComplaintOut)
def complaint_update(
    complaint_id: int, body: ComplaintUpdate, session: SessionDep, caller: CurrentPrincipal
) -> ComplaintOut:
    """Assign, move through new → in_review → resolved/dismissed, and add a note."""
    complaint = update_complaint(
        session, complaint_id, status=body.status, assignee=body.assignee, note=body.note, author=caller.name
    )
    return ComplaintOut.of(complaint)
