"""Job status."""

from fastapi import APIRouter

from api.deps import CurrentPrincipal, SessionDep
from api.schemas import JobOut
from store.repository import get_job

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("/{job_id}", response_model=JobOut)
def job_status(job_id: int, session: SessionDep, _caller: CurrentPrincipal) -> JobOut:
    """Where an import stands; `error` says why a failed one failed."""
    return JobOut.of(get_job(session, job_id))
