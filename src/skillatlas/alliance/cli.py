"""`skillatlas alliance`: organisations, committees, groups and events from the command line.

The commands act as SYSTEM: whoever runs the CLI on the server administers the platform (they can read
and change the database anyway), so no login is asked for; every change is still in the audit log.
"""

from __future__ import annotations

import datetime as dt
import json

import typer
from rich.table import Table

from skillatlas.alliance import service
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
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.errors import NotFound
from skillatlas.validation import parse_input

app = typer.Typer(help="The alliance: organisations, committees, groups, events.", no_args_is_help=True)


@app.command("committees")
@friendly_errors
def committees() -> None:
    """List the topic committees with their groups."""
    with unit_of_work(open_database()) as db:
        table = Table("Committee", "Priorities", "Groups")
        for c in service.list_committees(db=db):
            table.add_row(c.name, ", ".join(c.priorities), "\n".join(g.name for g in c.groups))
        console.print(table)


@app.command("organisations")
@friendly_errors
def organisations(as_json: bool = typer.Option(False, "--json", help="Print JSON lines.")) -> None:
    """List the member organisations."""
    with unit_of_work(open_database()) as db:
        found = service.list_organisations(db=db, limit=100_000)
        if as_json:
            for o in found:
                typer.echo(
                    json.dumps({"slug": o.slug, "name": o.name, "type": o.type.value, "country": o.country})
                )
            return
        table = Table("Slug", "Name", "Type", "Country")
        for o in found:
            table.add_row(o.slug, o.name, o.type.value, o.country)
        console.print(table)


@app.command("add-organisation")
@friendly_errors
def add_organisation(
    name: str = typer.Option(..., help="Full name."),
    type: str = typer.Option(..., help="industry, education_training_provider, social_partner, ..."),
    country: str = typer.Option(..., help="ISO 3166-1 alpha-2 code."),
    short_name: str = typer.Option(None),
    nuts_region: str = typer.Option(None),
    website: str = typer.Option(None),
) -> None:
    """Add an organisation."""
    values = {"name": name, "type": type, "country": country, "short_name": short_name,
              "nuts_region": nuts_region, "website": website}  # fmt: skip
    data = parse_input(OrganisationCreate, {k: v for k, v in values.items() if v is not None})
    with unit_of_work(open_database()) as db:
        created = service.create_organisation(db=db, actor=SYSTEM, data=data)
        console.print(f"added [bold]{created.name}[/bold] as {created.slug}")


@app.command("events")
@friendly_errors
def events(upcoming: bool = typer.Option(False, help="Only events that have not ended.")) -> None:
    """List events."""
    with unit_of_work(open_database()) as db:
        found = service.list_events(db=db, upcoming_from=dt.date.today() if upcoming else None)
        counts = service.attendance(db=db, event_ids=[e.id for e in found])
        table = Table("Slug", "Event", "Dates", "Where", "Registered")
        for e in found:
            where = "online" if e.mode.value == "online" else f"{e.place or ''} {e.country or ''}".strip()
            seats = f"{counts[e.id].registered}" + (f"/{e.capacity}" if e.capacity else "")
            table.add_row(e.slug, e.name, f"{e.starts_on} – {e.ends_on}", where, seats)
        console.print(table)


@app.command("add-event")
@friendly_errors
def add_event(
    name: str = typer.Option(...),
    starts_on: str = typer.Option(..., help="YYYY-MM-DD"),
    ends_on: str = typer.Option(..., help="YYYY-MM-DD"),
    mode: str = typer.Option("on_site", help="on_site, online or hybrid"),
    place: str = typer.Option(None),
    country: str = typer.Option(None),
    capacity: int = typer.Option(None),
    group: str = typer.Option(None, help="Slug of the group behind it."),
    organiser: list[str] = typer.Option([], help="Slug of an organiser (repeatable)."),
) -> None:
    """Add an event."""
    values = {"name": name, "starts_on": starts_on, "ends_on": ends_on, "mode": mode, "place": place,
              "country": country, "capacity": capacity, "group": group, "organisers": organiser}  # fmt: skip
    data = parse_input(EventCreate, {k: v for k, v in values.items() if v is not None})
    with unit_of_work(open_database()) as db:
        created = service.create_event(db=db, actor=SYSTEM, data=data)
        console.print(f"added [bold]{created.name}[/bold] as {created.slug}")


@app.command("register")
@friendly_errors
def register(
    event: str = typer.Argument(..., help="Slug of the event."),
    full_name: str = typer.Option(..., "--name"),
    email: str = typer.Option(...),
) -> None:
    """Register a person for an event."""
    data = parse_input(RegistrationCreate, {"full_name": full_name, "email": email})
    with unit_of_work(open_database()) as db:
        registration = service.register(
            db=db, actor=SYSTEM, event_slug=event, data=data, today=dt.date.today()
        )
        position = service.waitlist_position(db=db, registration=registration)
        suffix = f" (number {position} on the waitlist)" if position else ""
        console.print(f"{email}: {registration.status.value}{suffix}")


def _given(**values: object) -> dict[str, object]:
    """The options the user gave (an option left out changes nothing); "" clears a field that may be empty."""
    return {k: v for k, v in values.items() if v is not None and v != []}


@app.command("edit-organisation")
@friendly_errors
def edit_organisation(
    slug: str = typer.Argument(..., help="Slug of the organisation."),
    name: str = typer.Option(None),
    short_name: str = typer.Option(None),
    type: str = typer.Option(None, help="industry, education_training_provider, social_partner, ..."),
    country: str = typer.Option(None, help="ISO 3166-1 alpha-2 code."),
    nuts_region: str = typer.Option(None, help='NUTS code; "" clears it.'),
    website: str = typer.Option(None, help='"" clears it.'),
    description: str = typer.Option(None),
) -> None:
    """Change an organisation's details (only the options given)."""
    values = _given(name=name, short_name=short_name, type=type, country=country, nuts_region=nuts_region,
                    website=website, description=description)  # fmt: skip
    for name_ in ("short_name", "nuts_region", "website"):
        if values.get(name_) == "":
            values[name_] = None
    data = parse_input(OrganisationUpdate, values)
    with unit_of_work(open_database()) as db:
        changed = service.update_organisation(db=db, actor=SYSTEM, slug=slug, changes=data)
        console.print(f"{changed.slug}: saved")


@app.command("edit-committee")
@friendly_errors
def edit_committee(
    slug: str = typer.Argument(..., help="Slug of the committee."),
    name: str = typer.Option(None),
    description: str = typer.Option(None),
    priority: list[str] = typer.Option([], help="A priority (repeatable): replaces the list."),
) -> None:
    """Change a committee's name, description or priorities."""
    data = parse_input(CommitteeUpdate, _given(name=name, description=description, priorities=priority))
    with unit_of_work(open_database()) as db:
        committee = service.update_committee(db=db, actor=SYSTEM, slug=slug, changes=data)
        console.print(f"{committee.slug}: saved ({len(committee.priorities)} priorities)")


@app.command("add-group")
@friendly_errors
def add_group(
    name: str = typer.Option(...),
    kind: str = typer.Option("working_group", help="working_group or task_force"),
    committee: list[str] = typer.Option(..., help="Slug of a steering committee (repeatable)."),
    activity: list[str] = typer.Option([], help="An activity type (repeatable)."),
    description: str = typer.Option(""),
) -> None:
    """Add a working group or task force."""
    data = parse_input(GroupCreate, {"name": name, "kind": kind, "committees": committee,
                                     "activities": activity, "description": description})  # fmt: skip
    with unit_of_work(open_database()) as db:
        group = service.create_group(db=db, actor=SYSTEM, data=data)
        console.print(f"added [bold]{group.name}[/bold] as {group.slug}")


@app.command("edit-group")
@friendly_errors
def edit_group(
    slug: str = typer.Argument(..., help="Slug of the group."),
    name: str = typer.Option(None),
    kind: str = typer.Option(None, help="working_group or task_force"),
    committee: list[str] = typer.Option([], help="Slug of a steering committee (repeatable): replaces them."),
    activity: list[str] = typer.Option([], help="An activity type (repeatable): replaces them."),
    description: str = typer.Option(None),
) -> None:
    """Change a group (only the options given)."""
    values = _given(name=name, kind=kind, committees=committee, activities=activity, description=description)
    data = parse_input(GroupUpdate, values)
    with unit_of_work(open_database()) as db:
        group = service.update_group(db=db, actor=SYSTEM, slug=slug, changes=data)
        console.print(f"{group.slug}: saved")


@app.command("add-member")
@friendly_errors
def add_member(
    group: str = typer.Argument(..., help="Slug of the group."),
    organisation: str = typer.Argument(..., help="Slug of the organisation."),
    role: str = typer.Option("member", help="lead or member"),
) -> None:
    """Add an organisation to a group."""
    data = parse_input(GroupMemberIn, {"organisation": organisation, "role": role})
    with unit_of_work(open_database()) as db:
        service.add_member(db=db, actor=SYSTEM, group=service.get_group(db=db, slug=group), member=data)
        console.print(f"{organisation} is now {data.role.value} of {group}")


@app.command("member-role")
@friendly_errors
def member_role(
    group: str = typer.Argument(..., help="Slug of the group."),
    organisation: str = typer.Argument(..., help="Slug of the organisation."),
    role: str = typer.Argument(..., help="lead or member"),
) -> None:
    """Make a member organisation the group's lead, or an ordinary member."""
    data = parse_input(GroupMemberIn, {"organisation": organisation, "role": role})
    with unit_of_work(open_database()) as db:
        found = service.get_group(db=db, slug=group)
        service.update_member(
            db=db, actor=SYSTEM, group=found, organisation_slug=organisation, role=data.role
        )
        console.print(f"{organisation} is now {data.role.value} of {group}")


@app.command("remove-member")
@friendly_errors
def remove_member(
    group: str = typer.Argument(..., help="Slug of the group."),
    organisation: str = typer.Argument(..., help="Slug of the organisation."),
) -> None:
    """Take an organisation out of a group."""
    with unit_of_work(open_database()) as db:
        found = service.get_group(db=db, slug=group)
        service.remove_member(db=db, actor=SYSTEM, group=found, organisation_slug=organisation)
        console.print(f"{organisation} left {group}")


@app.command("work-plan")
@friendly_errors
def work_plan(group: str = typer.Argument(..., help="Slug of the group.")) -> None:
    """List a group's working plan with each line's number (for edit-work-item)."""
    with unit_of_work(open_database()) as db:
        table = Table("No.", "Objective", "Deliverable", "Owner", "Due", "Status")
        for w in service.get_group(db=db, slug=group).work_items:
            table.add_row(str(w.id), w.objective, w.deliverable, w.owner.slug if w.owner else "",
                          str(w.due_date or ""), w.status.value)  # fmt: skip
        console.print(table)


@app.command("add-work-item")
@friendly_errors
def add_work_item(
    group: str = typer.Argument(..., help="Slug of the group."),
    objective: str = typer.Option(...),
    deliverable: str = typer.Option(""),
    owner: str = typer.Option(None, help="Slug of the organisation that owns it."),
    due: str = typer.Option(None, help="YYYY-MM-DD"),
    status: str = typer.Option("planned", help="planned, in_progress, done or dropped"),
) -> None:
    """Add a line to a group's working plan."""
    data = parse_input(WorkPlanItemIn, _given(objective=objective, deliverable=deliverable, owner=owner,
                                              due_date=due, status=status))  # fmt: skip
    with unit_of_work(open_database()) as db:
        item = service.add_work_plan_item(
            db=db, actor=SYSTEM, group=service.get_group(db=db, slug=group), item=data
        )
        console.print(f"added working-plan line {item.id} to {group}")


@app.command("edit-work-item")
@friendly_errors
def edit_work_item(
    item_id: int = typer.Argument(..., help="The line's number (see work-plan)."),
    objective: str = typer.Option(None),
    deliverable: str = typer.Option(None),
    owner: str = typer.Option(None, help='Slug of the owner; "" clears it.'),
    due: str = typer.Option(None, help='YYYY-MM-DD; "" clears it.'),
    status: str = typer.Option(None, help="planned, in_progress, done or dropped"),
) -> None:
    """Change a working-plan line (only the options given)."""
    values = _given(objective=objective, deliverable=deliverable, owner=owner, due_date=due, status=status)
    for name_ in ("owner", "due_date"):
        if values.get(name_) == "":
            values[name_] = None
    data = parse_input(WorkPlanItemUpdate, values)
    with unit_of_work(open_database()) as db:
        item = service.update_work_plan_item(db=db, actor=SYSTEM, item_id=item_id, changes=data)
        console.print(f"working-plan line {item.id}: {item.status.value}")


@app.command("edit-event")
@friendly_errors
def edit_event(
    slug: str = typer.Argument(..., help="Slug of the event."),
    name: str = typer.Option(None),
    starts_on: str = typer.Option(None, help="YYYY-MM-DD"),
    ends_on: str = typer.Option(None, help="YYYY-MM-DD"),
    mode: str = typer.Option(None, help="on_site, online or hybrid"),
    place: str = typer.Option(None),
    country: str = typer.Option(None),
    capacity: int = typer.Option(None, help="Places; a larger number gives places to the waitlist."),
    group: str = typer.Option(None, help='Slug of the group behind it; "" for none.'),
    description: str = typer.Option(None),
) -> None:
    """Change an event (only the options given)."""
    values = _given(name=name, starts_on=starts_on, ends_on=ends_on, mode=mode, place=place, country=country,
                    capacity=capacity, group=group, description=description)  # fmt: skip
    for name_ in ("place", "country", "group"):
        if values.get(name_) == "":
            values[name_] = None
    data = parse_input(EventUpdate, values)
    with unit_of_work(open_database()) as db:
        event = service.update_event(db=db, actor=SYSTEM, slug=slug, changes=data)
        console.print(f"{event.slug}: saved")


@app.command("registrations")
@friendly_errors
def registrations(event: str = typer.Argument(..., help="Slug of the event.")) -> None:
    """List who registered for an event, and who attended."""
    with unit_of_work(open_database()) as db:
        table = Table("Person", "E-mail", "Status", "Since")
        for r in service.registrations(db=db, actor=SYSTEM, event_slug=event):
            table.add_row(
                r.person.full_name, r.person.email or "", r.status.value, f"{r.registered_at:%Y-%m-%d}"
            )
        console.print(table)


@app.command("attended")
@friendly_errors
def attended(
    event: str = typer.Argument(..., help="Slug of the event."),
    email: list[str] = typer.Argument(..., help="E-mail address of a person who attended (several allowed)."),
    undo: bool = typer.Option(False, help="Undo an attendance recorded by mistake."),
) -> None:
    """Record that registered persons attended an event."""
    with unit_of_work(open_database()) as db:
        by_email = {
            (r.person.email or "").lower(): r.person_id
            for r in service.registrations(db=db, actor=SYSTEM, event_slug=event)
        }
        for address in email:
            person_id = by_email.get(address.strip().lower())
            if person_id is None:
                raise NotFound(f"{address} is not registered for {event}", field="email")
            step = service.unmark_attended if undo else service.mark_attended
            registration = step(db=db, actor=SYSTEM, event_slug=event, person_id=person_id)
            console.print(f"{address}: {registration.status.value}")
