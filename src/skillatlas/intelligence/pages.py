"""HTML pages of market intelligence: find the skills in a text; import job ads (preview first); demand."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUploadFile

from skillatlas.auth.permissions import authorize
from skillatlas.errors import InvalidInput, NotAuthenticated, SkillAtlasError
from skillatlas.geo import EU_COUNTRIES
from skillatlas.intelligence import importing, language, match_strength, service
from skillatlas.intelligence.api import engine
from skillatlas.intelligence.schemas import ExtractedSkillRead
from skillatlas.jobs import service as jobs
from skillatlas.people import service as people_service
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Now, Today
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.nav import add_nav, may
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)
MAX_TEXT = 100_000
IMPORT = "intelligence.job_ads.import"
MY_SKILLS = "/my/skills"  # the person's own skills page (people domain)

add_nav("Import job ads", "/intelligence/job-ads/import", "Office", may(IMPORT), order=65)


def highlight(text: str, evidences: list[str]) -> Markup:
    """The text, escaped, with each evidencing sentence marked and numbered as in `evidences` (1, 2, ...)."""
    marked = str(escape(text))
    numbers = {e: n for n, e in enumerate(dict.fromkeys(evidences), start=1)}
    for evidence in sorted(numbers, key=len, reverse=True):
        safe = str(escape(evidence))
        if safe and safe in marked:
            n = numbers[evidence]
            marked = marked.replace(
                safe, f'<mark>{safe}</mark><sup class="evidence-no" id="evidence-{n}">{n}</sup>', 1
            )
    return Markup(re.sub(r"\n", "<br>", marked))


def strength(score: float) -> tuple[str, int]:
    """A score as words and a bar width (percent): what a person reads instead of a number.

    Both come from `match_strength` (calibrated on labelled job-ad sentences by bench/match_strength.py):
    "strong match" where at least 7 in 10 skills found at such a score were right, "good" 5 in 10, "possible"
    3 in 10 (job-ad import counts demand from there up), "weak" below; the bar is that share.
    """
    return match_strength.strength(score)


def right_in_ten(width: int) -> str:
    """The bar's share in words: how often a skill found at such a score was right."""
    if width >= 95:
        return "right nearly every time"
    tenths = round(width / 10)
    return "right less than 1 time in 10" if tenths < 1 else f"right about {tenths} times in 10"


def strength_levels() -> list[tuple[str, int]]:
    """Each word with the least number of times in ten its skills were right, for the page's explanation."""
    return [
        (level["words"], round(10 * level["precision_at_least"]))
        for level in match_strength.settings()["levels"]
    ]


def found_rows(skills: list[ExtractedSkillRead]) -> list[dict[str, Any]]:
    """The skills found, each with its strength in words and the number of its evidence in the text."""
    numbers = {e: n for n, e in enumerate(dict.fromkeys(s.evidence for s in skills[:10]), start=1)}
    rows = []
    for s in skills:
        words, width = strength(s.score)
        rows.append(
            {
                "skill": s,
                "strength": words,
                "width": width,
                "right": right_in_ten(width),
                "evidence_no": numbers.get(s.evidence),
            }
        )
    return rows


@router.get("/intelligence/extract", response_class=HTMLResponse)
def extract_form(request: Request) -> HTMLResponse:
    """Paste a job ad, CV or course description."""
    return templates.TemplateResponse(request, "intelligence/extract.html", {"values": {}})


@router.post("/intelligence/extract", response_class=HTMLResponse)
async def extract(request: Request, db: DB) -> HTMLResponse:
    """The skills found in the pasted text, highlighted where the text shows them."""
    values = await form_values(request)
    text = str(values.get("text", ""))
    try:
        if not text:
            raise InvalidInput("text: paste a job ad, CV or course description", field="text")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"text: at most {MAX_TEXT:,} characters", field="text")
        # The taxonomy is the English ESCO: a text in another language would give guesses, not skills.
        other = None if values.get("anyway") else language.not_english(text)
        if other is not None:
            return templates.TemplateResponse(
                request, "intelligence/extract.html", {"values": values, "other_language": other}
            )
        found = await run_in_threadpool(
            lambda: service.extract_skills(
                db=db, extractor=engine(request).skill_extractor(db), text=text, top=20
            )
        )
    except SkillAtlasError as exc:
        return form_again(request, db, "intelligence/extract.html", exc, {"values": values})
    return templates.TemplateResponse(
        request,
        "intelligence/extract.html",
        {
            "values": values,
            "skills": found,
            "rows": found_rows(found),
            "levels": strength_levels(),
            "highlighted": highlight(text, [s.evidence for s in found[:10]]),
            "my_skills": MY_SKILLS,
        },
    )


@router.post("/intelligence/extract/accept", response_class=HTMLResponse)
async def accept(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """Adds the skills the user checked to their own profile, as claims at the level they chose."""
    form = await request.form()
    uris = [u for u in form.getlist("skill") if isinstance(u, str) and u]
    level = str(form.get("level") or "practitioner")
    try:
        if actor.person_id is None:
            raise NotAuthenticated("log in to add skills to your profile")
        if not uris:
            raise InvalidInput("skill: check at least one skill", field="skill")
        claims = [
            parse_input(PersonSkillIn, {"uri": uri, "level": level, "evidence": "found in a text I pasted"})
            for uri in uris[:100]
        ]
        saved = people_service.set_skills(db=db, actor=actor, person_id=actor.person_id, skills=claims)
    except SkillAtlasError as exc:
        return form_again(request, db, "intelligence/extract.html", exc, {"values": {}})
    return templates.TemplateResponse(
        request,
        "intelligence/extract.html",
        {"values": {}, "accepted": len(claims), "profile": saved, "my_skills": MY_SKILLS},
    )


@router.get("/intelligence/demand", response_class=HTMLResponse)
def demand(
    request: Request, db: DB, today: Today, start: str = "", end: str = "", country: str = ""
) -> HTMLResponse:
    """Which skills job ads ask for most, how demand moves month by month, and which skills are rising."""
    try:
        end_date = dt.date.fromisoformat(end) if end else today
        start_date = dt.date.fromisoformat(start) if start else end_date - dt.timedelta(days=365)
        report = service.demand_report(
            db=db, start=start_date, end=end_date, country=country.upper() if country else None
        )
    except ValueError as exc:
        raise InvalidInput(f"dates: {exc}", field="start") from exc
    return templates.TemplateResponse(
        request,
        "intelligence/demand.html",
        {
            "report": report,
            "countries": EU_COUNTRIES,
            "country": country.upper(),
            "start": start_date,
            "end": end_date,
        },
    )


# --- importing job ads: check the file (nothing saved), then import it ---------------------------------


def _uploads(request: Request) -> Path:
    return importing.uploads_dir(request.app.state.settings.data_dir)


def _import_context(db: Session, today: dt.date, **extra: Any) -> dict[str, Any]:
    """What the import page always shows: the files imported so far and the job ads per month."""
    from skillatlas.intelligence import demand as demand_aggregates

    per_month = importing.ads_per_month(db, today)
    return {
        "values": {},
        "history": importing.recent_imports(db),
        "per_month": per_month,
        "month_max": max((n for _, n in per_month), default=0),
        "total_ads": importing.total_ads(db),
        "demand_files": demand_aggregates.loaded_files(db, limit=20),
        "demand_inline_ads": jobs.INLINE_DEMAND_ADS,
        "template_href": "/intelligence/job-ads/template.csv",
        **extra,
    }


def _demand_href(first: dt.date | None, today: dt.date) -> str:
    """The demand page over a period that shows every imported ad (at least the last twelve months)."""
    start = today - dt.timedelta(days=365)
    if first is not None and first < start:
        start = first
    return f"/intelligence/demand?start={start.isoformat()}&end={today.isoformat()}"


@router.get("/intelligence/job-ads/import", response_class=HTMLResponse)
def import_form(request: Request, db: DB, actor: Actor, today: Today) -> HTMLResponse:
    """Upload job ads (CSV or JSON lines): first a check of every row, then the import."""
    authorize(actor, IMPORT)
    return templates.TemplateResponse(request, "intelligence/import.html", _import_context(db, today))


@router.post("/intelligence/demand-files", response_class=HTMLResponse)
async def load_demand_files(request: Request, db: DB, actor: Actor, today: Today) -> HTMLResponse:
    """Loads classify-ads Parquet files as monthly demand counts, all or none; the ads themselves are not kept."""
    from skillatlas.intelligence import demand as demand_aggregates

    authorize(actor, IMPORT)  # before reading the files
    try:
        form = await request.form()
        uploads = [
            (Path(item.filename).name[:200], await item.read())
            for item in form.getlist("files")
            if isinstance(item, StarletteUploadFile) and item.filename
        ]
        ads = await run_in_threadpool(
            lambda: demand_aggregates.check_demand_uploads(actor=actor, files=uploads)
        )
        if ads > jobs.INLINE_DEMAND_ADS:
            # Many ads: the job worker loads them, its progress on the job's page (the files checked already).
            job = demand_aggregates.submit_load_job(
                db=db, actor=actor, files=uploads, today=today, ads=ads,
                data_dir=request.app.state.settings.data_dir,
            )  # fmt: skip
            return RedirectResponse(f"/jobs/{job.id}", status_code=303)  # type: ignore[return-value]
        report = await run_in_threadpool(
            lambda: demand_aggregates.load_demand_uploads(db=db, actor=actor, files=uploads)
        )
    except SkillAtlasError as exc:
        db.rollback()
        context = await run_in_threadpool(_import_context, db, today)
        return form_again(request, db, "intelligence/import.html", exc, context)
    context = await run_in_threadpool(_import_context, db, today)
    return templates.TemplateResponse(
        request,
        "intelligence/import.html",
        {**context, "demand_loaded": report, "demand_href": _demand_href(None, today)},
    )


@router.get("/intelligence/job-ads/template.csv")
def import_template() -> Response:
    """An example file with the columns the import reads."""
    return Response(
        importing.TEMPLATE_CSV,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="job-ads-template.csv"'},
    )


@router.post("/intelligence/job-ads/preview", response_class=HTMLResponse)
async def import_preview(
    request: Request,
    db: DB,
    actor: Actor,
    today: Today,
    now: Now,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """The dry run: counts, the first rows as read, every row's problem by line number; nothing is saved."""
    authorize(actor, IMPORT)  # before reading the file
    try:
        if file is None or not file.filename:
            raise InvalidInput("file: choose a CSV or JSON-lines file", field="file")
        filename = Path(file.filename).name[:200]
        content = await file.read()
        preview = await run_in_threadpool(
            lambda: importing.preview_job_ads(
                db=db, actor=actor, content=content, filename=filename, today=today
            )
        )
    except SkillAtlasError as exc:
        db.rollback()  # before the page's own queries (PostgreSQL refuses them in a failed transaction)
        context = await run_in_threadpool(_import_context, db, today)
        return form_again(request, db, "intelligence/import.html", exc, context)
    token = None
    if preview.ok and actor.user_id is not None:
        token = importing.keep_upload(
            _uploads(request), user_id=actor.user_id, filename=filename, content=content, now=now
        )
    context = await run_in_threadpool(_import_context, db, today)
    return templates.TemplateResponse(
        request, "intelligence/import.html", {**context, "preview": preview, "token": token}
    )


@router.post("/intelligence/job-ads/import", response_class=HTMLResponse)
async def import_run(request: Request, db: DB, actor: Actor, today: Today, now: Now) -> HTMLResponse:
    """Imports the file checked a moment ago, in one transaction; skill extraction runs off the event loop."""
    authorize(actor, IMPORT)
    form = await request.form()
    token = str(form.get("token") or "")
    uploads = _uploads(request)
    claimed = False
    try:
        if actor.user_id is None:
            raise NotAuthenticated("log in to import job ads")
        filename, content = importing.kept_upload(
            uploads, user_id=actor.user_id, token=token, now=now, claim=True
        )
        claimed = True
        if jobs.runs_in_background(len(content)):
            # A large file is imported by the job worker, its progress on the job's page; the job keeps its own
            # copy of the file, so the kept upload goes once the job is committed (after the response).
            job = jobs.submit(
                db=db, actor=actor, kind="job_ads.import", title=f"Import job ads from {filename}",
                params={"filename": filename, "today": today.isoformat()},
                data_dir=request.app.state.settings.data_dir, content=content,
            )  # fmt: skip
            return RedirectResponse(  # type: ignore[return-value]
                f"/jobs/{job.id}",
                status_code=303,
                background=BackgroundTask(
                    importing.discard_upload, uploads, user_id=actor.user_id, token=token
                ),
            )
        indexes = engine(request)
        outcome = await run_in_threadpool(
            lambda: importing.import_file(
                db=db,
                actor=actor,
                content=content,
                filename=filename,
                today=today,
                make_extractor=lambda: indexes.skill_extractor(db),
                classify=lambda title: indexes.classify_job_title(db, title),
            )
        )
    except SkillAtlasError as exc:
        if claimed:
            importing.release_upload(uploads, user_id=actor.user_id or 0, token=token)
        db.rollback()  # the half-done import goes before the page's own queries
        context = await run_in_threadpool(_import_context, db, today)
        return form_again(request, db, "intelligence/import.html", exc, context)
    context = await run_in_threadpool(_import_context, db, today)
    # The kept file goes once the response is sent, that is after the import's transaction committed.
    return templates.TemplateResponse(
        request,
        "intelligence/import.html",
        {
            **context,
            "outcome": outcome,
            "imported_file": filename,
            "demand_href": _demand_href(outcome.first_date, today),
        },
        background=BackgroundTask(importing.discard_upload, uploads, user_id=actor.user_id, token=token),
    )
