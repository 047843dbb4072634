"""REST API of background jobs: a job's progress and result, for its owner and the office."""

from __future__ import annotations

from fastapi import APIRouter, Request

from skillatlas.jobs import service
from skillatlas.jobs.schemas import JobRead
from skillatlas.web.deps import DB, Actor

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.get("", response_model=list[JobRead])
def list_jobs(db: DB, actor: Actor, everyone: bool = False) -> list[JobRead]:
    """My jobs, the newest first (the office: everyone's with `everyone=true`)."""
    return [
        JobRead.model_validate(service.job_read(j))
        for j in service.list_jobs(db=db, actor=actor, everyone=everyone)
    ]


@router.get("/{job_id}", response_model=JobRead)
def read_job(job_id: int, db: DB, actor: Actor) -> JobRead:
    """A job's state and progress (done of total), and its result once done."""
    return JobRead.model_validate(service.job_read(service.get_job(db=db, actor=actor, job_id=job_id)))


@router.post("/{job_id}/retry", response_model=JobRead, status_code=202)
def retry_job(request: Request, job_id: int, db: DB, actor: Actor) -> JobRead:
    """Queues a failed job again (nothing of its failed run was saved)."""
    job = service.retry(db=db, actor=actor, job_id=job_id, data_dir=request.app.state.settings.data_dir)
    return JobRead.model_validate(service.job_read(job))
