"""HTML pages of market intelligence: find the skills in a text; the skills-demand dashboard."""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from skillatlas.errors import InvalidInput, NotAuthenticated, SkillAtlasError
from skillatlas.geo import EU_COUNTRIES
from skillatlas.intelligence import service
from skillatlas.intelligence.api import engine
from skillatlas.people import service as people_service
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Today
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)
MAX_TEXT = 100_000


def highlight(text: str, evidences: list[str]) -> Markup:
    """The text, escaped, with each evidencing sentence marked."""
    marked = str(escape(text))
    for evidence in sorted(set(evidences), key=len, reverse=True):
        safe = str(escape(evidence))
        if safe and safe in marked:
            marked = marked.replace(safe, f"<mark>{safe}</mark>", 1)
    return Markup(re.sub(r"\n", "<br>", marked))


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
        found = service.extract_skills(
            db=db, extractor=engine(request).skill_extractor(db), text=text, top=20
        )
    except SkillAtlasError as exc:
        return form_again(request, db, "intelligence/extract.html", exc, {"values": values})
    return templates.TemplateResponse(
        request,
        "intelligence/extract.html",
        {"values": values, "skills": found, "highlighted": highlight(text, [s.evidence for s in found[:10]])},
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
        request, "intelligence/extract.html", {"values": {}, "accepted": len(claims), "profile": saved}
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
