"""Rules of the alliance: organisations, committees, groups and their plans, events and registrations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from skillatlas.alliance import policy as _policy  # noqa: F401  (registers the alliance's edit rules)
from skillatlas.alliance.models import (
    Committee,
    Event,
    Group,
    GroupMembership,
    MembershipRole,
    Organisation,
    OrganisationType,
    Project,
    Registration,
    RegistrationStatus,
    WorkPlanItem,
)
from skillatlas.alliance.schemas import (
    CommitteeUpdate,
    EventCreate,
    EventRead,
    EventUpdate,
    GroupCreate,
    GroupMemberIn,
    GroupMemberRead,
    GroupRead,
    GroupUpdate,
    OrganisationCreate,
    OrganisationUpdate,
    ProjectCreate,
    RegistrationCreate,
    RegistrationRead,
    WorkPlanItemIn,
    WorkPlanItemRead,
    WorkPlanItemUpdate,
)
from skillatlas.auth import audit
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.db import utcnow
from skillatlas.errors import AlreadyExists, Conflict, NotFound, PermissionDenied
from skillatlas.kpi import service as kpi_service
from skillatlas.mail import notify as mail_notify
from skillatlas.people import service as people_service
from skillatlas.validation import parse_input, slugify

ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)


# --- organisations ---------------------------------------------------------------------------


def create_organisation(*, db: Session, actor: Principal, data: OrganisationCreate) -> Organisation:
    """A new organisation; its name (and the slug made from it) must be new."""
    authorize(actor, "organisation.create")
    slug = slugify(data.short_name or data.name)
    if db.scalar(select(Organisation.id).where(func.lower(Organisation.name) == data.name.lower())):
        raise AlreadyExists(f"an organisation named {data.name!r} exists already", field="name")
    if db.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        slug = slugify(data.name)
        if db.scalar(select(Organisation.id).where(Organisation.slug == slug)):
            raise AlreadyExists(
                f"an organisation with the short name {slug!r} exists already", field="short_name"
            )
    organisation = Organisation(slug=slug, **data.model_dump())
    db.add(organisation)
    db.flush()
    kpi_service.record_stakeholder(db=db, organisation=organisation, occurred_on=utcnow().date())
    audit.record(
        db=db,
        actor=actor,
        action="organisation.create",
        object_type="organisation",
        object_id=organisation.id,
        details={"slug": slug},
    )
    return organisation


def get_organisation(*, db: Session, slug: str) -> Organisation:
    """The organisation, or NotFound."""
    organisation = db.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(f"no organisation {slug!r}", field="organisation")
    return organisation


# Only the office changes these: whether an organisation is a member, and since when (they count in the KPIs).
_OFFICE_ONLY = ("is_member", "joined_on")


def update_organisation(
    *, db: Session, actor: Principal, slug: str, changes: OrganisationUpdate
) -> Organisation:
    """Changes an organisation's details, checked together as on creation; its slug (its address) stays."""
    organisation = get_organisation(db=db, slug=slug)
    authorize(actor, "organisation.update", organisation_id=organisation.id)
    current = {name: getattr(organisation, name) for name in OrganisationCreate.model_fields}
    given = changes.model_dump(exclude_unset=True)
    if given.get("description", "") is None:
        given["description"] = ""
    data = parse_input(OrganisationCreate, {**current, **given})
    changed = {k: v for k, v in data.model_dump().items() if getattr(organisation, k) != v}
    for name in _OFFICE_ONLY:
        if name in changed and not allowed(actor, "organisation.create"):
            raise PermissionDenied(f"only the alliance office changes {name.replace('_', ' ')}", field=name)
    if "name" in changed and db.scalar(
        select(Organisation.id).where(
            func.lower(Organisation.name) == data.name.lower(), Organisation.id != organisation.id
        )
    ):
        raise AlreadyExists(f"an organisation named {data.name!r} exists already", field="name")
    for name, value in changed.items():
        setattr(organisation, name, value)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="organisation.update",
        object_type="organisation",
        object_id=organisation.id,
        details={"slug": organisation.slug, "changed": sorted(changed)},
    )
    return organisation


def list_organisations(
    *,
    db: Session,
    type: OrganisationType | None = None,
    country: str | None = None,
    query: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[Organisation]:
    """Organisations by name, filtered by type, country and a piece of the name."""
    statement = select(Organisation).order_by(Organisation.name).limit(limit).offset(offset)
    if type is not None:
        statement = statement.where(Organisation.type == type)
    if country:
        statement = statement.where(Organisation.country == country.upper())
    if query:
        statement = statement.where(Organisation.name.ilike(f"%{query}%"))
    return list(db.scalars(statement))


# --- committees ------------------------------------------------------------------------------


def list_committees(*, db: Session) -> list[Committee]:
    """The topic committees with their groups and the groups' members, loaded in one go."""
    statement = (
        select(Committee)
        .order_by(Committee.id)
        .options(
            selectinload(Committee.groups)
            .selectinload(Group.memberships)
            .selectinload(GroupMembership.organisation)
        )
    )
    return list(db.scalars(statement))


def get_committee(*, db: Session, slug: str) -> Committee:
    """The committee, or NotFound."""
    committee = db.scalar(select(Committee).where(Committee.slug == slug))
    if committee is None:
        raise NotFound(f"no topic committee {slug!r}", field="committee")
    return committee


def create_committee(
    *, db: Session, actor: Principal, name: str, description: str = "", priorities: list[str] | None = None
) -> Committee:
    """A new topic committee."""
    authorize(actor, "committee.create")
    slug = slugify(name)
    if db.scalar(select(Committee.id).where(Committee.slug == slug)):
        raise AlreadyExists(f"a committee named {name!r} exists already", field="name")
    committee = Committee(slug=slug, name=name, description=description, priorities=priorities or [])
    db.add(committee)
    db.flush()
    audit.record(
        db=db, actor=actor, action="committee.create", object_type="committee", object_id=committee.id
    )
    return committee


def update_committee(*, db: Session, actor: Principal, slug: str, changes: CommitteeUpdate) -> Committee:
    """Changes a committee's name, description or priorities (one line each, blanks and repeats dropped)."""
    committee = get_committee(db=db, slug=slug)
    authorize(actor, "committee.update", committee_id=committee.id)
    given = {k: v for k, v in changes.model_dump(exclude_unset=True).items() if v is not None}
    if "name" in given and db.scalar(
        select(Committee.id).where(
            func.lower(Committee.name) == given["name"].lower(), Committee.id != committee.id
        )
    ):
        raise AlreadyExists(f"a committee named {given['name']!r} exists already", field="name")
    if "priorities" in given:
        given["priorities"] = list(dict.fromkeys(p.strip() for p in given["priorities"] if p.strip()))
    changed = {k: v for k, v in given.items() if getattr(committee, k) != v}
    for name, value in changed.items():
        setattr(committee, name, value)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="committee.update",
        object_type="committee",
        object_id=committee.id,
        details={"changed": sorted(changed)},
    )
    return committee


# --- groups ----------------------------------------------------------------------------------


def group_facts(group: Group) -> dict[str, object]:
    """What the permission check needs to know about a group: who may lead it."""
    return {"group_id": group.id, "committee_ids": frozenset(c.id for c in group.committees)}


def event_facts(event: Event) -> dict[str, object]:
    """What the permission check needs to know about an event: the group behind it."""
    return group_facts(event.group) if event.group else {"group_id": None, "committee_ids": frozenset()}


def create_group(*, db: Session, actor: Principal, data: GroupCreate) -> Group:
    """A new working group or task force under its committees, with members and working plan."""
    committees = [get_committee(db=db, slug=s) for s in dict.fromkeys(data.committees)]
    authorize(actor, "group.create", committee_ids=frozenset(c.id for c in committees))
    slug = slugify(data.name)
    if db.scalar(
        select(Group.id).where((Group.slug == slug) | (func.lower(Group.name) == data.name.lower()))
    ):
        raise AlreadyExists(f"a group named {data.name!r} exists already", field="name")
    group = Group(
        slug=slug,
        name=data.name,
        kind=data.kind,
        description=data.description,
        activities=[a.value for a in dict.fromkeys(data.activities)],
        committees=committees,
    )
    db.add(group)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="group.create",
        object_type="group",
        object_id=group.id,
        details={"slug": slug},
    )
    for member in data.members:
        add_member(db=db, actor=actor, group=group, member=member)
    for item in data.work_plan:
        add_work_plan_item(db=db, actor=actor, group=group, item=item)
    return group


def _group_details() -> tuple[Any, ...]:
    return (
        selectinload(Group.memberships).selectinload(GroupMembership.organisation),
        selectinload(Group.work_items).selectinload(WorkPlanItem.owner),
        selectinload(Group.committees),
    )


def groups_in_detail(*, db: Session, ids: list[int]) -> list[Group]:
    """These groups with their members, working plans and committees, in four queries whatever their
    number (a committee's page showed each group by four queries of its own), in the order given."""
    found = {g.id: g for g in db.scalars(select(Group).where(Group.id.in_(ids)).options(*_group_details()))}
    return [found[i] for i in ids if i in found]


def get_group(*, db: Session, slug: str) -> Group:
    """The group, or NotFound."""
    group = db.scalar(select(Group).where(Group.slug == slug).options(*_group_details()))
    if group is None:
        raise NotFound(f"no group {slug!r}", field="group")
    return group


def list_groups(*, db: Session, committee: str | None = None) -> list[Group]:
    """Groups by name, optionally only those a committee steers."""
    statement = select(Group).order_by(Group.name).options(selectinload(Group.committees))
    if committee:
        statement = statement.where(Group.committees.any(Committee.slug == committee))
    return list(db.scalars(statement))


def add_member(*, db: Session, actor: Principal, group: Group, member: GroupMemberIn) -> GroupMembership:
    """Adds an organisation to a group; adding it twice is refused."""
    authorize(actor, "group.add_member", **group_facts(group))
    organisation = get_organisation(db=db, slug=member.organisation)
    if db.get(GroupMembership, (group.id, organisation.id)) is not None:
        raise AlreadyExists(f"{organisation.name} is already in {group.name}", field="organisation")
    membership = GroupMembership(group=group, organisation=organisation, role=member.role)
    db.add(membership)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="group.add_member",
        object_type="group",
        object_id=group.id,
        details={"organisation": organisation.slug, "role": member.role.value},
    )
    return membership


def update_group(*, db: Session, actor: Principal, slug: str, changes: GroupUpdate) -> Group:
    """Changes a group's name, kind, committees, activities or description; its slug stays.

    Moving the group to or from a committee needs the office or that committee's lead.
    """
    group = get_group(db=db, slug=slug)
    authorize(actor, "group.update", **group_facts(group))
    given = {k: v for k, v in changes.model_dump(exclude_unset=True).items() if v is not None}
    if "name" in given and db.scalar(
        select(Group.id).where(func.lower(Group.name) == given["name"].lower(), Group.id != group.id)
    ):
        raise AlreadyExists(f"a group named {given['name']!r} exists already", field="name")
    changed: list[str] = []
    if "committees" in given:
        committees = [get_committee(db=db, slug=s) for s in dict.fromkeys(given.pop("committees"))]
        before = {c.id for c in group.committees}
        after = {c.id for c in committees}
        for committee_id in sorted(before ^ after):
            authorize(actor, "group.move", committee_ids=frozenset({committee_id}))
        if before != after:
            group.committees = committees
            changed.append("committees")
    if "activities" in given:
        given["activities"] = [a.value for a in dict.fromkeys(given["activities"])]
    for name, value in given.items():
        if getattr(group, name) != value:
            setattr(group, name, value)
            changed.append(name)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="group.update",
        object_type="group",
        object_id=group.id,
        details={"slug": group.slug, "changed": sorted(changed)},
    )
    return group


def _membership(db: Session, group: Group, organisation_slug: str) -> GroupMembership:
    organisation = get_organisation(db=db, slug=organisation_slug)
    membership = db.get(GroupMembership, (group.id, organisation.id))
    if membership is None:
        raise NotFound(f"{organisation.name} is not in {group.name}", field="organisation")
    return membership


def update_member(
    *, db: Session, actor: Principal, group: Group, organisation_slug: str, role: MembershipRole
) -> GroupMembership:
    """Makes a member organisation the group's lead, or an ordinary member."""
    authorize(actor, "group.update_member", **group_facts(group))
    membership = _membership(db, group, organisation_slug)
    if membership.role != role:
        membership.role = role
        db.flush()
        audit.record(
            db=db,
            actor=actor,
            action="group.update_member",
            object_type="group",
            object_id=group.id,
            details={"organisation": organisation_slug, "role": role.value},
        )
    return membership


def remove_member(*, db: Session, actor: Principal, group: Group, organisation_slug: str) -> None:
    """Takes an organisation out of a group (its working-plan lines keep their owner)."""
    authorize(actor, "group.remove_member", **group_facts(group))
    membership = _membership(db, group, organisation_slug)
    group.memberships.remove(membership)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="group.remove_member",
        object_type="group",
        object_id=group.id,
        details={"organisation": organisation_slug},
    )


def _owner(db: Session, slug: str | None) -> Organisation | None:
    if not slug:
        return None
    try:
        return get_organisation(db=db, slug=slug)
    except NotFound as exc:
        raise NotFound(exc.message, field="owner") from exc


def overdue_work_items(*, db: Session, group_ids: list[int] | None, today: dt.date) -> list[WorkPlanItem]:
    """Working-plan lines past their due date and not done or dropped, of these groups (None: every group)."""
    from skillatlas.alliance.models import WorkItemStatus

    statement = (
        select(WorkPlanItem)
        .where(
            WorkPlanItem.due_date < today,
            WorkPlanItem.status.in_([WorkItemStatus.PLANNED, WorkItemStatus.IN_PROGRESS]),
        )
        .options(selectinload(WorkPlanItem.group))
        .order_by(WorkPlanItem.due_date, WorkPlanItem.id)
    )
    if group_ids is not None:
        if not group_ids:
            return []
        statement = statement.where(WorkPlanItem.group_id.in_(group_ids))
    return list(db.scalars(statement))


def led_groups(*, db: Session, actor: Principal) -> list[Group]:
    """The groups the actor leads: as the group's lead, or as the lead of a committee that steers it."""
    from skillatlas.auth.models import Role

    group_ids = {g.group_id for g in actor.grants if g.role == Role.GROUP_LEAD and g.group_id}
    committee_ids = {g.committee_id for g in actor.grants if g.role == Role.COMMITTEE_LEAD and g.committee_id}
    if not group_ids and not committee_ids:
        return []
    statement = (
        select(Group)
        .where(Group.id.in_(group_ids) | Group.committees.any(Committee.id.in_(committee_ids)))
        .options(selectinload(Group.committees))
        .order_by(Group.name)
    )
    return list(db.scalars(statement))


def add_work_plan_item(*, db: Session, actor: Principal, group: Group, item: WorkPlanItemIn) -> WorkPlanItem:
    """Appends an objective to the group's working plan."""
    authorize(actor, "group.add_work_item", **group_facts(group))
    owner = _owner(db, item.owner)
    position = db.scalar(
        select(func.coalesce(func.max(WorkPlanItem.position), -1)).where(WorkPlanItem.group_id == group.id)
    )
    work_item = WorkPlanItem(
        group=group,
        position=(position if position is not None else -1) + 1,
        objective=item.objective,
        deliverable=item.deliverable,
        owner=owner,
        due_date=item.due_date,
        status=item.status,
    )
    db.add(work_item)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="group.add_work_item",
        object_type="work_plan_item",
        object_id=work_item.id,
        details={"group": group.slug},
    )
    return work_item


def update_work_plan_item(
    *, db: Session, actor: Principal, item_id: int, changes: WorkPlanItemUpdate
) -> WorkPlanItem:
    """Changes a working-plan line: the fields sent; a due date or owner sent empty is cleared."""
    work_item = get_work_plan_item(db=db, item_id=item_id)
    authorize(actor, "group.update_work_item", **group_facts(work_item.group))
    changed = {
        k: v
        for k, v in changes.model_dump(exclude_unset=True).items()
        if v is not None or k in ("due_date", "owner")
    }
    for name, value in changed.items():
        if name == "owner":
            work_item.owner = _owner(db, value)
        else:
            setattr(work_item, name, value)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="group.update_work_item",
        object_type="work_plan_item",
        object_id=work_item.id,
        details={k: str(v) for k, v in changed.items()},
    )
    return work_item


def get_work_plan_item(*, db: Session, item_id: int) -> WorkPlanItem:
    """The working-plan line, or NotFound."""
    work_item = db.get(WorkPlanItem, item_id)
    if work_item is None:
        raise NotFound(f"no working-plan item {item_id}", field="item_id")
    return work_item


def group_read(group: Group) -> GroupRead:
    """The group as the API shows it."""
    return GroupRead(
        id=group.id,
        slug=group.slug,
        name=group.name,
        kind=group.kind,
        description=group.description,
        committees=[c.slug for c in group.committees],
        activities=group.activities,
        members=[
            GroupMemberRead(
                organisation=m.organisation.slug, organisation_name=m.organisation.name, role=m.role
            )
            for m in sorted(
                group.memberships, key=lambda m: (m.role != MembershipRole.LEAD, m.organisation.name)
            )
        ],
        work_plan=[
            WorkPlanItemRead(
                id=w.id,
                objective=w.objective,
                deliverable=w.deliverable,
                owner=w.owner.slug if w.owner else None,
                due_date=w.due_date,
                status=w.status,
            )
            for w in group.work_items
        ],
    )


# --- events ----------------------------------------------------------------------------------


def create_event(*, db: Session, actor: Principal, data: EventCreate) -> Event:
    """A new event; its group and organisers must exist."""
    group = get_group(db=db, slug=data.group) if data.group else None
    authorize(actor, "event.create", **(group_facts(group) if group else {}))
    base = slugify(
        f"{data.name} {data.starts_on.year}" if str(data.starts_on.year) not in data.name else data.name
    )
    slug = base
    suffix = 2
    while db.scalar(select(Event.id).where(Event.slug == slug)):
        slug = f"{base}-{suffix}"
        suffix += 1
    organisers = [get_organisation(db=db, slug=s) for s in dict.fromkeys(data.organisers)]
    event = Event(
        slug=slug,
        group=group,
        organisers=organisers,
        **data.model_dump(exclude={"group", "organisers"}),
    )
    db.add(event)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="event.create",
        object_type="event",
        object_id=event.id,
        details={"slug": slug},
    )
    return event


def update_event(*, db: Session, actor: Principal, slug: str, changes: EventUpdate) -> Event:
    """Changes an event, checked together as on creation; its slug stays.

    Moving it to another group needs the right to add events there. The capacity cannot go below the places
    taken; raising it gives the new places to the waitlist, first come first served.
    """
    event = get_event(db=db, slug=slug, lock=True)
    authorize(actor, "event.update", **event_facts(event))
    current: dict[str, object] = {
        name: getattr(event, name) for name in EventCreate.model_fields if name not in ("group", "organisers")
    }
    current["group"] = event.group.slug if event.group else None
    current["organisers"] = [o.slug for o in event.organisers]
    given = changes.model_dump(exclude_unset=True)
    for name, empty in (("organisers", []), ("description", "")):
        if name in given and given[name] is None:
            given[name] = empty
    data = parse_input(EventCreate, {**current, **given})
    changed: list[str] = []
    if data.group != current["group"]:
        group = get_group(db=db, slug=data.group) if data.group else None
        authorize(actor, "event.create", **(group_facts(group) if group else {}))
        event.group = group
        changed.append("group")
    if list(dict.fromkeys(data.organisers)) != current["organisers"]:
        event.organisers = [get_organisation(db=db, slug=s) for s in dict.fromkeys(data.organisers)]
        changed.append("organisers")
    taken = _active_count(db, event)
    if data.capacity is not None and data.capacity < taken:
        raise Conflict(
            f"{taken} people hold a place already: the capacity cannot be less than that", field="capacity"
        )
    for name, value in data.model_dump(exclude={"group", "organisers"}).items():
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed.append(name)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="event.update",
        object_type="event",
        object_id=event.id,
        details={"slug": event.slug, "changed": sorted(changed)},
    )
    while event.capacity is None or taken < event.capacity:
        first_waiting = db.scalar(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(Registration.registered_at, Registration.id)
            .limit(1)
        )
        if first_waiting is None:
            break
        first_waiting.status = RegistrationStatus.REGISTERED
        taken += 1
        db.flush()
        mail_notify.waitlist_promoted(db, first_waiting)
    return event


def get_event(*, db: Session, slug: str, lock: bool = False) -> Event:
    """The event, or NotFound; `lock` holds its row until the transaction ends (capacity checks)."""
    statement = select(Event).where(Event.slug == slug)
    if lock:
        statement = statement.with_for_update()
    event = db.scalar(statement)
    if event is None:
        raise NotFound(f"no event {slug!r}", field="event")
    return event


def list_events(
    *,
    db: Session,
    upcoming_from: dt.date | None = None,
    past_before: dt.date | None = None,
    limit: int | None = None,
) -> list[Event]:
    """Events by start date: all, those ending on or after a day, or those that ended before it (newest
    first); at most `limit` of them."""
    statement = select(Event).options(selectinload(Event.organisers), selectinload(Event.group))
    if upcoming_from is not None:
        statement = statement.where(Event.ends_on >= upcoming_from).order_by(Event.starts_on)
    elif past_before is not None:
        statement = statement.where(Event.ends_on < past_before).order_by(Event.starts_on.desc())
    else:
        statement = statement.order_by(Event.starts_on)
    return list(db.scalars(statement.order_by(Event.id).limit(limit)))


@dataclass(frozen=True, slots=True)
class Attendance:
    registered: int
    waitlisted: int


def attendance(*, db: Session, event_ids: list[int]) -> dict[int, Attendance]:
    """Registered and waitlisted counts per event, in one query."""
    if not event_ids:
        return {}
    rows = db.execute(
        select(
            Registration.event_id,
            func.sum(case((Registration.status.in_(ACTIVE), 1), else_=0)),
            func.sum(case((Registration.status == RegistrationStatus.WAITLISTED, 1), else_=0)),
        )
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id)
    )
    counts = {event_id: Attendance(int(r or 0), int(w or 0)) for event_id, r, w in rows}
    return {event_id: counts.get(event_id, Attendance(0, 0)) for event_id in event_ids}


def event_read(event: Event, counts: Attendance) -> EventRead:
    """The event as the API shows it."""
    return EventRead(
        id=event.id,
        slug=event.slug,
        name=event.name,
        description=event.description,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        mode=event.mode,
        place=event.place,
        country=event.country,
        url=event.url,
        capacity=event.capacity,
        group=event.group.slug if event.group else None,
        organisers=[o.slug for o in event.organisers],
        registered=counts.registered,
        waitlisted=counts.waitlisted,
    )


def _active_count(db: Session, event: Event) -> int:
    return (
        db.scalar(
            select(func.count()).where(Registration.event_id == event.id, Registration.status.in_(ACTIVE))
        )
        or 0
    )


def register(
    *,
    db: Session,
    actor: Principal,
    event_slug: str,
    today: dt.date,
    data: RegistrationCreate | None = None,
) -> Registration:
    """Registers a person for an event: a seat while there is one, else the waitlist.

    Without `data` the actor registers themselves (their own Person); with it, someone registers another
    person by name and e-mail address (the office, the leads of the event's group, the CLI).
    """
    event = get_event(db=db, slug=event_slug, lock=True)
    if data is None:
        authorize(actor, "event.register_self")
        assert actor.person_id is not None
        person = people_service.get(db=db, person_id=actor.person_id)
        who, field = (person.email or person.full_name), "event"
    else:
        authorize(actor, "event.register_other", **event_facts(event))
        person = None
        who, field = str(data.email), "email"
    if event.starts_on < today:
        raise Conflict(
            f"{event.name} started on {event.starts_on:%d %B %Y}: registration is closed", field="event"
        )
    if person is None:
        assert data is not None
        person = people_service.find_or_create_by_email(
            db=db, email=str(data.email), full_name=data.full_name, country=data.country
        )
    registration = db.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.person_id == person.id)
    )
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        raise Conflict(
            f"{who} is already registered for {event.name} ({registration.status.value})", field=field
        )
    full = event.capacity is not None and _active_count(db, event) >= event.capacity
    status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
    if registration is None:
        registration = Registration(event=event, person=person, status=status)
        db.add(registration)
    else:
        # Coming back after a cancellation puts you at the end of the queue.
        registration.status = status
        registration.registered_at = utcnow()
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="registration.create",
        object_type="registration",
        object_id=registration.id,
        details={"event": event.slug, "person_id": person.id, "status": status.value},
    )
    return registration


def _registration_of(db: Session, event: Event, person_id: int) -> Registration:
    registration = db.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.person_id == person_id)
    )
    if registration is None:
        raise NotFound(f"person {person_id} is not registered for {event.name}", field="person_id")
    return registration


def cancel_registration(
    *, db: Session, actor: Principal, event_slug: str, person_id: int
) -> Registration | None:
    """Cancels a registration; a freed seat goes to the first on the waitlist, who is returned."""
    event = get_event(db=db, slug=event_slug, lock=True)
    authorize(actor, "registration.cancel", person_id=person_id, **event_facts(event))
    registration = _registration_of(db, event, person_id)
    if registration.status == RegistrationStatus.CANCELLED:
        raise Conflict("this registration is already cancelled", field="person_id")
    if registration.status == RegistrationStatus.ATTENDED:
        raise Conflict("an attendance cannot be cancelled", field="person_id")
    freed_seat = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="registration.cancel",
        object_type="registration",
        object_id=registration.id,
        details={"event": event.slug, "person_id": person_id},
    )
    if not freed_seat:
        return None
    first_waiting = db.scalar(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.registered_at, Registration.id)
        .limit(1)
    )
    if first_waiting is not None:
        first_waiting.status = RegistrationStatus.REGISTERED
        db.flush()
        mail_notify.waitlist_promoted(db, first_waiting)
    return first_waiting


def mark_attended(*, db: Session, actor: Principal, event_slug: str, person_id: int) -> Registration:
    """Records that a registered person attended."""
    event = get_event(db=db, slug=event_slug)
    authorize(actor, "registration.mark_attended", person_id=person_id, **event_facts(event))
    registration = _registration_of(db, event, person_id)
    if registration.status != RegistrationStatus.REGISTERED:
        raise Conflict(
            f"only a registered person can attend (this one is {registration.status.value})",
            field="person_id",
        )
    registration.status = RegistrationStatus.ATTENDED
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="registration.attended",
        object_type="registration",
        object_id=registration.id,
        details={"event": event.slug, "person_id": person_id},
    )
    if event.achievement_id is not None:  # the event's badge, in the same transaction
        from skillatlas.credentials import service as credentials_service

        credentials_service.award_for_attendance(db=db, actor=actor, registration=registration)
    return registration


def events_awaiting_attendance(
    *, db: Session, group_ids: list[int] | None, since: dt.date, today: dt.date
) -> list[tuple[Event, int]]:
    """Events of these groups (None: every event) that ended between `since` and today and still have
    persons registered but not marked as attended, with how many; the latest first."""
    if group_ids is not None and not group_ids:
        return []
    waiting = (
        select(Registration.event_id, func.count().label("n"))
        .where(Registration.status == RegistrationStatus.REGISTERED)
        .group_by(Registration.event_id)
        .subquery()
    )
    statement = (
        select(Event, waiting.c.n)
        .join(waiting, waiting.c.event_id == Event.id)
        .where(Event.ends_on <= today, Event.ends_on >= since)
        .order_by(Event.ends_on.desc(), Event.id)
    )
    if group_ids is not None:
        statement = statement.where(Event.group_id.in_(group_ids))
    return [(event, int(n)) for event, n in db.execute(statement)]


def unmark_attended(*, db: Session, actor: Principal, event_slug: str, person_id: int) -> Registration:
    """Undoes an attendance recorded by mistake: the person is registered again."""
    event = get_event(db=db, slug=event_slug)
    authorize(actor, "registration.mark_attended", person_id=person_id, **event_facts(event))
    registration = _registration_of(db, event, person_id)
    if registration.status != RegistrationStatus.ATTENDED:
        raise Conflict(f"this person is {registration.status.value}, not attended", field="person_id")
    if getattr(event, "achievement_id", None) is not None:
        # The attendance earned a badge: undoing it here would leave the badge standing.
        raise Conflict(
            f"{registration.person.full_name} received {event.name}'s badge for attending: revoke the "
            "credential first",
            field="attended",
        )
    registration.status = RegistrationStatus.REGISTERED
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="registration.not_attended",
        object_type="registration",
        object_id=registration.id,
        details={"event": event.slug, "person_id": person_id},
    )
    return registration


def set_attendance(
    *, db: Session, actor: Principal, event_slug: str, attended: set[int]
) -> tuple[list[Registration], list[Registration]]:
    """The attendance list as ticked: registered persons ticked attended, attended ones not ticked
    registered again. Returns (marked, unmarked); a ticked person without a place is refused."""
    event = get_event(db=db, slug=event_slug)
    authorize(actor, "registration.mark_attended", **event_facts(event))
    rows = {r.person_id: r for r in db.scalars(select(Registration).where(Registration.event_id == event.id))}
    strays = sorted(p for p in attended if p not in rows or rows[p].status not in ACTIVE)
    if strays:
        raise Conflict(
            "only persons with a place can attend: "
            + ", ".join(rows[p].person.full_name if p in rows else f"person {p}" for p in strays)
            + " has none",
            field="attended",
        )
    marked, unmarked = [], []
    for person_id, registration in sorted(rows.items()):
        if person_id in attended and registration.status == RegistrationStatus.REGISTERED:
            marked.append(mark_attended(db=db, actor=actor, event_slug=event_slug, person_id=person_id))
        elif person_id not in attended and registration.status == RegistrationStatus.ATTENDED:
            unmarked.append(unmark_attended(db=db, actor=actor, event_slug=event_slug, person_id=person_id))
    return marked, unmarked


def waitlist_position(*, db: Session, registration: Registration) -> int | None:
    """1 for the first on the waitlist; None when not waiting."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.scalar(
        select(func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            (Registration.registered_at < registration.registered_at)
            | (
                (Registration.registered_at == registration.registered_at)
                & (Registration.id < registration.id)
            ),
        )
    )
    return (ahead or 0) + 1


def registration_read(*, db: Session, registration: Registration) -> RegistrationRead:
    """The registration as the API shows it."""
    return RegistrationRead(
        id=registration.id,
        event=registration.event.slug,
        person_id=registration.person_id,
        status=registration.status,
        registered_at=registration.registered_at,
        waitlist_position=waitlist_position(db=db, registration=registration),
    )


def registrations(*, db: Session, actor: Principal, event_slug: str) -> list[Registration]:
    """Every registration of an event, oldest first: personal data, for the office and the group's leads."""
    event = get_event(db=db, slug=event_slug)
    authorize(actor, "registration.list", **event_facts(event))
    return list(
        db.scalars(
            select(Registration)
            .where(Registration.event_id == event.id)
            .options(selectinload(Registration.person))
            .order_by(Registration.registered_at, Registration.id)
        )
    )


def own_registration(*, db: Session, actor: Principal, event: Event) -> Registration | None:
    """The actor's own registration for the event, if any (None for visitors)."""
    if actor.person_id is None:
        return None
    return db.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.person_id == actor.person_id
        )
    )


def own_registrations(*, db: Session, actor: Principal) -> list[Registration]:
    """Every registration of the actor's own Person, the latest event first."""
    authorize(actor, "account.read_own")
    if actor.person_id is None:
        return []
    return list(
        db.scalars(
            select(Registration)
            .join(Event, Registration.event_id == Event.id)
            .where(Registration.person_id == actor.person_id)
            .options(selectinload(Registration.event))
            .order_by(Event.starts_on.desc())
        )
    )


# --- the alliance at a glance ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllianceFigures:
    organisations: int
    countries: int
    committees: int
    groups: int
    events: int


def figures(*, db: Session) -> AllianceFigures:
    """Headline counts for the home page."""
    row = db.execute(  # one round trip: the home page asks at every visit
        select(
            select(func.count()).select_from(Organisation).scalar_subquery(),
            select(func.count(func.distinct(Organisation.country))).scalar_subquery(),
            select(func.count()).select_from(Committee).scalar_subquery(),
            select(func.count()).select_from(Group).scalar_subquery(),
            select(func.count()).select_from(Event).scalar_subquery(),
        )
    ).one()
    organisations, countries, committees, groups, events = (value or 0 for value in row)
    return AllianceFigures(
        organisations=organisations, countries=countries, committees=committees, groups=groups, events=events
    )


# --- projects --------------------------------------------------------------------------------


def create_project(*, db: Session, actor: Principal, data: ProjectCreate) -> Project:
    """Records a strategic project the alliance builds on."""
    authorize(actor, "project.create")
    slug = slugify(data.name)
    if db.scalar(select(Project.id).where(Project.slug == slug)):
        raise AlreadyExists(f"a project named {data.name!r} exists already", field="name")
    project = Project(slug=slug, **data.model_dump())
    db.add(project)
    db.flush()
    audit.record(db=db, actor=actor, action="project.create", object_type="project", object_id=project.id)
    return project


def list_projects(*, db: Session) -> list[Project]:
    """Projects, the most recent first."""
    return list(db.scalars(select(Project).order_by(Project.started_on.desc().nulls_first(), Project.name)))
