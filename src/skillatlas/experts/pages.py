"""HTML pages of the expert database: profile editor, my proposals, requests with shortlists, the office view."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SYSTEM, Principal, authorize
from skillatlas.errors import InvalidInput, NotAuthenticated, SkillAtlasError
from skillatlas.experts import service
from skillatlas.experts.api import engine, extractor
from skillatlas.experts.models import ExpertProfile, ProposalStatus, WorkMode
from skillatlas.experts.schemas import SECTORS, ExpertiseRequestIn, ProposalStep
from skillatlas.people import service as people_service
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)


def _me(actor: Principal) -> int:
    if actor.user_id is None or actor.person_id is None:
        raise NotAuthenticated("please log in first")
    return actor.person_id


@router.get("/experts", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """What the expert service offers, with the links each visitor may follow."""
    return templates.TemplateResponse(request, "experts/index.html", {})


def _profile_values(profile: ExpertProfile | None) -> dict[str, Any]:
    if profile is None:
        return {"work_mode": "either"}
    return {
        "headline": profile.headline,
        "bio": profile.bio,
        "languages": ", ".join(f"{lang['code']}:{lang['level']}" for lang in profile.languages),
        "countries": ", ".join(profile.countries),
        "regions": ", ".join(profile.regions),
        "work_mode": profile.work_mode.value,
        "availability": "\n".join(
            f"{a['starts_on']}..{a['ends_on']}:{a['days_per_month']}" for a in profile.availability
        ),
        "day_rate_eur": "" if profile.day_rate_eur is None else str(profile.day_rate_eur),
        "sectors": profile.sectors,
        "consent": "on" if profile.listed else "",
    }


def _profile_context(db: DB, person_id: int, values: dict[str, Any]) -> dict[str, Any]:
    profile = db.get(ExpertProfile, person_id)
    return {
        "values": values,
        "profile": profile,
        "skills": people_service.skills_of(db=db, actor=SYSTEM, person_id=person_id),
        "modes": WorkMode,
        "sectors": SECTORS,
    }


@router.get("/experts/profile", response_class=HTMLResponse)
def profile_form(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The logged-in person's expert profile editor."""
    person_id = _me(actor)
    authorize(actor, "expert.profile.write", person_id=person_id)
    values = _profile_values(db.get(ExpertProfile, person_id))
    return templates.TemplateResponse(
        request, "experts/profile.html", _profile_context(db, person_id, values)
    )


@router.post("/experts/profile", response_class=HTMLResponse, response_model=None)
async def save_profile(request: Request, db: DB, actor: Actor, at: Now) -> HTMLResponse | RedirectResponse:
    """Saves the profile (and new skills); unticking consent unlists it."""
    person_id = _me(actor)
    values = await form_values(request, lists=("sectors",))
    raw = {k: (", ".join(v) if isinstance(v, list) else v) for k, v in values.items()}
    try:
        data = service.profile_from_text(raw)
        skills = [parse_input(PersonSkillIn, s) for s in service.skills_from_text(raw.get("skills", ""))]
        if skills:
            people_service.set_skills(db=db, actor=actor, person_id=person_id, skills=skills)
        service.save_profile(db=db, actor=actor, person_id=person_id, data=data, now=at)
    except SkillAtlasError as exc:
        return form_again(request, db, "experts/profile.html", exc, _profile_context(db, person_id, values))
    return RedirectResponse("/experts/profile", status_code=303)


@router.get("/experts/proposals", response_class=HTMLResponse)
def my_proposals(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """Proposals made to the logged-in expert: accept (sharing contact details) or decline."""
    person_id = _me(actor)
    found = service.proposals_for_expert(db=db, actor=actor, person_id=person_id)
    return templates.TemplateResponse(
        request, "experts/my_proposals.html", {"proposals": [service.proposal_read(p) for p in found]}
    )


@router.post("/experts/proposals/{proposal_id}/status", response_class=HTMLResponse, response_model=None)
async def proposal_step(
    request: Request, db: DB, actor: Actor, at: Now, proposal_id: int
) -> HTMLResponse | RedirectResponse:
    """One step of the workflow from a page; back to where the button was."""
    values = await form_values(request)
    back = values.pop("back", "")
    proposal = service.step(
        db=db, actor=actor, proposal_id=proposal_id, data=parse_input(ProposalStep, values), now=at
    )
    target = f"/experts/requests/{proposal.request_id}" if back == "request" else "/experts/proposals"
    return RedirectResponse(target, status_code=303)


@router.get("/experts/requests", response_class=HTMLResponse)
def requests(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The requests the visitor may see: all for the office, their organisations' for managers."""
    return templates.TemplateResponse(
        request, "experts/requests.html", {"requests": service.list_requests(db=db, actor=actor)}
    )


def _organisations(db: DB, actor: Principal) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from skillatlas.alliance.models import Organisation

    query = select(Organisation.slug, Organisation.name).order_by(Organisation.name)
    if not actor.has(Role.ALLIANCE_OFFICE):
        managed = [g.organisation_id for g in actor.grants if g.role == Role.ORGANISATION_MANAGER]
        query = query.where(Organisation.id.in_(managed))
    return [(slug, name) for slug, name in db.execute(query)]


def _request_context(db: DB, actor: Principal, values: dict[str, Any]) -> dict[str, Any]:
    return {"values": values, "organisations": _organisations(db, actor), "modes": WorkMode}


@router.get("/experts/requests/new", response_class=HTMLResponse)
def new_request(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The form to post an expertise request (the office and companies' managers)."""
    authorize(actor, "expert.request.form")
    return templates.TemplateResponse(request, "experts/request_form.html", _request_context(db, actor, {}))


@router.post("/experts/requests", response_class=HTMLResponse, response_model=None)
async def create_request(request: Request, db: DB, actor: Actor, at: Now) -> HTMLResponse | RedirectResponse:
    """Posts a request, or shows the form again with what is wrong."""
    values = await form_values(request)
    try:
        data = {k: v for k, v in values.items() if k != "skills"}
        data["skills"] = [{"uri": s["uri"], "level": s["level"]}
                          for s in service.skills_from_text(values.get("skills", ""))]  # fmt: skip
        data["languages"] = service.split_cell(values.get("languages", ""))
        data["extract_skills"] = "extract_skills" in values
        parsed = parse_input(ExpertiseRequestIn, data)
        extract = extractor(request, db) if parsed.extract_skills or not parsed.skills else None
        created = service.create_request(db=db, actor=actor, data=parsed, now=at, extract=extract)
    except SkillAtlasError as exc:
        return form_again(request, db, "experts/request_form.html", exc, _request_context(db, actor, values))
    return RedirectResponse(f"/experts/requests/{created.id}", status_code=303)


@router.get("/experts/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, db: DB, actor: Actor, at: Now, request_id: int) -> HTMLResponse:
    """A request: its shortlist (pseudonymous, with reasons), its proposals and their workflow."""
    found = service.get_request(db=db, actor=actor, request_id=request_id)
    shortlist = service.shortlist(
        db=db, actor=actor, request_id=request_id, engine=engine(request), today=at.date()
    )
    proposals = [
        service.proposal_read(p)
        for p in service.proposals_for_request(db=db, actor=actor, request_id=request_id)
    ]
    proposed = {p.expert_id for p in proposals}
    return templates.TemplateResponse(
        request,
        "experts/request.html",
        {"request_": found, "shortlist": shortlist, "proposals": proposals, "proposed": proposed,
         "statuses": ProposalStatus},
    )  # fmt: skip


@router.post("/experts/requests/{request_id}/proposals", response_model=None)
async def propose(request: Request, db: DB, actor: Actor, at: Now, request_id: int) -> RedirectResponse:
    """Proposes an expert from the shortlist."""
    values = await form_values(request)
    try:
        expert_id = int(values.get("expert_id", ""))
    except ValueError as exc:
        raise InvalidInput("expert_id: choose an expert from the shortlist", field="expert_id") from exc
    service.propose(
        db=db, actor=actor, request_id=request_id, expert_id=expert_id, engine=engine(request), now=at
    )
    return RedirectResponse(f"/experts/requests/{request_id}", status_code=303)


@router.get("/experts/office", response_class=HTMLResponse)
def office(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The office's view: every request, every deployment, and the most needed fields of expertise."""
    authorize(actor, "expert.report")
    return templates.TemplateResponse(
        request,
        "experts/office.html",
        {
            "requests": service.list_requests(db=db, actor=actor),
            "deployments": [service.proposal_read(p) for p in service.deployments(db=db, actor=actor)],
            "needs": service.needs_report(db=db, actor=actor),
            "profiles": service.list_profiles(db=db, actor=actor),
        },
    )
