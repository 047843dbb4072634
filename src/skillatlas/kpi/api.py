"""REST API of the KPIs: the report (public aggregates) and the ledger's events (office and managers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from skillatlas.alliance import service as alliance_service
from skillatlas.auth.permissions import authorize
from skillatlas.kpi import export, front, service
from skillatlas.kpi.models import OutcomeKind
from skillatlas.kpi.report import KpiReport, build_report
from skillatlas.kpi.schemas import CorrectionIn, EventRead, ImportReportRead
from skillatlas.web.deps import DB, Actor, Today

router = APIRouter(prefix="/api/kpi", tags=["kpi"])
Text = Annotated[str | None, Query(max_length=80)]


@router.get("/report", response_model=KpiReport)
def report(
    db: DB,
    today: Today,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    country: Text = None,
    region: Text = None,
    organisation: Text = None,
    type: Text = None,
    committee: Text = None,
    group: Text = None,
    format: Literal["json", "csv", "xlsx", "md"] = "json",
) -> KpiReport | Response:
    """The six KPIs for a year (or start..end), broken down by country, region, member, type, committee, group.

    Aggregates only, no personal data: public. `format=csv|xlsx|md` downloads the same figures as a file.
    """
    first, last = front.period(year=year, start=start, end=end, today=today)
    chosen = front.filters(
        country=country, region=region, organisation=organisation, type=type, committee=committee, group=group
    )
    built = build_report(db=db, start=first, end=last, today=today, filters=chosen)
    if format == "json":
        return built
    name = f"kpi-{first.isoformat()}-{last.isoformat()}.{format}"
    return Response(
        export.render(built, format),
        media_type=export.FORMATS[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/events", response_model=list[EventRead])
def events(
    db: DB,
    actor: Actor,
    organisation: Text = None,
    kind: OutcomeKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[EventRead]:
    """The ledger's newest events: all for the office, one organisation's for its managers."""
    organisation_id = None
    if organisation is not None:
        organisation_id = alliance_service.get_organisation(db=db, slug=organisation).id
    found = service.list_events(
        db=db, actor=actor, organisation_id=organisation_id, kind=kind, limit=limit, offset=offset
    )
    return [EventRead.model_validate(e) for e in found]


@router.post("/events/import", response_model=ImportReportRead)
async def import_events(
    db: DB, actor: Actor, today: Today, file: Annotated[UploadFile, File()], dry_run: bool = False
) -> ImportReportRead:
    """Imports outcome events from a member's CSV or XLSX (idempotent by external_id; all rows or none)."""
    authorize(actor, "kpi.events.import")  # before reading the file
    content = await file.read()
    # Reading a workbook is CPU work: in the thread pool, never on the event loop (issue 18).
    done = await run_in_threadpool(
        service.import_events,
        db=db,
        actor=actor,
        filename=file.filename or "upload.csv",
        content=content,
        today=today,
        dry_run=dry_run,
    )
    return ImportReportRead.model_validate(done)


@router.post("/events/{event_id}/correct", response_model=EventRead, status_code=201)
def correct(db: DB, actor: Actor, event_id: int, data: CorrectionIn | None = None) -> EventRead:
    """Cancels an event with a compensating event (sign -1); the ledger is never edited."""
    reason = data.reason if data else ""
    return EventRead.model_validate(
        service.correct_event(db=db, actor=actor, event_id=event_id, reason=reason)
    )
