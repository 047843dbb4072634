"""REST API of the alliance: organisations, committees, groups, working plans, events, registrations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from skillatlas.alliance import service
from skillatlas.alliance.models import OrganisationType
from skillatlas.alliance.schemas import (
    CommitteeRead,
    CommitteeUpdate,
    EventCreate,
    EventRead,
    EventUpdate,
    GroupCreate,
    GroupMemberIn,
    GroupMemberUpdate,
    GroupRead,
    GroupUpdate,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    RegistrationCreate,
    RegistrationRead,
    WorkPlanItemIn,
    WorkPlanItemRead,
    WorkPlanItemUpdate,
)
from skillatlas.people import service as people_service
from skillatlas.people.schemas import PersonRead
from skillatlas.web.deps import DB, Actor, Today

router = APIRouter(prefix="/api", tags=["alliance"])


@router.get("/organisations", response_model=list[OrganisationRead])
def list_organisations(
    db: DB,
    type: OrganisationType | None = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[OrganisationRead]:
    """Member organisations, filtered by type, country and name."""
    found = service.list_organisations(db=db, type=type, country=country, query=q, limit=limit, offset=offset)
    return [OrganisationRead.model_validate(o) for o in found]


@router.post("/organisations", response_model=OrganisationRead, status_code=status.HTTP_201_CREATED)
def create_organisation(db: DB, actor: Actor, data: OrganisationCreate) -> OrganisationRead:
    """Adds an organisation (the alliance office)."""
    return OrganisationRead.model_validate(service.create_organisation(db=db, actor=actor, data=data))


@router.get("/organisations/{slug}", response_model=OrganisationRead)
def get_organisation(db: DB, slug: str) -> OrganisationRead:
    """One organisation."""
    return OrganisationRead.model_validate(service.get_organisation(db=db, slug=slug))


@router.patch("/organisations/{slug}", response_model=OrganisationRead)
def update_organisation(db: DB, actor: Actor, slug: str, data: OrganisationUpdate) -> OrganisationRead:
    """Changes an organisation's details: only the fields sent (the office, or the organisation's managers;
    membership only the office)."""
    return OrganisationRead.model_validate(
        service.update_organisation(db=db, actor=actor, slug=slug, changes=data)
    )


@router.get("/organisations/{slug}/staff", response_model=list[PersonRead])
def organisation_staff(
    db: DB,
    actor: Actor,
    slug: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PersonRead]:
    """The persons the organisation employs (the office and the organisation's managers)."""
    organisation = service.get_organisation(db=db, slug=slug)
    staff = people_service.staff_of(
        db=db, actor=actor, organisation_id=organisation.id, limit=limit, offset=offset
    )
    return [PersonRead.model_validate(p) for p in staff]


@router.get("/committees", response_model=list[CommitteeRead])
def list_committees(db: DB) -> list[CommitteeRead]:
    """The topic committees and their priorities."""
    return [CommitteeRead.model_validate(c) for c in service.list_committees(db=db)]


@router.get("/committees/{slug}", response_model=CommitteeRead)
def get_committee(db: DB, slug: str) -> CommitteeRead:
    """One topic committee."""
    return CommitteeRead.model_validate(service.get_committee(db=db, slug=slug))


@router.patch("/committees/{slug}", response_model=CommitteeRead)
def update_committee(db: DB, actor: Actor, slug: str, data: CommitteeUpdate) -> CommitteeRead:
    """Changes a committee's name, description or priorities (the office and the committee's lead)."""
    return CommitteeRead.model_validate(service.update_committee(db=db, actor=actor, slug=slug, changes=data))


@router.get("/groups", response_model=list[GroupRead])
def list_groups(db: DB, committee: Annotated[str | None, Query(max_length=80)] = None) -> list[GroupRead]:
    """Working groups and task forces, optionally of one committee."""
    return [
        service.group_read(service.get_group(db=db, slug=g.slug))
        for g in service.list_groups(db=db, committee=committee)
    ]


@router.post("/groups", response_model=GroupRead, status_code=status.HTTP_201_CREATED)
def create_group(db: DB, actor: Actor, data: GroupCreate) -> GroupRead:
    """Creates a group with its committees, members and working plan."""
    group = service.create_group(db=db, actor=actor, data=data)
    return service.group_read(service.get_group(db=db, slug=group.slug))


@router.get("/groups/{slug}", response_model=GroupRead)
def get_group(db: DB, slug: str) -> GroupRead:
    """One group with its members and working plan."""
    return service.group_read(service.get_group(db=db, slug=slug))


@router.patch("/groups/{slug}", response_model=GroupRead)
def update_group(db: DB, actor: Actor, slug: str, data: GroupUpdate) -> GroupRead:
    """Changes a group: only the fields sent (moving it between committees needs those committees' leads)."""
    service.update_group(db=db, actor=actor, slug=slug, changes=data)
    db.expire_all()
    return service.group_read(service.get_group(db=db, slug=slug))


@router.patch("/groups/{slug}/members/{organisation}", response_model=GroupRead)
def update_member(db: DB, actor: Actor, slug: str, organisation: str, data: GroupMemberUpdate) -> GroupRead:
    """Makes a member organisation the group's lead, or an ordinary member."""
    service.update_member(
        db=db,
        actor=actor,
        group=service.get_group(db=db, slug=slug),
        organisation_slug=organisation,
        role=data.role,
    )
    db.expire_all()
    return service.group_read(service.get_group(db=db, slug=slug))


@router.delete("/groups/{slug}/members/{organisation}", response_model=GroupRead)
def remove_member(db: DB, actor: Actor, slug: str, organisation: str) -> GroupRead:
    """Takes an organisation out of a group."""
    service.remove_member(
        db=db, actor=actor, group=service.get_group(db=db, slug=slug), organisation_slug=organisation
    )
    db.expire_all()
    return service.group_read(service.get_group(db=db, slug=slug))


@router.post("/groups/{slug}/members", response_model=GroupRead, status_code=status.HTTP_201_CREATED)
def add_member(db: DB, actor: Actor, slug: str, data: GroupMemberIn) -> GroupRead:
    """Adds an organisation to a group."""
    service.add_member(db=db, actor=actor, group=service.get_group(db=db, slug=slug), member=data)
    db.expire_all()
    return service.group_read(service.get_group(db=db, slug=slug))


@router.post("/groups/{slug}/work-plan", response_model=WorkPlanItemRead, status_code=status.HTTP_201_CREATED)
def add_work_plan_item(db: DB, actor: Actor, slug: str, data: WorkPlanItemIn) -> WorkPlanItemRead:
    """Adds an objective to a group's working plan."""
    item = service.add_work_plan_item(
        db=db, actor=actor, group=service.get_group(db=db, slug=slug), item=data
    )
    return _work_item_read(item)


@router.patch("/work-plan/{item_id}", response_model=WorkPlanItemRead)
def update_work_plan_item(db: DB, actor: Actor, item_id: int, data: WorkPlanItemUpdate) -> WorkPlanItemRead:
    """Changes a working-plan line: only the fields sent; a null due date or owner clears it."""
    return _work_item_read(service.update_work_plan_item(db=db, actor=actor, item_id=item_id, changes=data))


def _work_item_read(item: service.WorkPlanItem) -> WorkPlanItemRead:
    return WorkPlanItemRead(
        id=item.id,
        objective=item.objective,
        deliverable=item.deliverable,
        owner=item.owner.slug if item.owner else None,
        due_date=item.due_date,
        status=item.status,
    )


@router.get("/events", response_model=list[EventRead])
def list_events(
    db: DB, today: Today, when: Annotated[str, Query(pattern="^(all|upcoming|past)$")] = "all"
) -> list[EventRead]:
    """Events: all, upcoming or past."""
    events = service.list_events(
        db=db,
        upcoming_from=today if when == "upcoming" else None,
        past_before=today if when == "past" else None,
    )
    counts = service.attendance(db=db, event_ids=[e.id for e in events])
    return [service.event_read(e, counts[e.id]) for e in events]


@router.post("/events", response_model=EventRead, status_code=status.HTTP_201_CREATED)
def create_event(db: DB, actor: Actor, data: EventCreate) -> EventRead:
    """Adds an event (the office, or the lead of the event's group)."""
    event = service.create_event(db=db, actor=actor, data=data)
    return service.event_read(event, service.attendance(db=db, event_ids=[event.id])[event.id])


@router.get("/events/{slug}", response_model=EventRead)
def get_event(db: DB, slug: str) -> EventRead:
    """One event with its registration counts."""
    event = service.get_event(db=db, slug=slug)
    return service.event_read(event, service.attendance(db=db, event_ids=[event.id])[event.id])


@router.patch("/events/{slug}", response_model=EventRead)
def update_event(db: DB, actor: Actor, slug: str, data: EventUpdate) -> EventRead:
    """Changes an event: only the fields sent. A larger capacity gives places to the waitlist."""
    event = service.update_event(db=db, actor=actor, slug=slug, changes=data)
    return service.event_read(event, service.attendance(db=db, event_ids=[event.id])[event.id])


@router.post(
    "/events/{slug}/registrations", response_model=RegistrationRead, status_code=status.HTTP_201_CREATED
)
def register(
    db: DB, actor: Actor, today: Today, slug: str, data: Annotated[RegistrationCreate | None, Body()] = None
) -> RegistrationRead:
    """Registers you (no body), or another person by name and e-mail (the office and the group's leads):
    a seat while there is one, else the waitlist."""
    registration = service.register(db=db, actor=actor, event_slug=slug, data=data, today=today)
    return service.registration_read(db=db, registration=registration)


@router.post("/events/{slug}/registrations/{person_id}/cancel", response_model=RegistrationRead | None)
def cancel_registration(db: DB, actor: Actor, slug: str, person_id: int) -> RegistrationRead | None:
    """Cancels a registration (your own, or as the office or a lead of the event's group); returns whoever
    was promoted from the waitlist, if anyone."""
    promoted = service.cancel_registration(db=db, actor=actor, event_slug=slug, person_id=person_id)
    return service.registration_read(db=db, registration=promoted) if promoted else None


@router.post("/events/{slug}/registrations/{person_id}/attended", response_model=RegistrationRead)
def mark_attended(db: DB, actor: Actor, slug: str, person_id: int) -> RegistrationRead:
    """Records attendance (the office and the leads of the event's group)."""
    registration = service.mark_attended(db=db, actor=actor, event_slug=slug, person_id=person_id)
    return service.registration_read(db=db, registration=registration)


@router.delete("/events/{slug}/registrations/{person_id}/attended", response_model=RegistrationRead)
def unmark_attended(db: DB, actor: Actor, slug: str, person_id: int) -> RegistrationRead:
    """Undoes an attendance recorded by mistake (the office and the leads of the event's group)."""
    registration = service.unmark_attended(db=db, actor=actor, event_slug=slug, person_id=person_id)
    return service.registration_read(db=db, registration=registration)


@router.get("/events/{slug}/registrations", response_model=list[RegistrationRead])
def list_registrations(db: DB, actor: Actor, slug: str) -> list[RegistrationRead]:
    """Every registration of the event (the office and the leads of the event's group)."""
    return [
        service.registration_read(db=db, registration=r)
        for r in service.registrations(db=db, actor=actor, event_slug=slug)
    ]
