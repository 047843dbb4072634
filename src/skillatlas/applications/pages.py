"""HTML pages of the applications: apply from a group's page, my applications, the lead's list and settings,
and one page per application with the step its reader may take next."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Group
from skillatlas.applications import service
from skillatlas.applications.models import OPEN_STATES, Application, ApplicationState
from skillatlas.applications.schemas import ApplicationCreate, DeclineIn, IntakeIn, InterviewIn, OutcomeIn
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.errors import FormErrors, SkillAtlasError
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor
from skillatlas.web.forms import form_again, form_values, picked_skills, skills_from_form
from skillatlas.web.home import InboxItem, register_inbox
from skillatlas.web.nav import add_nav, logged_in
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)
S = ApplicationState

add_nav("Applications", "/applications", "Mine", logged_in, order=40)


def _again(
    request: Request, db: Session, template: str, exc: SkillAtlasError, context: dict[str, Any]
) -> HTMLResponse:
    """The form again with every error beside its field; a visitor or a refused user gets the usual answer."""
    if exc.status_code in (401, 403, 404):
        raise exc
    return form_again(request, db, template, exc, context)


# --- the box on a group's page ---------------------------------------------------------------------


def group_box(group: Group, actor: Principal) -> dict[str, Any]:
    """What the group's page shows of applications: "Apply to join", my open application, the leads' link."""
    db = object_session(group)
    if db is None:
        return {}
    facts = alliance_service.group_facts(group)
    manage = allowed(actor, "application.list_group", **facts)
    accepts = service.accepts_applications(db, group)
    mine = None
    if actor.person_id is not None:
        mine = service.open_application(db, group.id, actor.person_id) or service.joined(
            db, group.id, actor.person_id
        )
    waiting = 0
    if manage:
        waiting = db.scalar(
            select(func.count(Application.id)).where(
                Application.group_id == group.id, Application.state.in_(OPEN_STATES)
            )
        )
    return {
        "accepts": accepts,
        "mine": mine,
        "manage": manage,
        "waiting": waiting or 0,
        "labels": service.STATE_LABELS,
    }


templates.env.globals["application_box"] = group_box


# --- applying ------------------------------------------------------------------------------------


def _apply_context(
    db: Session, actor: Principal, group: Group, values: dict[str, Any], picked: list
) -> dict[str, Any]:
    from skillatlas.people.models import Person

    person = db.get(Person, actor.person_id) if actor.person_id else None
    return {
        "group": group,
        "values": values,
        "picked": picked,
        "organisation": person.employer if person is not None else None,
        "accepts": service.accepts_applications(db, group),
        "existing": service.open_application(db, group.id, actor.person_id or -1)
        or service.joined(db, group.id, actor.person_id or -1),
        "labels": service.STATE_LABELS,
    }


@router.get("/groups/{slug}/apply", response_class=HTMLResponse)
def apply_form(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """The application form: motivation, CV text, skills (with suggestions from the CV)."""
    group = alliance_service.get_group(db=db, slug=slug)
    authorize(actor, "application.apply")
    return templates.TemplateResponse(
        request, "applications/apply.html", _apply_context(db, actor, group, {}, [])
    )


@router.post("/groups/{slug}/apply", response_class=HTMLResponse, response_model=None)
async def apply(request: Request, db: DB, actor: Actor, slug: str) -> Response:
    """Sends the application and opens its page."""
    values = await form_values(request)
    skills = skills_from_form(values, "skills", default_level="practitioner")
    group = alliance_service.get_group(db=db, slug=slug)
    try:
        data = parse_input(
            ApplicationCreate,
            {
                "motivation": values.get("motivation", ""),
                "cv_text": values.get("cv_text", ""),
                "skills": skills,
            },
        )
        created = service.apply(db=db, actor=actor, group_slug=slug, data=data)
    except SkillAtlasError as exc:
        if isinstance(exc, FormErrors) and "motivation" in exc.errors:
            exc.errors["motivation"] = (
                "Write at least a few sentences (20 characters or more) on why you want to join"
            )
        return _again(
            request,
            db,
            "applications/apply.html",
            exc,
            _apply_context(db, actor, group, values, picked_skills(db, skills)),
        )
    return RedirectResponse(f"/applications/{created.id}?saved=submitted", status_code=303)


# --- lists ---------------------------------------------------------------------------------------


@router.get("/applications", response_class=HTMLResponse)
def my_applications(request: Request, db: DB, actor: Actor, state: str | None = None) -> HTMLResponse:
    """My applications, and for the leads and the office those to their groups."""
    wanted = S(state) if state in {s.value for s in S} else None
    found = service.list_applications(db=db, actor=actor, state=wanted)
    mine = [a for a in found if a.person_id == actor.person_id]
    others = [a for a in found if a.person_id != actor.person_id]
    groups = alliance_service.led_groups(db=db, actor=actor)
    if actor.has(Role.ALLIANCE_OFFICE):
        groups = alliance_service.list_groups(db=db)
    return templates.TemplateResponse(
        request,
        "applications/list.html",
        {
            "mine": mine,
            "others": others,
            "groups": groups,
            "state": wanted,
            "labels": service.STATE_LABELS,
            "states": list(S),
        },
    )


def _group_context(db: Session, actor: Principal, group: Group, state: S | None) -> dict[str, Any]:
    from skillatlas.credentials import service as credentials_service

    intake = service.intake_read(db, group)
    return {
        "group": group,
        "applications": service.list_applications(db=db, actor=actor, group_slug=group.slug, state=state),
        "intake": intake,
        "values": {
            "accepts_applications": "on" if intake.accepts_applications else "",
            "achievement": intake.achievement or "",
            "badge_on_acceptance": "on" if intake.badge_on_acceptance else "",
        },
        "badges": [
            (a.slug, f"{a.name} ({a.issuer.name})") for a in credentials_service.list_achievements(db=db)
        ],
        "labels": service.STATE_LABELS,
        "states": list(S),
        "state": state,
    }


@router.get("/groups/{slug}/applications", response_class=HTMLResponse)
def group_applications(
    request: Request, db: DB, actor: Actor, slug: str, state: str | None = None
) -> HTMLResponse:
    """The group's applications and its intake settings (the group's leads, the office)."""
    group = alliance_service.get_group(db=db, slug=slug)
    authorize(actor, "application.list_group", **alliance_service.group_facts(group))
    wanted = S(state) if state in {s.value for s in S} else None
    context = _group_context(db, actor, group, wanted)
    return templates.TemplateResponse(
        request, "applications/group.html", {**context, "saved": request.query_params.get("saved")}
    )


@router.post("/groups/{slug}/applications/intake", response_class=HTMLResponse, response_model=None)
async def save_intake(request: Request, db: DB, actor: Actor, slug: str) -> Response:
    """Opens or closes the group to applications and names its badge."""
    values = await form_values(request)
    group = alliance_service.get_group(db=db, slug=slug)
    try:
        data = parse_input(
            IntakeIn,
            {
                "accepts_applications": values.get("accepts_applications") == "on",
                "achievement": values.get("achievement") or None,
                "badge_on_acceptance": values.get("badge_on_acceptance") == "on",
            },
        )
        service.set_intake(db=db, actor=actor, group_slug=slug, data=data)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        db.rollback()
        context = _group_context(db, actor, group, None)
        return _again(request, db, "applications/group.html", exc, {**context, "values": values})
    return RedirectResponse(f"/groups/{slug}/applications?saved=intake", status_code=303)


# --- one application ---------------------------------------------------------------------------


def _detail_context(db: Session, actor: Principal, application: Application) -> dict[str, Any]:
    facts = service.facts(application)
    review = allowed(actor, "application.review", **facts)
    intake = service.intake_read(db, application.group)
    return {
        "application": application,
        "read": service.application_read(application),
        "review": review,
        "is_applicant": actor.person_id is not None and actor.person_id == application.person_id,
        "open": application.state in OPEN_STATES,
        "candidates": service.panel_candidates(db, application.group) if review else [],
        "intake": intake,
        "labels": service.STATE_LABELS,
        "values": {},
        "S": S,
    }


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, db: DB, actor: Actor, application_id: int) -> HTMLResponse:
    """One application: what the applicant sent, its steps, and the next step for whoever may take it."""
    application = service.get_application(db=db, actor=actor, application_id=application_id)
    context = _detail_context(db, actor, application)
    if application.interview_at is not None:
        context["values"] = {
            "date": f"{application.interview_at:%Y-%m-%d}",
            "time": f"{application.interview_at:%H:%M}",
            "place": application.interview_place,
            "panel": [str(p.person_id) for p in application.panel],
        }
    return templates.TemplateResponse(
        request, "applications/detail.html", {**context, "saved": request.query_params.get("saved")}
    )


def _step_again(
    request: Request,
    db: Session,
    actor: Principal,
    application_id: int,
    exc: SkillAtlasError,
    values: dict[str, Any],
) -> HTMLResponse:
    if exc.status_code in (401, 403, 404):
        raise exc
    db.rollback()
    application = service.get_application(db=db, actor=actor, application_id=application_id)
    context = _detail_context(db, actor, application)
    return form_again(request, db, "applications/detail.html", exc, {**context, "values": values})


def _done(application_id: int, what: str) -> RedirectResponse:
    return RedirectResponse(f"/applications/{application_id}?saved={what}", status_code=303)


@router.post("/applications/{application_id}/shortlist", response_class=HTMLResponse, response_model=None)
async def shortlist(request: Request, db: DB, actor: Actor, application_id: int) -> Response:
    """Puts the application on the shortlist."""
    try:
        service.shortlist(db=db, actor=actor, application_id=application_id)
    except SkillAtlasError as exc:
        return _step_again(request, db, actor, application_id, exc, {})
    return _done(application_id, "shortlisted")


@router.post("/applications/{application_id}/decline", response_class=HTMLResponse, response_model=None)
async def decline(request: Request, db: DB, actor: Actor, application_id: int) -> Response:
    """Declines the application with a reason."""
    values = await form_values(request)
    try:
        data = parse_input(DeclineIn, {"reason": values.get("reason", "")})
        service.decline(db=db, actor=actor, application_id=application_id, data=data)
    except SkillAtlasError as exc:
        if isinstance(exc, FormErrors) and "reason" in exc.errors:
            exc.errors["reason"] = (
                "Say in a few words why the application is declined: the applicant reads it"
            )
        return _step_again(request, db, actor, application_id, exc, values)
    return _done(application_id, "declined")


_TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


@router.post("/applications/{application_id}/interview", response_class=HTMLResponse, response_model=None)
async def interview(request: Request, db: DB, actor: Actor, application_id: int) -> Response:
    """Sets or moves the interview: date, time, place or video link, panel."""
    values = await form_values(request, lists=("panel",))
    errors: dict[str, str] = {}
    day = values.get("date", "")
    at = None
    try:
        day_value = dt.date.fromisoformat(day)
    except ValueError:
        errors["date"] = "Enter a date like 2026-07-01"
        day_value = None
    time = values.get("time", "")
    if not _TIME.match(time):
        errors["time"] = "Enter a time like 14:30"
    elif day_value is not None:
        hours, minutes = (int(x) for x in time.split(":"))
        at = dt.datetime.combine(day_value, dt.time(hours, minutes), tzinfo=dt.UTC)
    if len(values.get("place", "")) < 3:
        errors["place"] = "Enter the place, or the link of the video call"
    if not values.get("panel"):
        errors["panel"] = "Choose at least one person for the panel"
    try:
        if errors:
            raise FormErrors(errors)
        data = InterviewIn(
            at=at, place=values["place"], panel=[int(p) for p in values["panel"] if p.isdigit()]
        )
        service.schedule_interview(db=db, actor=actor, application_id=application_id, data=data)
    except SkillAtlasError as exc:
        if exc.field == "at" and not isinstance(exc, FormErrors):
            exc = FormErrors({"date": "Choose a day and time in the future"})
        return _step_again(request, db, actor, application_id, exc, values)
    return _done(application_id, "interview")


@router.post("/applications/{application_id}/outcome", response_class=HTMLResponse, response_model=None)
async def outcome(request: Request, db: DB, actor: Actor, application_id: int) -> Response:
    """Records the interview's outcome."""
    values = await form_values(request)
    try:
        if values.get("outcome") not in ("accepted", "not_accepted"):
            raise FormErrors({"outcome": "Choose accepted or not accepted"})
        data = parse_input(OutcomeIn, {"outcome": values["outcome"], "notes": values.get("notes", "")})
        service.record_outcome(db=db, actor=actor, application_id=application_id, data=data)
    except SkillAtlasError as exc:
        return _step_again(request, db, actor, application_id, exc, values)
    return _done(application_id, data.outcome)


@router.post("/applications/{application_id}/certification", response_class=HTMLResponse, response_model=None)
async def certification(request: Request, db: DB, actor: Actor, application_id: int) -> Response:
    """Records the passed certification: the group's badge is issued."""
    try:
        service.record_certification(db=db, actor=actor, application_id=application_id)
    except SkillAtlasError as exc:
        return _step_again(request, db, actor, application_id, exc, {})
    return _done(application_id, "certified")


@router.post("/applications/{application_id}/withdraw", response_class=HTMLResponse, response_model=None)
async def withdraw(request: Request, db: DB, actor: Actor, application_id: int) -> Response:
    """The applicant withdraws."""
    try:
        service.withdraw(db=db, actor=actor, application_id=application_id)
    except SkillAtlasError as exc:
        return _step_again(request, db, actor, application_id, exc, {})
    return _done(application_id, "withdrawn")


# --- home ------------------------------------------------------------------------------------------


@register_inbox
def _applications_inbox(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    """The applicant: each application's state (decided ones for 30 days); the leads: what waits for them."""
    items: list[InboxItem] = []
    if actor.person_id is not None:
        recent = now - dt.timedelta(days=30)
        own = db.scalars(
            select(Application)
            .where(Application.person_id == actor.person_id)
            .where(Application.state.in_(OPEN_STATES) | (Application.updated_at >= recent))
            .order_by(Application.updated_at.desc())
            .limit(10)
        )
        for a in own:
            detail = service.STATE_LABELS[a.state]
            if a.state == S.INTERVIEW_SCHEDULED and a.interview_at:
                detail += f" · {a.interview_at:%d %b %Y %H:%M} UTC · {a.interview_place}"
            items.append(
                InboxItem(f"Your application to {a.group.name}", f"/applications/{a.id}", detail, kind="news")
            )
    if actor.user_id is None:
        return items
    scope = service._visible(actor)
    waiting = select(Application).where(Application.state == S.SUBMITTED)
    if actor.person_id is not None:
        waiting = waiting.where(Application.person_id != actor.person_id)
    if scope is not None:
        waiting = waiting.where(scope)
    for a in db.scalars(waiting.order_by(Application.created_at).limit(10)):
        if allowed(actor, "application.review", **service.facts(a)):
            items.append(
                InboxItem(
                    f"Application to {a.group.name} to review: {a.person.full_name}",
                    f"/applications/{a.id}",
                    "shortlist or decline",
                )
            )
    return items
