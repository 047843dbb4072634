"""HTML pages of the alliance: home, committees, groups, organisations, events and registration."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from skillatlas.alliance import service
from skillatlas.alliance.models import ActivityType, EventMode, OrganisationType
from skillatlas.alliance.schemas import EventCreate, OrganisationCreate
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.errors import SkillAtlasError
from skillatlas.geo import EU_COUNTRIES
from skillatlas.people import service as people_service
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Today
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DB, today: Today) -> HTMLResponse:
    """The alliance at a glance: committees, their groups and members, the events ahead."""
    committees = service.list_committees(db=db)
    upcoming = service.list_events(db=db, upcoming_from=today, limit=6)
    recent = service.list_events(db=db, past_before=today, limit=4)
    return templates.TemplateResponse(
        request,
        "alliance/home.html",
        {
            "committees": committees,
            "upcoming": upcoming,
            "recent": recent,
            "figures": service.figures(db=db),
            "activity_types": ActivityType,
        },
    )


@router.get("/about", response_class=HTMLResponse)
def about(request: Request, db: DB) -> HTMLResponse:
    """The alliance's mission, ambition, first KPIs and the projects it builds on."""
    from skillatlas.demo.loader import alliance_profile

    return templates.TemplateResponse(
        request,
        "alliance/about.html",
        {"profile": alliance_profile(), "projects": service.list_projects(db=db)},
    )


@router.get("/committees/{slug}", response_class=HTMLResponse)
def committee(request: Request, db: DB, slug: str) -> HTMLResponse:
    """A topic committee, its priorities and the groups it steers."""
    found = service.get_committee(db=db, slug=slug)
    groups = [service.get_group(db=db, slug=g.slug) for g in found.groups]
    return templates.TemplateResponse(
        request, "alliance/committee.html", {"committee": found, "groups": groups}
    )


@router.get("/groups", response_class=HTMLResponse)
def groups(request: Request, db: DB) -> HTMLResponse:
    """Every working group and task force."""
    return templates.TemplateResponse(request, "alliance/groups.html", {"groups": service.list_groups(db=db)})


@router.get("/groups/{slug}", response_class=HTMLResponse)
def group(request: Request, db: DB, slug: str) -> HTMLResponse:
    """A group: its committees, activities, members, working plan and events."""
    found = service.get_group(db=db, slug=slug)
    return templates.TemplateResponse(
        request, "alliance/group.html", {"group": found, "read": service.group_read(found)}
    )


@router.get("/organisations", response_class=HTMLResponse)
def organisations(request: Request, db: DB, q: str | None = None, type: str | None = None) -> HTMLResponse:
    """Member organisations, searchable by name and type."""
    kind = OrganisationType(type) if type in {t.value for t in OrganisationType} else None
    found = service.list_organisations(db=db, query=q, type=kind)
    return templates.TemplateResponse(
        request,
        "alliance/organisations.html",
        {"organisations": found, "q": q or "", "type": type or "", "types": OrganisationType},
    )


def _organisation_form_context() -> dict[str, object]:
    return {"types": OrganisationType, "countries": EU_COUNTRIES}


@router.get("/organisations/new", response_class=HTMLResponse)
def new_organisation(request: Request, actor: Actor) -> HTMLResponse:
    """The form to add an organisation (the alliance office)."""
    authorize(actor, "organisation.create")
    return templates.TemplateResponse(
        request, "alliance/organisation_form.html", {**_organisation_form_context(), "values": {}}
    )


@router.post("/organisations", response_class=HTMLResponse, response_model=None)
async def create_organisation(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Adds an organisation, or shows the form again with what is wrong."""
    values = await form_values(request)
    values["is_member"] = "is_member" in values
    try:
        created = service.create_organisation(
            db=db, actor=actor, data=parse_input(OrganisationCreate, values)
        )
    except SkillAtlasError as exc:
        return form_again(
            request,
            db,
            "alliance/organisation_form.html",
            exc,
            {**_organisation_form_context(), "values": values},
        )
    return RedirectResponse(f"/organisations/{created.slug}", status_code=303)


@router.get("/organisations/{slug}", response_class=HTMLResponse)
def organisation(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """An organisation and the groups it takes part in; its staff for the office and its managers."""
    found = service.get_organisation(db=db, slug=slug)
    staff = (
        people_service.staff_of(db=db, actor=actor, organisation_id=found.id)
        if allowed(actor, "organisation.read_staff", organisation_id=found.id)
        else None
    )
    return templates.TemplateResponse(
        request, "alliance/organisation.html", {"organisation": found, "staff": staff}
    )


@router.get("/events", response_class=HTMLResponse)
def events(request: Request, db: DB, today: Today) -> HTMLResponse:
    """Upcoming and past events."""
    upcoming = service.list_events(db=db, upcoming_from=today)
    past = service.list_events(db=db, past_before=today)
    return templates.TemplateResponse(request, "alliance/events.html", {"upcoming": upcoming, "past": past})


def _event_form_context(db: DB, actor: Principal) -> dict[str, object]:
    # Offer only the groups the actor may add events to (a group lead: their own).
    groups = [
        g for g in service.list_groups(db=db) if allowed(actor, "event.create", **service.group_facts(g))
    ]
    return {
        "modes": EventMode,
        "countries": EU_COUNTRIES,
        "groups": groups,
        "without_group": allowed(actor, "event.create"),
        "organisations": service.list_organisations(db=db),
    }


@router.get("/events/new", response_class=HTMLResponse)
def new_event(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The form to add an event (the office, and the leads of groups and committees)."""
    authorize(actor, "event.open_form")
    return templates.TemplateResponse(
        request, "alliance/event_form.html", {**_event_form_context(db, actor), "values": {}}
    )


@router.post("/events", response_class=HTMLResponse, response_model=None)
async def create_event(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Adds an event, or shows the form again with what is wrong."""
    values = await form_values(request, lists=("organisers",))
    try:
        created = service.create_event(db=db, actor=actor, data=parse_input(EventCreate, values))
    except SkillAtlasError as exc:
        return form_again(
            request, db, "alliance/event_form.html", exc, {**_event_form_context(db, actor), "values": values}
        )
    return RedirectResponse(f"/events/{created.slug}", status_code=303)


def _event_context(db: DB, actor: Principal, slug: str, today: Today) -> dict[str, object]:
    event = service.get_event(db=db, slug=slug)
    counts = service.attendance(db=db, event_ids=[event.id])[event.id]
    facts = service.event_facts(event)
    registrations = (
        service.registrations(db=db, actor=actor, event_slug=slug)
        if allowed(actor, "registration.list", **facts)
        else None
    )
    mine = service.own_registration(db=db, actor=actor, event=event)
    return {
        "event": event,
        "counts": counts,
        "open": event.starts_on >= today,
        "values": {},
        "registrations": registrations,
        "mine": mine,
        "mine_position": service.waitlist_position(db=db, registration=mine) if mine else None,
    }


@router.get("/events/{slug}", response_class=HTMLResponse)
def event(request: Request, db: DB, actor: Actor, today: Today, slug: str) -> HTMLResponse:
    """An event: a logged-in user registers from here; the office and the group's leads see who did."""
    return templates.TemplateResponse(request, "alliance/event.html", _event_context(db, actor, slug, today))


@router.post("/events/{slug}/register", response_class=HTMLResponse)
async def register(request: Request, db: DB, actor: Actor, today: Today, slug: str) -> HTMLResponse:
    """Registers the logged-in user and says whether it is a seat or the waitlist."""
    try:
        registration = service.register(db=db, actor=actor, event_slug=slug, today=today)
    except SkillAtlasError as exc:
        db.rollback()
        context = _event_context(db, actor, slug, today)
        return form_again(request, db, "alliance/event.html", exc, context)
    context = _event_context(db, actor, slug, today)
    position = service.waitlist_position(db=db, registration=registration)
    return templates.TemplateResponse(
        request,
        "alliance/event.html",
        {**context, "registration": registration, "waitlist_position": position},
        status_code=201,
    )


@router.post("/events/{slug}/cancel", response_model=None)
def cancel(request: Request, db: DB, actor: Actor, slug: str) -> RedirectResponse:
    """Cancels the logged-in user's own registration."""
    if actor.person_id is None:
        authorize(actor, "event.register_self")  # a visitor is asked to log in
    assert actor.person_id is not None
    service.cancel_registration(db=db, actor=actor, event_slug=slug, person_id=actor.person_id)
    return RedirectResponse(f"/events/{slug}", status_code=303)
