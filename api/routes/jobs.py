"""Job status."""

from fastapi import APIRouter

from api.deps import SessionDep, Uploader
from api.schemas import JobOut
from pipeline.params import JobParams
from store.repository import branch_id, get_job

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("/{job_id}", response_model=JobOut)
def job_status(job_id: int, session: SessionDep, caller: Uploader) -> JobOut:
    """Where an import stands; `error` says why a failed one failed."""
    job = get_job(session, job_id)
    caller.check(branch_id(session, JobParams.from_json(job.params).request.branch), "job", job_id)
    return JobOut.of(job)
