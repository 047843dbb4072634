"""HTML pages of learning: the catalogue, a course, my gap and path, a development plan, a workforce's demand."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from skillatlas.alliance import service as alliance_service
from skillatlas.auth.models import User
from skillatlas.auth.permissions import allowed, authorize
from skillatlas.errors import InvalidInput, NotAuthenticated, SkillAtlasError
from skillatlas.learning import plans, service
from skillatlas.learning.models import CourseMode
from skillatlas.learning.schemas import PathPreferences, PlanIn
from skillatlas.learning.workforce import workforce_gap
from skillatlas.roles import service as roles_service
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/courses", response_class=HTMLResponse)
def catalogue(
    request: Request,
    db: DB,
    q: str | None = None,
    skill: str | None = None,
    language: str | None = None,
    mode: str | None = None,
    country: str | None = None,
    max_price: str | None = None,
) -> HTMLResponse:
    """The training catalogue, searchable by words and filtered by skill, language, mode, country and price."""
    kind = CourseMode(mode) if mode in {m.value for m in CourseMode} else None
    try:
        price = float(max_price) if max_price else None
    except ValueError:
        price = None
    found = service.search_courses(
        db=db, q=q, skill=skill, language=language or None, mode=kind, country=country or None,
        max_price=price, backend=request.app.state.settings.embedding_backend, limit=100,
    )  # fmt: skip
    filters = {"q": q or "", "skill": skill or "", "language": language or "", "mode": mode or "",
               "country": country or "", "max_price": max_price or ""}  # fmt: skip
    return templates.TemplateResponse(
        request, "learning/catalogue.html", {"courses": found, "filters": filters, "modes": CourseMode}
    )


@router.get("/courses/{course_id}", response_class=HTMLResponse)
def course(request: Request, db: DB, actor: Actor, course_id: int) -> HTMLResponse:
    """A course: what it teaches, where, when and at what cost; its provider confirms suggested skills here."""
    found = service.get_course(db=db, course_id=course_id)
    may_write = allowed(actor, "learning.course.write", organisation_id=found.provider_id)
    return templates.TemplateResponse(
        request,
        "learning/course.html",
        {"course": service.course_read(db=db, course=found), "may_write": may_write},
    )


@router.post("/courses/{course_id}/suggest", response_model=None)
def suggest(request: Request, db: DB, actor: Actor, course_id: int) -> RedirectResponse:
    """Adds the skills the description suggests (SkillExtractor), for the provider to confirm."""
    from skillatlas.intelligence.engine import engine_for

    settings = request.app.state.settings
    extractor = engine_for(settings.data_dir, settings.embedding_backend).skill_extractor(db)
    service.suggest_skills(db=db, actor=actor, course_id=course_id, extractor=extractor)
    return RedirectResponse(f"/courses/{course_id}", status_code=303)


@router.post("/courses/{course_id}/confirm", response_model=None)
async def confirm(request: Request, db: DB, actor: Actor, course_id: int) -> RedirectResponse:
    """Keeps the ticked suggestions, drops the others."""
    values = await form_values(request, lists=("keep",))
    service.confirm_skills(db=db, actor=actor, course_id=course_id, keep=values.get("keep", []))
    return RedirectResponse(f"/courses/{course_id}", status_code=303)


@router.get("/my/path", response_class=HTMLResponse)
def my_path(
    request: Request,
    db: DB,
    actor: Actor,
    role: str | None = None,
    cost: str = "price",
    language: str | None = None,
) -> HTMLResponse:
    """My gap against a job role, and the cheapest courses closing it."""
    if actor.person_id is None:
        raise NotAuthenticated("please log in first")
    roles = roles_service.list_roles(db=db, actor=actor)
    result, error = None, None
    if role:
        try:
            prefs = parse_input(PathPreferences, {"cost": cost, "languages": [language] if language else []})
            result = service.path_for(db=db, actor=actor, person_id=actor.person_id, role=role, prefs=prefs)
        except (InvalidInput, SkillAtlasError) as exc:
            if exc.status_code in (401, 403):
                raise
            db.rollback()
            error = exc.message
    return templates.TemplateResponse(
        request,
        "learning/my_path.html",
        {"roles": roles, "result": result, "error": error,
         "values": {"role": role or "", "cost": cost, "language": language or ""}},
    )  # fmt: skip


@router.post("/plans", response_class=HTMLResponse, response_model=None)
async def propose_plan(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """From my path: a plan with its courses, proposed to my employer."""
    if actor.person_id is None:
        raise NotAuthenticated("please log in first")
    values = await form_values(request, lists=("courses",))
    try:
        data = parse_input(PlanIn, {"person_id": actor.person_id, "role": values.get("role", ""),
                                    "goals": values.get("goals", ""),
                                    "courses": [int(c) for c in values.get("courses", []) if c.isdigit()]})  # fmt: skip
        made = plans.create_plan(db=db, actor=actor, data=data)
        plans.propose(db=db, actor=actor, plan_id=made.id)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        roles = roles_service.list_roles(db=db, actor=actor)
        return form_again(request, db, "learning/my_path.html", exc,
                          {"roles": roles, "result": None, "values": {"role": values.get("role", ""), "cost": "price",
                                                                       "language": ""}})  # fmt: skip
    return RedirectResponse(f"/plans/{made.id}", status_code=303)


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan(request: Request, db: DB, actor: Actor, plan_id: int) -> HTMLResponse:
    """A development plan: both sides see it, agree to it, and follow it course by course."""
    found = plans.get_plan(db=db, actor=actor, plan_id=plan_id)
    facts = plans.plan_facts(found)
    may = {
        "agree_worker": allowed(actor, "learning.plan.agree_worker", **facts),
        "agree_employer": allowed(actor, "learning.plan.agree_employer", **facts),
        "write": allowed(actor, "learning.plan.write", **facts),
    }
    agreed_by = {"worker": found.worker_agreed_by, "employer": found.employer_agreed_by}
    names = dict(
        db.execute(
            select(User.id, User.full_name).where(User.id.in_([u for u in agreed_by.values() if u]))
        ).all()
    )
    return templates.TemplateResponse(
        request,
        "learning/plan.html",
        {"plan": plans.plan_read(db=db, plan=found), "may": may,
         "agreed_by": {side: names.get(user) for side, user in agreed_by.items()}},
    )  # fmt: skip


@router.post("/plans/{plan_id}/agree", response_model=None)
def agree(db: DB, actor: Actor, plan_id: int) -> RedirectResponse:
    """Agrees to the plan as the worker, or as a manager of their employer."""
    plans.agree(db=db, actor=actor, plan_id=plan_id)
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


@router.get("/organisations/{slug}/workforce", response_class=HTMLResponse)
def workforce(request: Request, db: DB, actor: Actor, slug: str, role: str | None = None) -> HTMLResponse:
    """An employer's workforce against a role: readiness, and the training demand per skill and course."""
    organisation = alliance_service.get_organisation(db=db, slug=slug)
    authorize(actor, "learning.workforce.read", organisation_id=organisation.id)
    result = workforce_gap(db=db, actor=actor, organisation=slug, role=role) if role else None
    return templates.TemplateResponse(
        request,
        "learning/workforce.html",
        {"organisation": organisation, "roles": roles_service.list_roles(db=db, actor=actor), "result": result,
         "role": role or ""},
    )  # fmt: skip
