"""HTML pages of the alliance: home, committees, groups, organisations, events and registration, and the
forms with which the office and the leads keep them up to date (edit, members, working plans, attendance)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from skillatlas.alliance import service
from skillatlas.alliance.models import (
    ActivityType,
    Event,
    EventMode,
    Group,
    GroupKind,
    MembershipRole,
    OrganisationType,
    RegistrationStatus,
    WorkItemStatus,
)
from skillatlas.alliance.schemas import (
    CommitteeUpdate,
    EventCreate,
    EventUpdate,
    GroupCreate,
    GroupMemberIn,
    GroupUpdate,
    OrganisationCreate,
    OrganisationUpdate,
    RegistrationCreate,
    WorkPlanItemIn,
    WorkPlanItemUpdate,
)
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.errors import FormErrors, SkillAtlasError
from skillatlas.geo import EU_COUNTRIES
from skillatlas.people import service as people_service
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Today
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.home import InboxItem, register_inbox
from skillatlas.web.nav import add_nav, has_role
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)


@cache
def country_options() -> tuple[tuple[str, str], ...]:
    """(code, name) for a country list: the EU's countries first, then every other, each part by name."""
    eu = sorted(((c, pycountry.countries.get(alpha_2=c).name) for c in EU_COUNTRIES), key=lambda x: x[1])
    rest = sorted(
        ((c.alpha_2, c.name) for c in pycountry.countries if c.alpha_2 not in EU_COUNTRIES),
        key=lambda x: x[1],
    )
    return (*eu, *rest)


def _labelled(kind: Any) -> list[tuple[str, str]]:
    """An enum's (value, words) options for a select."""
    words = {"education_training_provider": "education or training provider"}
    return [(m.value, words.get(m.value, m.value.replace("_", " ")).capitalize()) for m in kind]


def _again(
    request: Request, db: Session, template: str, exc: SkillAtlasError, context: dict[str, Any]
) -> HTMLResponse:
    """The form again with every error beside its field; a visitor or a refused user gets the usual answer."""
    if exc.status_code in (401, 403):
        raise exc
    return form_again(request, db, template, exc, context)


def _saved(request: Request) -> str | None:
    """The "saved" note after a redirect (?saved=...)."""
    return request.query_params.get("saved") or None


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
def committee(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """A topic committee, its priorities and the groups it steers."""
    found = service.get_committee(db=db, slug=slug)
    groups = service.groups_in_detail(db=db, ids=[g.id for g in found.groups])
    return templates.TemplateResponse(
        request,
        "alliance/committee.html",
        {
            "committee": found,
            "groups": groups,
            "editable": allowed(actor, "committee.update", committee_id=found.id),
            "may_add_group": allowed(actor, "group.create", committee_ids=frozenset({found.id})),
            "saved": _saved(request),
        },
    )


@router.get("/committees/{slug}/edit", response_class=HTMLResponse)
def edit_committee_form(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """The form to change a committee's description and priorities (the office, the committee's lead)."""
    found = service.get_committee(db=db, slug=slug)
    authorize(actor, "committee.update", committee_id=found.id)
    values = {
        "name": found.name,
        "description": found.description,
        "priorities": "\n".join(found.priorities),
    }
    return templates.TemplateResponse(
        request, "alliance/committee_form.html", {"committee": found, "values": values}
    )


@router.post("/committees/{slug}/edit", response_class=HTMLResponse, response_model=None)
async def edit_committee(request: Request, db: DB, actor: Actor, slug: str) -> Response:
    """Saves the committee: one priority a line."""
    found = service.get_committee(db=db, slug=slug)
    values = await form_values(request)
    lines = [line.strip() for line in str(values.get("priorities", "")).splitlines() if line.strip()]
    try:
        changes = parse_input(
            CommitteeUpdate,
            {
                "name": values.get("name", ""),
                "description": values.get("description", ""),
                "priorities": lines,
            },
        )
        service.update_committee(db=db, actor=actor, slug=slug, changes=changes)
    except SkillAtlasError as exc:
        return _again(
            request, db, "alliance/committee_form.html", exc, {"committee": found, "values": values}
        )
    return RedirectResponse(f"/committees/{slug}?saved=1", status_code=303)


@router.get("/groups", response_class=HTMLResponse)
def groups(request: Request, db: DB) -> HTMLResponse:
    """Every working group and task force."""
    return templates.TemplateResponse(request, "alliance/groups.html", {"groups": service.list_groups(db=db)})


def _group_form_context(db: Session, actor: Principal, group: Group | None = None) -> dict[str, Any]:
    """The choices of the group form; committees the actor may not add or take away are shown but fixed."""
    committees = service.list_committees(db=db)
    if group is None:
        movable = {
            c.id for c in committees if allowed(actor, "group.create", committee_ids=frozenset({c.id}))
        }
    else:
        movable = {c.id for c in committees if allowed(actor, "group.move", committee_ids=frozenset({c.id}))}
    return {
        "group": group,
        "kinds": _labelled(GroupKind),
        "activity_types": _labelled(ActivityType),
        "committees": committees,
        "committee_options": [(c.slug, c.name) for c in committees],
        "movable": movable,
        "statuses": _labelled(WorkItemStatus),
        "member_roles": _labelled(MembershipRole),
    }


def _group_manage_context(db: Session, actor: Principal, group: Group) -> dict[str, Any]:
    """The group form and, below it, its members and working plan with their forms."""
    members = {m.organisation_id for m in group.memberships}
    return {
        **_group_form_context(db, actor, group),
        "read": service.group_read(group),
        "candidates": [(o.slug, o.name) for o in service.list_organisations(db=db) if o.id not in members],
        "member_values": {"role": "member"},
    }


def _group_values(group: Group) -> dict[str, Any]:
    return {
        "name": group.name,
        "kind": group.kind.value,
        "committees": [c.slug for c in group.committees],
        "activities": list(group.activities),
        "description": group.description,
    }


def _group_input(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": values.get("name", ""),
        "kind": values.get("kind", ""),
        "committees": values.get("committees", []),
        "activities": values.get("activities", []),
        "description": values.get("description", ""),
    }


def _plain_group_errors(exc: SkillAtlasError) -> SkillAtlasError:
    """ "Give at least 1." says nothing on a form: name what to choose."""
    if isinstance(exc, FormErrors) and "committees" in exc.errors:
        return FormErrors({**exc.errors, "committees": "Choose at least one committee."})
    return exc


@router.get("/groups/new", response_class=HTMLResponse)
def new_group(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The form to add a working group or task force (the office, and the committees' leads)."""
    context = _group_form_context(db, actor)
    if not context["movable"]:
        authorize(actor, "group.create", committee_ids=frozenset())  # says who may
    committee = request.query_params.get("committee")
    values = {"kind": GroupKind.WORKING_GROUP.value, "committees": [committee] if committee else []}
    return templates.TemplateResponse(request, "alliance/group_form.html", {**context, "values": values})


@router.post("/groups", response_class=HTMLResponse, response_model=None)
async def create_group(request: Request, db: DB, actor: Actor) -> Response:
    """Adds the group and opens its page to add members and the working plan."""
    values = await form_values(request, lists=("committees", "activities"))
    try:
        created = service.create_group(
            db=db, actor=actor, data=parse_input(GroupCreate, _group_input(values))
        )
    except SkillAtlasError as exc:
        return _again(
            request,
            db,
            "alliance/group_form.html",
            _plain_group_errors(exc),
            {**_group_form_context(db, actor), "values": values},
        )
    return RedirectResponse(f"/groups/{created.slug}/edit?saved=created", status_code=303)


@router.get("/groups/{slug}", response_class=HTMLResponse)
def group(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """A group: its committees, activities, members, working plan and events."""
    found = service.get_group(db=db, slug=slug)
    facts = service.group_facts(found)
    return templates.TemplateResponse(
        request,
        "alliance/group.html",
        {
            "group": found,
            "read": service.group_read(found),
            "manage": allowed(actor, "group.update", **facts),
            "add_event": allowed(actor, "event.create", **facts),
        },
    )


@router.get("/groups/{slug}/edit", response_class=HTMLResponse)
def manage_group(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """The group's own page for its leads and the office: details, members, working plan."""
    found = service.get_group(db=db, slug=slug)
    authorize(actor, "group.update", **service.group_facts(found))
    return templates.TemplateResponse(
        request,
        "alliance/group_form.html",
        {**_group_manage_context(db, actor, found), "values": _group_values(found), "saved": _saved(request)},
    )


async def _group_form_again(
    request: Request, db: Session, actor: Principal, slug: str, exc: SkillAtlasError, **values: Any
) -> HTMLResponse:
    if exc.status_code in (401, 403):
        raise exc
    db.rollback()
    found = service.get_group(db=db, slug=slug)
    context = {**_group_manage_context(db, actor, found), "values": _group_values(found), **values}
    return form_again(request, db, "alliance/group_form.html", exc, context)


@router.post("/groups/{slug}/edit", response_class=HTMLResponse, response_model=None)
async def edit_group(request: Request, db: DB, actor: Actor, slug: str) -> Response:
    """Saves the group's details."""
    values = await form_values(request, lists=("committees", "activities"))
    try:
        data = parse_input(GroupCreate, _group_input(values))
        changes = GroupUpdate(
            name=data.name,
            kind=data.kind,
            committees=data.committees,
            activities=data.activities,
            description=data.description,
        )
        service.update_group(db=db, actor=actor, slug=slug, changes=changes)
    except SkillAtlasError as exc:
        return await _group_form_again(request, db, actor, slug, _plain_group_errors(exc), values=values)
    return RedirectResponse(f"/groups/{slug}/edit?saved=details", status_code=303)


@router.post("/groups/{slug}/members", response_class=HTMLResponse, response_model=None)
async def add_member(request: Request, db: DB, actor: Actor, slug: str) -> Response:
    """Adds an organisation to the group, as lead or member."""
    values = await form_values(request)
    try:
        member = parse_input(
            GroupMemberIn,
            {"organisation": values.get("organisation", ""), "role": values.get("role", "member")},
        )
        service.add_member(db=db, actor=actor, group=service.get_group(db=db, slug=slug), member=member)
    except SkillAtlasError as exc:
        if isinstance(exc, FormErrors) and "organisation" in exc.errors:
            exc = FormErrors({**exc.errors, "organisation": "Choose an organisation."})
        return await _group_form_again(request, db, actor, slug, exc, member_values=values)
    return RedirectResponse(f"/groups/{slug}/edit?saved=member#members", status_code=303)


@router.post("/groups/{slug}/members/{organisation}/role", response_class=HTMLResponse, response_model=None)
async def member_role(request: Request, db: DB, actor: Actor, slug: str, organisation: str) -> Response:
    """Makes a member the group's lead, or an ordinary member."""
    values = await form_values(request)
    try:
        role = parse_input(GroupMemberIn, {"organisation": organisation, "role": values.get("role", "")}).role
        group = service.get_group(db=db, slug=slug)
        service.update_member(db=db, actor=actor, group=group, organisation_slug=organisation, role=role)
    except SkillAtlasError as exc:
        return await _group_form_again(request, db, actor, slug, exc)
    return RedirectResponse(f"/groups/{slug}/edit?saved=member#members", status_code=303)


@router.post("/groups/{slug}/members/{organisation}/remove", response_class=HTMLResponse, response_model=None)
def remove_member(request: Request, db: DB, actor: Actor, slug: str, organisation: str) -> Response:
    """Takes an organisation out of the group."""
    group = service.get_group(db=db, slug=slug)
    service.remove_member(db=db, actor=actor, group=group, organisation_slug=organisation)
    return RedirectResponse(f"/groups/{slug}/edit?saved=removed#members", status_code=303)


def _work_item_context(db: Session, group: Group, item: Any = None) -> dict[str, Any]:
    members = [m.organisation for m in group.memberships]
    if item is not None and item.owner is not None and item.owner not in members:
        members.append(item.owner)
    return {
        "group": group,
        "item": item,
        "owner_options": [(o.slug, o.name) for o in sorted(members, key=lambda o: o.name)],
        "statuses": _labelled(WorkItemStatus),
    }


def _work_item_input(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "objective": values.get("objective", ""),
        "deliverable": values.get("deliverable", ""),
        "owner": values.get("owner"),
        "due_date": values.get("due_date"),
        "status": values.get("status", WorkItemStatus.PLANNED.value),
    }


@router.get("/groups/{slug}/work-plan/new", response_class=HTMLResponse)
def new_work_item(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """The form to add a line to the group's working plan."""
    found = service.get_group(db=db, slug=slug)
    authorize(actor, "group.add_work_item", **service.group_facts(found))
    return templates.TemplateResponse(
        request,
        "alliance/work_item_form.html",
        {**_work_item_context(db, found), "values": {"status": WorkItemStatus.PLANNED.value}},
    )


@router.post("/groups/{slug}/work-plan", response_class=HTMLResponse, response_model=None)
async def add_work_item(request: Request, db: DB, actor: Actor, slug: str) -> Response:
    """Adds the line, or shows the form again with every error beside its field."""
    values = await form_values(request)
    found = service.get_group(db=db, slug=slug)
    try:
        item = parse_input(WorkPlanItemIn, _work_item_input(values))
        service.add_work_plan_item(db=db, actor=actor, group=found, item=item)
    except SkillAtlasError as exc:
        context = _work_item_context(db, found)
        return _again(request, db, "alliance/work_item_form.html", exc, {**context, "values": values})
    return RedirectResponse(f"/groups/{slug}/edit?saved=work-item#work-plan", status_code=303)


def _item_of(db: Session, group: Group, item_id: int) -> Any:
    item = service.get_work_plan_item(db=db, item_id=item_id)
    if item.group_id != group.id:
        from skillatlas.errors import NotFound

        raise NotFound(f"no working-plan item {item_id} in {group.name}", field="item_id")
    return item


@router.get("/groups/{slug}/work-plan/{item_id}/edit", response_class=HTMLResponse)
def edit_work_item_form(request: Request, db: DB, actor: Actor, slug: str, item_id: int) -> HTMLResponse:
    """The form to change a line of the working plan."""
    found = service.get_group(db=db, slug=slug)
    item = _item_of(db, found, item_id)
    authorize(actor, "group.update_work_item", **service.group_facts(found))
    values = {
        "objective": item.objective,
        "deliverable": item.deliverable,
        "owner": item.owner.slug if item.owner else "",
        "due_date": item.due_date.isoformat() if item.due_date else "",
        "status": item.status.value,
    }
    return templates.TemplateResponse(
        request, "alliance/work_item_form.html", {**_work_item_context(db, found, item), "values": values}
    )


@router.post("/groups/{slug}/work-plan/{item_id}/edit", response_class=HTMLResponse, response_model=None)
async def edit_work_item(request: Request, db: DB, actor: Actor, slug: str, item_id: int) -> Response:
    """Saves the line; an owner or due date left empty is cleared."""
    values = await form_values(request)
    found = service.get_group(db=db, slug=slug)
    item = _item_of(db, found, item_id)
    try:
        data = parse_input(WorkPlanItemIn, _work_item_input(values))
        changes = WorkPlanItemUpdate(**data.model_dump())
        service.update_work_plan_item(db=db, actor=actor, item_id=item.id, changes=changes)
    except SkillAtlasError as exc:
        context = _work_item_context(db, found, item)
        return _again(request, db, "alliance/work_item_form.html", exc, {**context, "values": values})
    return RedirectResponse(f"/groups/{slug}/edit?saved=work-item#work-plan", status_code=303)


@router.get("/my/groups", response_class=HTMLResponse)
def my_groups(request: Request, db: DB, actor: Actor, today: Today) -> HTMLResponse:
    """The groups I lead (or whose committee I lead): what is overdue, what comes next."""
    authorize(actor, "event.open_form")  # the office and the leads of groups or committees
    groups = service.led_groups(db=db, actor=actor)
    overdue = service.overdue_work_items(db=db, group_ids=[g.id for g in groups], today=today)
    by_group: dict[int, list[Any]] = {}
    for item in overdue:
        by_group.setdefault(item.group_id, []).append(item)
    return templates.TemplateResponse(
        request,
        "alliance/my_groups.html",
        {
            "groups": [service.get_group(db=db, slug=g.slug) for g in groups],
            "overdue": by_group,
            "today": today,
        },
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


def _organisation_form_context(actor: Principal, organisation: Any = None) -> dict[str, object]:
    return {
        "types": _labelled(OrganisationType),
        "countries": country_options(),
        "organisation": organisation,
        # whether it is a member, and since when: the office's to say (they count in the KPIs)
        "membership_editable": allowed(actor, "organisation.create"),
    }


@router.get("/organisations/new", response_class=HTMLResponse)
def new_organisation(request: Request, actor: Actor) -> HTMLResponse:
    """The form to add an organisation (the alliance office)."""
    authorize(actor, "organisation.create")
    return templates.TemplateResponse(
        request,
        "alliance/organisation_form.html",
        {**_organisation_form_context(actor), "values": {"is_member": True}},
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
            {**_organisation_form_context(actor), "values": values},
        )
    return RedirectResponse(f"/organisations/{created.slug}", status_code=303)


def _organisation_values(organisation: Any) -> dict[str, object]:
    names = (
        "name",
        "short_name",
        "country",
        "nuts_region",
        "website",
        "legal_identifier",
        "description",
        "is_member",
    )
    values: dict[str, object] = {n: getattr(organisation, n) or "" for n in names}
    values["type"] = organisation.type.value
    values["joined_on"] = organisation.joined_on.isoformat() if organisation.joined_on else ""
    return values


@router.get("/organisations/{slug}/edit", response_class=HTMLResponse)
def edit_organisation_form(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """The form to change an organisation (the office, and the organisation's own managers)."""
    found = service.get_organisation(db=db, slug=slug)
    authorize(actor, "organisation.update", organisation_id=found.id)
    return templates.TemplateResponse(
        request,
        "alliance/organisation_form.html",
        {**_organisation_form_context(actor, found), "values": _organisation_values(found)},
    )


@router.post("/organisations/{slug}/edit", response_class=HTMLResponse, response_model=None)
async def edit_organisation(request: Request, db: DB, actor: Actor, slug: str) -> Response:
    """Saves the organisation, or shows the form again with every error beside its field."""
    found = service.get_organisation(db=db, slug=slug)
    context = _organisation_form_context(actor, found)
    values = await form_values(request)
    values["is_member"] = "is_member" in values
    try:
        data = parse_input(OrganisationCreate, values)  # every field checked, as when it was added
        fields = set(OrganisationCreate.model_fields)
        if not context["membership_editable"]:
            fields -= {"is_member", "joined_on"}
        changes = OrganisationUpdate(**{k: getattr(data, k) for k in fields})
        service.update_organisation(db=db, actor=actor, slug=slug, changes=changes)
    except SkillAtlasError as exc:
        return _again(request, db, "alliance/organisation_form.html", exc, {**context, "values": values})
    return RedirectResponse(f"/organisations/{slug}?saved=1", status_code=303)


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
        request,
        "alliance/organisation.html",
        {
            "organisation": found,
            "staff": staff,
            "editable": allowed(actor, "organisation.update", organisation_id=found.id),
            "saved": _saved(request),
        },
    )


@router.get("/events", response_class=HTMLResponse)
def events(request: Request, db: DB, today: Today) -> HTMLResponse:
    """Upcoming and past events."""
    upcoming = service.list_events(db=db, upcoming_from=today)
    past = service.list_events(db=db, past_before=today)
    return templates.TemplateResponse(request, "alliance/events.html", {"upcoming": upcoming, "past": past})


def _event_form_context(db: DB, actor: Principal, event: Event | None = None) -> dict[str, object]:
    # Offer only the groups the actor may add events to (a group lead: their own).
    groups = [
        g for g in service.list_groups(db=db) if allowed(actor, "event.create", **service.group_facts(g))
    ]
    if event is not None and event.group is not None and event.group not in groups:
        groups.append(event.group)  # it stays where it is unless moved
    return {
        "event": event,
        "modes": _labelled(EventMode),
        "countries": country_options(),
        "groups": [(g.slug, g.name) for g in groups],
        "without_group": allowed(actor, "event.create"),
        "organiser_options": [(o.slug, o.name) for o in service.list_organisations(db=db)],
    }


@router.get("/events/new", response_class=HTMLResponse)
def new_event(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The form to add an event (the office, and the leads of groups and committees)."""
    authorize(actor, "event.open_form")
    values = {"group": request.query_params.get("group", ""), "mode": EventMode.ON_SITE.value}
    return templates.TemplateResponse(
        request, "alliance/event_form.html", {**_event_form_context(db, actor), "values": values}
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


@router.get("/events/{slug}/edit", response_class=HTMLResponse)
def edit_event_form(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """The form to change an event (the office, and the leads of its group)."""
    found = service.get_event(db=db, slug=slug)
    authorize(actor, "event.update", **service.event_facts(found))
    values: dict[str, Any] = {
        name: getattr(found, name) or ""
        for name in ("name", "description", "place", "country", "url", "capacity")
    }
    values.update(
        starts_on=found.starts_on.isoformat(),
        ends_on=found.ends_on.isoformat(),
        mode=found.mode.value,
        group=found.group.slug if found.group else "",
        organisers=[o.slug for o in found.organisers],
    )
    return templates.TemplateResponse(
        request, "alliance/event_form.html", {**_event_form_context(db, actor, found), "values": values}
    )


@router.post("/events/{slug}/edit", response_class=HTMLResponse, response_model=None)
async def edit_event(request: Request, db: DB, actor: Actor, slug: str) -> Response:
    """Saves the event, or shows the form again with every error beside its field."""
    found = service.get_event(db=db, slug=slug)
    values = await form_values(request, lists=("organisers",))
    try:
        data = parse_input(EventCreate, values)  # every field checked, as when it was added
        service.update_event(db=db, actor=actor, slug=slug, changes=EventUpdate(**data.model_dump()))
    except SkillAtlasError as exc:
        db.rollback()
        found = service.get_event(db=db, slug=slug)
        context = _event_form_context(db, actor, found)
        return _again(request, db, "alliance/event_form.html", exc, {**context, "values": values})
    return RedirectResponse(f"/events/{slug}?saved=1", status_code=303)


def _registrations_context(db: Session, actor: Principal, slug: str) -> dict[str, Any]:
    found = service.get_event(db=db, slug=slug)
    rows = service.registrations(db=db, actor=actor, event_slug=slug)
    tally = {status: 0 for status in RegistrationStatus}
    for r in rows:
        tally[r.status] += 1
    return {
        "event": found,
        "registrations": rows,
        "tally": {s.value: n for s, n in tally.items()},
        "may_register_others": allowed(actor, "event.register_other", **service.event_facts(found)),
        "values": {},
    }


@router.get("/events/{slug}/registrations", response_class=HTMLResponse)
def event_registrations(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """Who registered, who waits, who attended: tick who came (the office and the leads of its group)."""
    return templates.TemplateResponse(
        request,
        "alliance/registrations.html",
        {**_registrations_context(db, actor, slug), "saved": _saved(request)},
    )


@router.post("/events/{slug}/attendance", response_class=HTMLResponse, response_model=None)
async def save_attendance(request: Request, db: DB, actor: Actor, slug: str) -> Response:
    """Records the ticked persons as attended (and un-ticked ones as not)."""
    values = await form_values(request, lists=("attended",))
    try:
        ticked = set()
        for value in values.get("attended", []):
            if not str(value).isdigit():
                raise FormErrors({"attended": "Tick the persons in the list."})
            ticked.add(int(value))
        marked, unmarked = service.set_attendance(db=db, actor=actor, event_slug=slug, attended=ticked)
    except SkillAtlasError as exc:
        db.rollback()
        return _again(
            request, db, "alliance/registrations.html", exc, _registrations_context(db, actor, slug)
        )
    return RedirectResponse(
        f"/events/{slug}/registrations?saved=attendance-{len(marked)}-{len(unmarked)}", status_code=303
    )


@router.post("/events/{slug}/registrations", response_class=HTMLResponse, response_model=None)
async def register_other(request: Request, db: DB, actor: Actor, today: Today, slug: str) -> Response:
    """Registers someone else by name and e-mail address (a place, or the waitlist when full)."""
    values = await form_values(request)
    try:
        data = parse_input(
            RegistrationCreate, {"full_name": values.get("full_name", ""), "email": values.get("email", "")}
        )
        service.register(db=db, actor=actor, event_slug=slug, today=today, data=data)
    except SkillAtlasError as exc:
        db.rollback()
        context = {**_registrations_context(db, actor, slug), "values": values}
        return _again(request, db, "alliance/registrations.html", exc, context)
    return RedirectResponse(f"/events/{slug}/registrations?saved=registered", status_code=303)


@router.post(
    "/events/{slug}/registrations/{person_id}/cancel", response_class=HTMLResponse, response_model=None
)
def cancel_other(request: Request, db: DB, actor: Actor, slug: str, person_id: int) -> Response:
    """Cancels someone's registration; the first on the waitlist gets the place."""
    try:
        service.cancel_registration(db=db, actor=actor, event_slug=slug, person_id=person_id)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        db.rollback()
        return _again(
            request, db, "alliance/registrations.html", exc, _registrations_context(db, actor, slug)
        )
    return RedirectResponse(f"/events/{slug}/registrations?saved=cancelled", status_code=303)


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
        "editable": allowed(actor, "event.update", **facts),
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
    context = _event_context(db, actor, slug, today)
    return templates.TemplateResponse(request, "alliance/event.html", {**context, "saved": _saved(request)})


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


# --- the menu and the inbox ---------------------------------------------------------------------------


def _office_or_committee_lead(actor: Principal) -> bool:
    return bool(actor.roles() & {Role.ALLIANCE_OFFICE, Role.COMMITTEE_LEAD})


add_nav("My groups", "/my/groups", "Mine", has_role(Role.GROUP_LEAD, Role.COMMITTEE_LEAD), order=40)
add_nav("New group", "/groups/new", "Office", _office_or_committee_lead, order=25)

# Events that ended within this many days and still have persons not marked as attended.
ATTENDANCE_DAYS = 30


@register_inbox
def _lead_inbox(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    """For the leads: their groups' overdue working-plan lines; for them and the office: attendance to mark."""
    today = now.date()
    office = actor.has(Role.ALLIANCE_OFFICE)
    groups = service.led_groups(db=db, actor=actor)
    if not groups and not office:
        return []
    items = [
        InboxItem(
            f"Overdue in {w.group.name}: {w.objective[:80]}",
            f"/groups/{w.group.slug}/work-plan/{w.id}/edit",
            f"due {w.due_date:%d %b %Y} · {w.status.value.replace('_', ' ')}",
        )
        for w in service.overdue_work_items(db=db, group_ids=[g.id for g in groups], today=today)[:10]
    ]
    pending = service.events_awaiting_attendance(
        db=db,
        group_ids=None if office else [g.id for g in groups],
        since=today - dt.timedelta(days=ATTENDANCE_DAYS),
        today=today,
    )
    items += [
        InboxItem(
            f"Mark who attended {event.name}",
            f"/events/{event.slug}/registrations",
            f"{count} registered, not marked yet",
        )
        for event, count in pending[:10]
    ]
    return items
