"""REST API of market intelligence: skills in a text, job titles to occupations, job ads and demand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from skillatlas.auth.permissions import authorize
from skillatlas.intelligence import service
from skillatlas.intelligence.engine import engine_for
from skillatlas.intelligence.schemas import (
    DemandLoadReport,
    DemandReport,
    ExtractedSkillRead,
    ExtractRequest,
    ImportReport,
    OccupationMatch,
)
from skillatlas.jobs.schemas import JobRead
from skillatlas.web.deps import DB, Actor, Today

router = APIRouter(prefix="/api/intelligence", tags=["intelligence"])


def engine(request: Request):  # type: ignore[no-untyped-def]
    settings = request.app.state.settings
    return engine_for(settings.data_dir, settings.embedding_backend)


@router.post("/extract", response_model=list[ExtractedSkillRead])
def extract(request: Request, db: DB, data: ExtractRequest) -> list[ExtractedSkillRead]:
    """The taxonomy skills a text (job ad, CV, course description) mentions or implies, ranked, with evidence."""
    return service.extract_skills(
        db=db,
        extractor=engine(request).skill_extractor(db),
        text=data.text,
        top=data.top,
        check_language=not data.any_language,
    )


@router.get("/job-titles", response_model=list[OccupationMatch])
def job_title(
    request: Request,
    db: DB,
    title: Annotated[str, Query(min_length=1, max_length=300)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[OccupationMatch]:
    """The ESCO occupations closest to a free job title."""
    return engine(request).match_job_title(db, title, k)


@router.post("/job-ads", response_model=ImportReport)
async def import_job_ads(
    request: Request,
    db: DB,
    actor: Actor,
    today: Today,
    file: Annotated[UploadFile, File()],
    dry_run: bool = False,
) -> ImportReport:
    """Imports job ads (CSV: date,country,title,text[,id]; or JSON lines) with the skills found in them."""
    authorize(actor, "intelligence.job_ads.import")  # before reading the file or building the extractor
    content = await file.read()

    def run() -> ImportReport:  # parsing and extraction are CPU work: in the thread pool (issue 18)
        rows = service.read_rows(content, file.filename or "upload.csv")
        indexes = engine(request)
        return service.import_job_ads(
            db=db,
            actor=actor,
            rows=rows,
            extractor=None if dry_run else indexes.skill_extractor(db),
            today=today,
            source=file.filename or "",
            dry_run=dry_run,
            classify=lambda title: indexes.classify_job_title(db, title),
        )

    return await run_in_threadpool(run)


@router.post("/demand-files", response_model=DemandLoadReport)
async def load_demand_files(
    db: DB, actor: Actor, files: Annotated[list[UploadFile], File(description="classify-ads Parquet files")]
) -> DemandLoadReport:
    """Loads classified job ads (the Parquet files `skillatlas intelligence classify-ads` writes) as demand
    aggregates, all files in one transaction; a file loaded before (same bytes) is skipped."""
    from dataclasses import asdict

    from skillatlas.intelligence import demand

    authorize(actor, "intelligence.job_ads.import")  # before reading the files
    uploads = [(Path(f.filename or "upload.parquet").name[:200], await f.read()) for f in files]
    report = await run_in_threadpool(lambda: demand.load_demand_uploads(db=db, actor=actor, files=uploads))
    return DemandLoadReport(**asdict(report))


@router.post("/demand-jobs", response_model=JobRead, status_code=202)
async def load_demand_files_in_background(
    request: Request,
    db: DB,
    actor: Actor,
    today: Today,
    files: Annotated[list[UploadFile], File(description="classify-ads Parquet files")],
) -> JobRead:
    """The same load as `POST /demand-files`, by the job worker: the files are checked at once (an error names
    the file, on the field `files`), then loaded all or none; follow the job at `GET /api/jobs/{id}`."""
    from skillatlas.intelligence import demand
    from skillatlas.jobs import service as jobs

    authorize(actor, "intelligence.job_ads.import")  # before reading the files
    uploads = [(Path(f.filename or "upload.parquet").name[:200], await f.read()) for f in files]
    ads = await run_in_threadpool(lambda: demand.check_demand_uploads(actor=actor, files=uploads))
    job = demand.submit_load_job(
        db=db, actor=actor, files=uploads, today=today, ads=ads, data_dir=request.app.state.settings.data_dir
    )
    return JobRead.model_validate(jobs.job_read(job))


@router.get("/demand", response_model=DemandReport)
def demand(
    db: DB,
    today: Today,
    start: dt.date | None = None,
    end: dt.date | None = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    occupation_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> DemandReport:
    """The most demanded skills of a period (default: the last twelve months), their trend, the rising ones."""
    end = end or today
    start = start or (end - dt.timedelta(days=365))
    return service.demand_report(
        db=db, start=start, end=end, country=country, occupation_id=occupation_id, limit=limit
    )
