"""HTML pages of background jobs: a job's progress (it follows itself every second) and result; my jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Principal
from skillatlas.errors import NotAuthenticated, SkillAtlasError
from skillatlas.jobs import service
from skillatlas.jobs.models import Job, JobState
from skillatlas.web.deps import DB, Actor
from skillatlas.web.home import InboxItem, register_inbox
from skillatlas.web.nav import add_nav, logged_in
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)

add_nav("My jobs", "/jobs", "Mine", logged_in, order=90)


def _context(job: Job) -> dict[str, Any]:
    return {
        "job": job,
        "pct": service.percent(job),
        "state_words": service.STATE_WORDS,
        "kinds": service.KINDS,
    }


@router.get("/jobs", response_class=HTMLResponse)
def my_jobs(request: Request, db: DB, actor: Actor, everyone: bool = False) -> HTMLResponse:
    """My background jobs, the newest first (the office may list everyone's)."""
    if actor.user_id is None:
        raise NotAuthenticated("please log in first")
    office = actor.has(Role.ALLIANCE_OFFICE)
    jobs = service.list_jobs(db=db, actor=actor, everyone=everyone and office)
    return templates.TemplateResponse(
        request,
        "jobs/list.html",
        {"jobs": jobs, "everyone": everyone and office, "office": office, "state_words": service.STATE_WORDS},
    )


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: int, db: DB, actor: Actor) -> HTMLResponse:
    """A job: its progress while it runs, its result when it is done."""
    job = service.get_job(db=db, actor=actor, job_id=job_id)
    return templates.TemplateResponse(request, "jobs/job.html", _context(job))


@router.get("/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(request: Request, job_id: int, db: DB, actor: Actor) -> HTMLResponse:
    """The progress fragment the job's page asks for every second."""
    job = service.get_job(db=db, actor=actor, job_id=job_id)
    return templates.TemplateResponse(request, "jobs/_progress.html", _context(job))


@router.post("/jobs/{job_id}/retry", response_model=None)
def retry(request: Request, job_id: int, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Queues a failed job again; its page then follows it."""
    try:
        service.retry(db=db, actor=actor, job_id=job_id, data_dir=request.app.state.settings.data_dir)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        db.rollback()
        job = service.get_job(db=db, actor=actor, job_id=job_id)
        return templates.TemplateResponse(
            request, "jobs/job.html", {**_context(job), "error": exc.message}, status_code=exc.status_code
        )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def job_started(job: Job) -> RedirectResponse:
    """Where a page sends its user once it handed a long task to the job worker: the job's page."""
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@register_inbox
def _jobs(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    items = []
    for job in service.active_for(db, actor, now - dt.timedelta(days=1)):
        if job.state in (JobState.QUEUED, JobState.RUNNING):
            pct = service.percent(job)
            detail = f"{pct}% done" if pct is not None and job.state == JobState.RUNNING else "waiting"
            items.append(InboxItem(f"Running: {job.title}", f"/jobs/{job.id}", detail, kind="news"))
        elif job.state == JobState.DONE:
            summary = (job.result or {}).get("summary") or job.message
            items.append(InboxItem(f"Done: {job.title}", f"/jobs/{job.id}", summary, kind="news"))
        else:
            items.append(InboxItem(f"Failed: {job.title}", f"/jobs/{job.id}", job.message, kind="todo"))
    return items
