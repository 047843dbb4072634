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
from skillatlas.alliance.schemas import EventCreate, OrganisationCreate, RegistrationCreate
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
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
