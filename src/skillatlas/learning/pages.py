"""HTML pages of learning: the catalogue, a course and its keepers' forms (new, edit, import, learners' results),
my gap and path, development plans (mine, one plan with its due dates, milestones and results), a workforce.

Every URL a form posts to also answers GET (with the form, or a redirect to the page the form is on), so that
reloading after a submit never shows "Method Not Allowed".
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Organisation
from skillatlas.auth.models import Role, User
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.errors import FormErrors, InvalidInput, NotAuthenticated, SkillAtlasError
from skillatlas.jobs import service as jobs
from skillatlas.learning import plans, service
from skillatlas.learning.models import Award, Course, CourseMode, PlanState
from skillatlas.learning.schemas import (
    CourseIn,
    LearnerOutcomeIn,
    MilestoneIn,
    OutcomeIn,
    PathPreferences,
    PlanEdit,
    PlanIn,
)
from skillatlas.learning.workforce import workforce_gap
from skillatlas.people import service as people_service
from skillatlas.roles import service as roles_service
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor
from skillatlas.web.forms import form_again, form_values, picked_skills, skills_from_form, validate_form
from skillatlas.web.home import InboxItem, register_inbox
from skillatlas.web.nav import add_nav, has_role, logged_in
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)

add_nav("My plans", "/my/plans", "Mine", logged_in, order=31)
add_nav("My courses", "/my/courses", "Mine", has_role(Role.TRAINER, Role.ORGANISATION_MANAGER), order=40)
add_nav("Providers' courses", "/my/courses", "Office", has_role(Role.ALLIANCE_OFFICE), order=50)


def _me(actor: Principal) -> int:
    if actor.user_id is None or actor.person_id is None:
        raise NotAuthenticated("please log in first")
    return actor.person_id


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- the catalogue -----------------------------------------------------------------------------------


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


# --- the courses a trainer or a provider's manager keeps ----------------------------------------------


def _provider(
    db: Session, actor: Principal, slug: str | None
) -> tuple[list[Organisation], Organisation | None]:
    """The providers the actor keeps courses for, and the one chosen (by slug, or the only one)."""
    providers = service.providers_for(db=db, actor=actor)
    if slug:
        chosen = next((o for o in providers if o.slug == slug), None)
        if chosen is None:
            organisation = alliance_service.get_organisation(db=db, slug=slug)
            authorize(actor, "learning.course.write", organisation_id=organisation.id)
            chosen = organisation
        return providers, chosen
    return providers, providers[0] if len(providers) == 1 else None


@router.get("/my/courses", response_class=HTMLResponse)
def my_courses(
    request: Request, db: DB, actor: Actor, provider: str | None = None, imported: str | None = None
) -> HTMLResponse:
    """The courses I keep (a trainer's provider's, the ones of the organisations I manage): add, edit, import,
    confirm suggested skills, record learners' results."""
    if actor.user_id is None:
        raise NotAuthenticated("please log in first")
    providers = service.providers_for(db=db, actor=actor)
    if provider:
        providers = [o for o in providers if o.slug == provider] or providers
    shown = providers if len(providers) <= 10 or provider else []
    kept = {o.id: service.kept_courses(db=db, actor=actor, provider_id=o.id) for o in shown}
    return templates.TemplateResponse(
        request,
        "learning/my_courses.html",
        {
            "providers": providers,
            "shown": shown,
            "kept": kept,
            "imported": imported,
            "chosen": provider or "",
        },
    )


AWARD_WORDS = {"none": "nothing", "micro_credential": "micro-credential"}
COURSE_FIELDS = ("code", "title", "description", "eqf_level", "hours", "ects", "language", "mode", "country",
                 "city", "starts_on", "ends_on", "price_eur", "award")  # fmt: skip


def _course_input(values: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as CourseIn's input: skills from the picker, outcomes one per line."""
    data: dict[str, Any] = {k: values[k] for k in COURSE_FIELDS if k in values}
    if "country" in data:
        data["country"] = data["country"].upper()
    if "language" in data:
        data["language"] = data["language"].lower()
    data["skills"] = skills_from_form(values, default_level="practitioner")
    data["prerequisites"] = values.get("prerequisites", [])
    outcomes = values.get("learning_outcomes", "")
    data["learning_outcomes"] = [line.strip() for line in outcomes.splitlines() if line.strip()]
    return data


def _course_context(
    db: Session,
    organisation: Organisation,
    values: dict[str, Any],
    course: Course | None = None,
    providers: list[Organisation] | None = None,
) -> dict[str, Any]:
    others = db.execute(
        select(Course.code, Course.title)
        .where(Course.provider_id == organisation.id, Course.id != (course.id if course else -1))
        .order_by(Course.code)
    ).all()
    return {
        "organisation": organisation,
        "providers": providers or [organisation],
        "course": course,
        "values": values,
        "selected": picked_skills(db, skills_from_form(values, default_level="practitioner")),
        "chosen_prerequisites": set(values.get("prerequisites", [])),
        "other_courses": others,
        "modes": [(m.value, m.value.replace("_", " ")) for m in CourseMode],
        "awards": [(a.value, AWARD_WORDS.get(a.value, a.value)) for a in Award],
        "eqf_levels": [(str(n), f"EQF {n}") for n in range(1, 9)],
    }


def _values_of(db: Session, course: Course) -> dict[str, Any]:
    """A course as the form's values (what an edit starts from)."""
    read = service.course_read(db=db, course=course)
    values: dict[str, Any] = {
        k: ("" if getattr(read, k) is None else str(getattr(read, k))) for k in COURSE_FIELDS
    }
    values["mode"], values["award"] = read.mode.value, read.award.value
    for key in ("hours", "ects", "price_eur"):
        number = getattr(read, key)
        values[key] = "" if number is None else (f"{number:g}")
    values["learning_outcomes"] = "\n".join(read.learning_outcomes)
    values["prerequisites"] = list(read.prerequisites)
    confirmed = [s for s in read.skills if s.confirmed]
    values["skills.uri"] = [s.uri for s in confirmed]
    values["skills.level"] = [s.level.value for s in confirmed]
    return values


@router.get("/my/courses/new", response_class=HTMLResponse)
def new_course(request: Request, db: DB, actor: Actor, provider: str | None = None) -> HTMLResponse:
    """The form for a new course of one of my providers."""
    if actor.user_id is None:
        raise NotAuthenticated("please log in first")
    providers, chosen = _provider(db, actor, provider)
    if chosen is None:
        return templates.TemplateResponse(
            request, "learning/choose_provider.html",
            {"providers": providers, "next": "/my/courses/new", "what": "add a course"},
        )  # fmt: skip
    values = {"language": "en", "mode": "online", "award": "none", "provider": chosen.slug}
    return templates.TemplateResponse(
        request, "learning/course_form.html", _course_context(db, chosen, values, providers=providers)
    )


@router.post("/my/courses/new", response_class=HTMLResponse, response_model=None)
async def create_course(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Adds the course; a bad field shows the form again with its message beside it, nothing saved."""
    values = await form_values(request, lists=("prerequisites",))
    providers, chosen = _provider(db, actor, values.get("provider"))
    if chosen is None:
        raise InvalidInput("choose the training provider", field="provider")
    context = _course_context(db, chosen, values, providers=providers)
    try:
        data = validate_form(CourseIn, _course_input(values))
        made = service.add_course(db=db, actor=actor, provider=chosen.slug, data=data)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        return form_again(request, db, "learning/course_form.html", exc, context)
    return _see(f"/courses/{made.id}")


@router.get("/courses/{course_id}/edit", response_class=HTMLResponse)
def edit_course_form(request: Request, db: DB, actor: Actor, course_id: int) -> HTMLResponse:
    """The form to change a course (for those who keep its provider's courses)."""
    course = service.get_course(db=db, course_id=course_id)
    authorize(actor, "learning.course.write", organisation_id=course.provider_id)
    return templates.TemplateResponse(
        request,
        "learning/course_form.html",
        _course_context(db, course.provider, _values_of(db, course), course),
    )


@router.post("/courses/{course_id}/edit", response_class=HTMLResponse, response_model=None)
async def edit_course(
    request: Request, db: DB, actor: Actor, course_id: int
) -> HTMLResponse | RedirectResponse:
    """Saves the changed course; a bad field shows the form again, nothing saved."""
    course = service.get_course(db=db, course_id=course_id)
    authorize(actor, "learning.course.write", organisation_id=course.provider_id)
    values = await form_values(request, lists=("prerequisites",))
    context = _course_context(db, course.provider, values, course)
    try:
        data = validate_form(CourseIn, _course_input(values))
        service.update_course(db=db, actor=actor, course_id=course_id, data=data)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        return form_again(request, db, "learning/course_form.html", exc, context)
    return _see(f"/courses/{course_id}")


# --- import ------------------------------------------------------------------------------------------

MAX_PREVIEW_ROWS = 2000


@router.get("/my/courses/import", response_class=HTMLResponse)
def import_form(request: Request, db: DB, actor: Actor, provider: str | None = None) -> HTMLResponse:
    """Upload a CSV or XLSX file of courses: first a check that saves nothing and lists every row's problems."""
    if actor.user_id is None:
        raise NotAuthenticated("please log in first")
    providers, chosen = _provider(db, actor, provider)
    if chosen is None:
        return templates.TemplateResponse(
            request, "learning/choose_provider.html",
            {"providers": providers, "next": "/my/courses/import", "what": "import courses"},
        )  # fmt: skip
    return templates.TemplateResponse(
        request, "learning/course_import.html", {"organisation": chosen, "report": None, "values": {}}
    )


@router.post("/my/courses/import", response_class=HTMLResponse, response_model=None)
async def import_upload(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """step=check: the dry run, every row with its problems; step=import: the checked file, saved at once."""
    form = await request.form()
    slug = form.get("provider")
    _, chosen = _provider(db, actor, slug if isinstance(slug, str) else None)
    if chosen is None:
        raise InvalidInput("choose the training provider", field="provider")
    step = form.get("step") if form.get("step") in ("check", "import") else "check"
    upload = form.get("file")
    name, content = "", b""
    if isinstance(upload, UploadFile) and upload.filename:
        name, content = upload.filename, await upload.read()
    elif isinstance(form.get("content"), str) and isinstance(form.get("filename"), str):
        name = str(form.get("filename"))
        try:
            content = base64.b64decode(str(form.get("content")), validate=True)
        except (binascii.Error, ValueError):
            content = b""
    context: dict[str, Any] = {"organisation": chosen, "report": None, "values": {}}
    try:
        if not content:
            raise InvalidInput("choose a CSV or XLSX file of courses", field="file")
        if not name.lower().endswith((".csv", ".xlsx")):
            raise InvalidInput("the file must be a CSV (.csv) or an Excel workbook (.xlsx)", field="file")
        if step == "import" and jobs.runs_in_background(len(content)):
            # A large file is imported by the job worker; its page shows the progress and the result.
            authorize(actor, "learning.course.write", organisation_id=chosen.id)
            job = jobs.submit(
                db=db, actor=actor, kind="courses.import", title=f"Import courses from {name}",
                params={"provider": chosen.slug, "name": name},
                data_dir=request.app.state.settings.data_dir, content=content,
            )  # fmt: skip
            return _see(f"/jobs/{job.id}")
        if step == "import":  # parsing a workbook is CPU work: in the thread pool, never on the event loop
            report = await run_in_threadpool(
                lambda: service.import_courses(
                    db=db, actor=actor, provider=chosen.slug, name=name, content=content
                )
            )
            return _see(f"/my/courses?provider={chosen.slug}&imported={report.created}-{report.updated}")
        report = await run_in_threadpool(
            lambda: service.check_import(db=db, actor=actor, provider=chosen.slug, name=name, content=content)
        )
    except service.ImportProblems as exc:
        report = exc.report
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        return form_again(request, db, "learning/course_import.html", exc, context)
    db.rollback()  # the check saved nothing; make sure of it
    ok = not report.problems and not any(r.problems for r in report.rows)
    return templates.TemplateResponse(
        request,
        "learning/course_import.html",
        {**context, "report": report, "ok": ok, "filename": name,
         "content": base64.b64encode(content).decode("ascii") if ok else "",
         "rows": report.rows[:MAX_PREVIEW_ROWS], "bad_rows": sum(1 for r in report.rows if r.problems)},
        status_code=200 if ok else 422,
    )  # fmt: skip


# --- one course, its suggested skills and its learners ------------------------------------------------


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


@router.get("/courses/{course_id}/learners", response_class=HTMLResponse)
def learners(request: Request, db: DB, actor: Actor, course_id: int) -> HTMLResponse:
    """Who takes the course in a development plan; the provider records each learner's result here."""
    return templates.TemplateResponse(
        request, "learning/learners.html", _learners_context(db, actor, course_id)
    )


def _learners_context(db: Session, actor: Principal, course_id: int, **extra: Any) -> dict[str, Any]:
    found = service.get_course(db=db, course_id=course_id)
    rows = plans.course_learners(db=db, actor=actor, course_id=course_id)
    return {"course": found, "provider_name": found.provider.name, "learners": rows, "values": {},
            "may_record": allowed(actor, "learning.course.record_outcome", organisation_id=found.provider_id),
            **extra}  # fmt: skip


@router.post("/courses/{course_id}/learners", response_class=HTMLResponse, response_model=None)
async def record_learner(
    request: Request, db: DB, actor: Actor, course_id: int
) -> HTMLResponse | RedirectResponse:
    """Records one learner's result (passed or failed, with the certificate's number)."""
    values = await form_values(request)
    plan_id = values.get("plan_id", "")
    context = _learners_context(db, actor, course_id, error_plan=int(plan_id) if plan_id.isdigit() else None)
    try:
        if not plan_id.isdigit():
            raise InvalidInput("choose the learner", field="plan_id")
        data = validate_form(
            LearnerOutcomeIn, {k: values[k] for k in ("outcome", "certificate") if k in values}
        )
        plans.record_learner_outcome(db=db, actor=actor, course_id=course_id, plan_id=int(plan_id), data=data)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        return form_again(request, db, "learning/learners.html", exc, {**context, "values": values})
    return _see(f"/courses/{course_id}/learners")


@router.post("/courses/{course_id}/suggest", response_model=None)
def suggest(request: Request, db: DB, actor: Actor, course_id: int) -> RedirectResponse:
    """Adds the skills the description suggests (SkillExtractor), for the provider to confirm."""
    from skillatlas.intelligence.engine import engine_for

    settings = request.app.state.settings
    extractor = engine_for(settings.data_dir, settings.embedding_backend).skill_extractor(db)
    service.suggest_skills(db=db, actor=actor, course_id=course_id, extractor=extractor)
    return _see(f"/courses/{course_id}")


@router.post("/courses/{course_id}/confirm", response_model=None)
async def confirm(request: Request, db: DB, actor: Actor, course_id: int) -> RedirectResponse:
    """Keeps the ticked suggestions, drops the others."""
    values = await form_values(request, lists=("keep",))
    service.confirm_skills(db=db, actor=actor, course_id=course_id, keep=values.get("keep", []))
    return _see(f"/courses/{course_id}")


@router.get("/courses/{course_id}/{action}", response_model=None)
def course_form_target(course_id: int, action: Literal["suggest", "confirm"]) -> RedirectResponse:
    """A reload after one of the course page's buttons: back to the course."""
    return _see(f"/courses/{course_id}")


# --- my gap and path ---------------------------------------------------------------------------------


def _path_context(
    db: Session, actor: Principal, role: str | None, cost: str = "price", language: str | None = None
) -> dict[str, Any]:
    """The page's context: my path towards the role (or the error), whether I may propose a plan for it."""
    person = people_service.get(db=db, person_id=_me(actor))
    roles = roles_service.list_roles(db=db, actor=actor)
    result, error, open_plan = None, None, None
    if role:
        try:
            prefs = parse_input(PathPreferences, {"cost": cost, "languages": [language] if language else []})
            result = service.path_for(db=db, actor=actor, person_id=person.id, role=role, prefs=prefs)
            version = roles_service.get_version(db=db, actor=actor, slug=role)
            open_plan = plans.open_plan_for(db, person.id, version.role_id)
        except SkillAtlasError as exc:
            if exc.status_code in (401, 403):
                raise
            db.rollback()
            error = exc.message
    titles = {r.slug: r.title for r in roles}
    return {"roles": roles, "result": result, "path_error": error, "open_plan": open_plan,
            "no_employer": person.employer_id is None, "role_title": titles.get(role or "", role or ""),
            "values": {"role": role or "", "cost": cost, "language": language or ""}}  # fmt: skip


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
    return templates.TemplateResponse(
        request, "learning/my_path.html", _path_context(db, actor, role, cost, language)
    )


@router.post("/plans", response_class=HTMLResponse, response_model=None)
async def propose_plan(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """From my path: a plan with its courses, proposed to my employer (and agreed by me in proposing it)."""
    person_id = _me(actor)
    values = await form_values(request, lists=("courses",))
    role = values.get("role", "")
    try:
        data = parse_input(PlanIn, {"person_id": person_id, "role": role, "goals": values.get("goals", ""),
                                    "courses": [int(c) for c in values.get("courses", []) if c.isdigit()]})  # fmt: skip
        made = plans.create_plan(db=db, actor=actor, data=data)
        plans.propose(db=db, actor=actor, plan_id=made.id)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        db.rollback()
        context = _path_context(db, actor, role or None)
        # The reasons that name no field of this form are said above it, in words.
        return form_again(request, db, "learning/my_path.html", _plain(exc), context)
    return _see(f"/plans/{made.id}")


def _plain(exc: SkillAtlasError) -> SkillAtlasError:
    """The same message and status, shown above the form (the fields it names are not on this form)."""
    plain = SkillAtlasError(exc.message)
    plain.status_code, plain.code = exc.status_code, exc.code
    return plain


@router.get("/plans", response_model=None)
def plans_target() -> RedirectResponse:
    """A reload after proposing a plan from my path: to my plans."""
    return _see("/my/plans")


# --- development plans -------------------------------------------------------------------------------


@router.get("/my/plans", response_class=HTMLResponse)
def my_plans(request: Request, db: DB, actor: Actor, state: str | None = None) -> HTMLResponse:
    """My development plans, my organisation's (managers) and those I train, with who must act next."""
    if actor.user_id is None:
        raise NotAuthenticated("please log in first")
    kind = PlanState(state) if state in {s.value for s in PlanState} else None
    found = plans.list_plans(db=db, actor=actor, state=kind)
    return templates.TemplateResponse(
        request,
        "learning/my_plans.html",
        {"mine": [p for p in found if p.person_id == actor.person_id],
         "others": [p for p in found if p.person_id != actor.person_id],
         "states": [(s.value, s.value.replace("_", " ")) for s in PlanState], "state": state or ""},
    )  # fmt: skip


def _plan_context(db: Session, actor: Principal, plan_id: int) -> dict[str, Any]:
    found = plans.get_plan(db=db, actor=actor, plan_id=plan_id)
    facts = plans.plan_facts(found)
    side = plans.side_of(actor, found)
    read = plans.plan_read(db=db, plan=found)
    agreed = {
        s for s, at in (("worker", found.worker_agreed_at), ("employer", found.employer_agreed_at)) if at
    }
    write = allowed(actor, "learning.plan.write", **facts)
    state = found.state
    blocked_by = None
    if state == PlanState.PROPOSED and len(agreed) == 1 and agreed != {side}:
        blocked_by = next(iter(agreed))
    record = allowed(actor, "learning.plan.record_outcome", **facts)
    may = {
        "side": side,
        "write": write,
        "propose": write and state == PlanState.DRAFT,
        "agree": side is not None and state == PlanState.PROPOSED and side not in agreed,
        "withdraw": side is not None and state == PlanState.PROPOSED and side in agreed,
        "start": write and state == PlanState.AGREED,
        "abandon": write and state in plans.OPEN,
        "edit": write and state in plans.EDITABLE and blocked_by is None,
        "tick": write and state in {PlanState.AGREED, PlanState.IN_PROGRESS},
        "record": record and state == PlanState.IN_PROGRESS,
    }
    agreed_by = {"worker": found.worker_agreed_by, "employer": found.employer_agreed_by}
    names = dict(
        db.execute(
            select(User.id, User.full_name).where(User.id.in_([u for u in agreed_by.values() if u]))
        ).all()
    )
    return {"plan": read, "may": may, "blocked_by": blocked_by, "values": {},
            "agreed_by": {s: names.get(user) for s, user in agreed_by.items()}}  # fmt: skip


def _plan_form_again(request: Request, db: DB, plan_id: int, exc: SkillAtlasError, context: dict[str, Any],
                     values: dict[str, Any]) -> HTMLResponse:  # fmt: skip
    if exc.status_code in (401, 403):
        raise exc
    return form_again(request, db, "learning/plan.html", exc, {**context, "values": values})


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan(request: Request, db: DB, actor: Actor, plan_id: int) -> HTMLResponse:
    """A development plan: both sides agree to it, set due dates and milestones, and follow it to the end."""
    return templates.TemplateResponse(request, "learning/plan.html", _plan_context(db, actor, plan_id))


@router.post("/plans/{plan_id}/due-dates", response_class=HTMLResponse, response_model=None)
async def set_due_dates(
    request: Request, db: DB, actor: Actor, plan_id: int
) -> HTMLResponse | RedirectResponse:
    """Sets each course's due date (blank: none)."""
    context = _plan_context(db, actor, plan_id)
    form = await request.form()
    raw = {k: v for k, v in form.items() if k.startswith("due.") and isinstance(v, str)}
    try:
        due: dict[int, dt.date | None] = {}
        problems: dict[str, str] = {}
        for key, text in raw.items():
            course_id = key.removeprefix("due.")
            if not course_id.isdigit():
                continue
            try:
                due[int(course_id)] = dt.date.fromisoformat(text.strip()) if text.strip() else None
            except ValueError:
                problems[key] = "Enter a date like 2026-07-01."
        if problems:
            raise FormErrors(problems)
        plans.edit_plan(db=db, actor=actor, plan_id=plan_id, data=PlanEdit(due_dates=due))
    except SkillAtlasError as exc:
        return _plan_form_again(request, db, plan_id, exc, context, dict(raw))
    return _see(f"/plans/{plan_id}")


@router.post("/plans/{plan_id}/milestones", response_class=HTMLResponse, response_model=None)
async def add_milestone(
    request: Request, db: DB, actor: Actor, plan_id: int
) -> HTMLResponse | RedirectResponse:
    """Adds a milestone (a title and, if wanted, a due date)."""
    context = _plan_context(db, actor, plan_id)
    values = await form_values(request)
    try:
        new = validate_form(MilestoneIn, {k: values[k] for k in ("title", "due_on") if k in values})
        current = [MilestoneIn(**m.model_dump()) for m in context["plan"].milestones]
        plans.edit_plan(db=db, actor=actor, plan_id=plan_id, data=PlanEdit(milestones=[*current, new]))
    except SkillAtlasError as exc:
        return _plan_form_again(request, db, plan_id, exc, context, values)
    return _see(f"/plans/{plan_id}")


@router.post("/plans/{plan_id}/milestones/{index}", response_class=HTMLResponse, response_model=None)
async def tick_milestone(
    request: Request, db: DB, actor: Actor, plan_id: int, index: int
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """Ticks a milestone done (done=1) or not done (done=0)."""
    context = _plan_context(db, actor, plan_id)
    values = await form_values(request)
    try:
        plans.tick_milestone(db=db, actor=actor, plan_id=plan_id, index=index, done=values.get("done") != "0")
    except SkillAtlasError as exc:
        return _plan_form_again(request, db, plan_id, exc, context, values)
    return _see(f"/plans/{plan_id}")


@router.get("/plans/{plan_id}/milestones/{index}", response_model=None)
def milestone_target(plan_id: int, index: int) -> RedirectResponse:
    """A reload after ticking a milestone: back to the plan."""
    return _see(f"/plans/{plan_id}")


@router.post("/plans/{plan_id}/outcomes", response_class=HTMLResponse, response_model=None)
async def record_outcome(
    request: Request, db: DB, actor: Actor, plan_id: int
) -> HTMLResponse | RedirectResponse:
    """Records a course's result: passed or failed, with the certificate's number."""
    context = _plan_context(db, actor, plan_id)
    values = await form_values(request)
    try:
        data = validate_form(
            OutcomeIn, {k: values[k] for k in ("course_id", "outcome", "certificate") if k in values}
        )
        plans.record_outcome(db=db, actor=actor, plan_id=plan_id, data=data)
    except SkillAtlasError as exc:
        return _plan_form_again(request, db, plan_id, exc, context, values)
    return _see(f"/plans/{plan_id}")


PlanStep = Literal["propose", "agree", "withdraw", "start", "abandon"]
STEPS = {"propose": plans.propose, "agree": plans.agree, "withdraw": plans.withdraw, "start": plans.start,
         "abandon": plans.abandon}  # fmt: skip


@router.post("/plans/{plan_id}/{action}", response_class=HTMLResponse, response_model=None)
def plan_step(
    request: Request, db: DB, actor: Actor, plan_id: int, action: PlanStep
) -> HTMLResponse | RedirectResponse:
    """propose (which is my agreement too), agree (as the worker, or as a manager of their employer), withdraw
    my agreement, start, abandon."""
    context = _plan_context(db, actor, plan_id)
    try:
        STEPS[action](db=db, actor=actor, plan_id=plan_id)
    except SkillAtlasError as exc:
        return _plan_form_again(request, db, plan_id, exc, context, {})
    return _see(f"/plans/{plan_id}")


@router.get("/plans/{plan_id}/{action}", response_model=None)
def plan_form_target(plan_id: int, action: str) -> RedirectResponse:
    """A reload after one of the plan page's forms (agree, due dates, milestones, results...): the plan."""
    return _see(f"/plans/{plan_id}")


# --- an employer's workforce -------------------------------------------------------------------------


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


# --- what waits for me (the personal home) -----------------------------------------------------------


@register_inbox
def _learning_inbox(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    items: list[InboxItem] = []
    providers = service.keeper_provider_ids(actor)
    if providers:
        for course_id, title, n in service.courses_to_confirm(db, providers):
            items.append(InboxItem(f"Confirm the suggested skills of “{title}”", f"/courses/{course_id}",
                                   f"{n} suggested skill{'s' if n != 1 else ''}"))  # fmt: skip
        for course_id, title, n in service.results_waiting(db, providers):
            items.append(InboxItem(f"Record the results of “{title}”", f"/courses/{course_id}/learners",
                                   f"{n} learner{'s' if n != 1 else ''} in a running plan"))  # fmt: skip
    for plan_id, title, state in plans.steps_waiting(db, actor):
        if state == PlanState.DRAFT:
            items.append(
                InboxItem(f"Propose the development plan towards {title}", f"/plans/{plan_id}", "a draft")
            )
        else:
            items.append(InboxItem(f"Start the agreed development plan towards {title}", f"/plans/{plan_id}",
                                   "agreed by both sides"))  # fmt: skip
    return items
