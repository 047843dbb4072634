"""HTML pages of the KPIs: the public dashboard, and the import form for the office and managers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import OrganisationType
from skillatlas.auth.permissions import authorize
from skillatlas.errors import SkillAtlasError
from skillatlas.geo import EU_COUNTRIES
from skillatlas.kpi import front, service
from skillatlas.kpi.report import DIMENSIONS, KPIS, build_report
from skillatlas.web.deps import DB, Actor, Today
from skillatlas.web.forms import form_again
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=80)]


@router.get("/kpi", response_class=HTMLResponse)
def dashboard(
    request: Request,
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
) -> HTMLResponse:
    """The alliance's KPIs against its ambition: charts, breakdowns, the coverage table, downloads."""
    first, last = front.period(year=year, start=start, end=end, today=today)
    chosen = front.filters(
        country=country, region=region, organisation=organisation, type=type, committee=committee, group=group
    )
    report = build_report(db=db, start=first, end=last, today=today, filters=chosen)
    query = {**chosen.as_dict()}
    if start is not None or end is not None:
        query.update({"start": first.isoformat(), "end": last.isoformat()})
    else:
        query["year"] = str(first.year)
    return templates.TemplateResponse(
        request,
        "kpi/dashboard.html",
        {
            "report": report,
            "year": first.year if start is None and end is None else None,
            "start": first,
            "end": last,
            "filters": chosen,
            "query": urlencode(query),
            "kpis": KPIS,
            "dimensions": DIMENSIONS,
            "countries": EU_COUNTRIES,
            "types": [t.value for t in OrganisationType],
            "organisations": alliance_service.list_organisations(db=db),
            "committees": alliance_service.list_committees(db=db),
            "groups": alliance_service.list_groups(db=db),
        },
    )


@router.get("/kpi/import", response_class=HTMLResponse)
def import_form(request: Request, actor: Actor) -> HTMLResponse:
    """The form to import outcome events from a member's own system."""
    authorize(actor, "kpi.events.import")
    return templates.TemplateResponse(request, "kpi/import.html", {"result": None})


@router.post("/kpi/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    db: DB,
    actor: Actor,
    today: Today,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """Imports (or, as a dry run, checks) a CSV or XLSX file of outcome events."""
    authorize(actor, "kpi.events.import")
    content = await file.read()
    try:  # reading a workbook is CPU work: in the thread pool, never on the event loop (issue 18)
        result = await run_in_threadpool(
            service.import_events,
            db=db,
            actor=actor,
            filename=file.filename or "upload.csv",
            content=content,
            today=today,
            dry_run=dry_run,
        )
    except SkillAtlasError as exc:
        return form_again(request, db, "kpi/import.html", exc, {"result": None})
    return templates.TemplateResponse(request, "kpi/import.html", {"result": result})
