"""`skillatlas applications`: applications to join a group, and each step of them, from the command line.

The commands act as SYSTEM, as every CLI does (whoever runs it on the server administers the platform);
the same service functions, state machine and audit as the pages and the API. People are named by name.
"""

from __future__ import annotations

import datetime as dt
import json

import typer
from rich.table import Table

from skillatlas.alliance import service as alliance_service
from skillatlas.applications import service
from skillatlas.applications.models import ApplicationState
from skillatlas.applications.schemas import DeclineIn, IntakeIn, InterviewIn, OutcomeIn
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput
from skillatlas.validation import parse_input

app = typer.Typer(help="Applications to join a group or task force.", no_args_is_help=True)


def _print(application: object) -> None:
    typer.echo(json.dumps(service.application_read(application).model_dump(mode="json"), indent=2))  # type: ignore[arg-type]


@app.command("list")
@friendly_errors
def list_applications(
    group: str = typer.Option(None, help="Only this group's (its slug)."),
    state: str = typer.Option(None, help="Only this state: " + ", ".join(s.value for s in ApplicationState)),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
) -> None:
    """List the applications, newest first."""
    if state is not None and state not in {s.value for s in ApplicationState}:
        raise InvalidInput(
            f"--state: use one of {', '.join(s.value for s in ApplicationState)}", field="state"
        )
    with unit_of_work(open_database()) as db:
        found = service.list_applications(
            db=db, actor=SYSTEM, group_slug=group, state=ApplicationState(state) if state else None
        )
        if as_json:
            for a in found:
                typer.echo(json.dumps(service.application_read(a).model_dump(mode="json")))
            return
        table = Table("Id", "Group", "Applicant", "Organisation", "State", "Sent", "Interview (UTC)")
        for a in found:
            table.add_row(
                str(a.id),
                a.group.name,
                a.person.full_name,
                a.organisation.name if a.organisation else "",
                service.STATE_LABELS[a.state],
                f"{a.created_at:%Y-%m-%d}",
                f"{a.interview_at:%Y-%m-%d %H:%M}" if a.interview_at else "",
            )
        console.print(table)


@app.command("show")
@friendly_errors
def show(application_id: int) -> None:
    """One application as JSON, with its steps."""
    with unit_of_work(open_database()) as db:
        _print(service.get_application(db=db, actor=SYSTEM, application_id=application_id))


@app.command("intake")
@friendly_errors
def intake(
    group: str,
    open_: bool = typer.Option(..., "--open/--closed", help="Whether the group takes applications."),
    badge: str = typer.Option(None, help="The achievement (slug) its certification issues."),
    badge_on_acceptance: bool = typer.Option(False, help="Issue the badge already on acceptance."),
) -> None:
    """Open or close a group to applications, and name its badge."""
    with unit_of_work(open_database()) as db:
        data = parse_input(
            IntakeIn,
            {"accepts_applications": open_, "achievement": badge, "badge_on_acceptance": badge_on_acceptance},
        )
        service.set_intake(db=db, actor=SYSTEM, group_slug=group, data=data)
        read = service.intake_read(db, alliance_service.get_group(db=db, slug=group))
        typer.echo(json.dumps(read.model_dump(mode="json")))


@app.command("shortlist")
@friendly_errors
def shortlist(application_id: int) -> None:
    """Put a submitted application on the shortlist."""
    with unit_of_work(open_database()) as db:
        application = service.shortlist(db=db, actor=SYSTEM, application_id=application_id)
        console.print(f"application {application.id}: {service.STATE_LABELS[application.state]}")


@app.command("decline")
@friendly_errors
def decline(
    application_id: int, reason: str = typer.Option(..., help="Why (the applicant reads it).")
) -> None:
    """Decline an open application."""
    with unit_of_work(open_database()) as db:
        application = service.decline(
            db=db,
            actor=SYSTEM,
            application_id=application_id,
            data=parse_input(DeclineIn, {"reason": reason}),
        )
        console.print(f"application {application.id}: {service.STATE_LABELS[application.state]}")


@app.command("interview")
@friendly_errors
def interview(
    application_id: int,
    at: str = typer.Option(..., help="When, in UTC: 2026-07-01 14:30"),
    place: str = typer.Option(..., help="The place, or the link of the video call."),
    panel: list[str] = typer.Option(..., help="A panel member's full name (repeat for each)."),
) -> None:
    """Schedule (or move) the interview of a shortlisted application; the panel by name."""
    try:
        when = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise InvalidInput("--at: write the time like 2026-07-01 14:30", field="at") from exc
    with unit_of_work(open_database()) as db:
        application = service.get_application(db=db, actor=SYSTEM, application_id=application_id)
        candidates = service.panel_candidates(db, application.group)
        ids = []
        for name in panel:
            matches = [p.id for p in candidates if p.full_name.casefold() == name.strip().casefold()]
            if len(matches) != 1:
                raise InvalidInput(
                    f"--panel: {name!r} is {'not one' if not matches else 'more than one'} of the people "
                    f"of {application.group.name}'s member organisations",
                    field="panel",
                )
            ids.extend(matches)
        data = parse_input(InterviewIn, {"at": when, "place": place, "panel": ids})
        application = service.schedule_interview(
            db=db, actor=SYSTEM, application_id=application_id, data=data
        )
        console.print(
            f"application {application.id}: interview {application.interview_at:%Y-%m-%d %H:%M} UTC"
        )


@app.command("outcome")
@friendly_errors
def outcome(
    application_id: int,
    accepted: bool = typer.Option(..., "--accepted/--not-accepted", help="The interview's outcome."),
    notes: str = typer.Option("", help="Notes the applicant reads."),
) -> None:
    """Record the interview's outcome (accepted: the applicant's organisation joins the group)."""
    with unit_of_work(open_database()) as db:
        data = parse_input(OutcomeIn, {"outcome": "accepted" if accepted else "not_accepted", "notes": notes})
        application = service.record_outcome(db=db, actor=SYSTEM, application_id=application_id, data=data)
        console.print(f"application {application.id}: {service.STATE_LABELS[application.state]}")


@app.command("certify")
@friendly_errors
def certify(application_id: int) -> None:
    """Record an accepted member's passed certification: the group's badge is issued."""
    with unit_of_work(open_database()) as db:
        application = service.record_certification(db=db, actor=SYSTEM, application_id=application_id)
        console.print(f"application {application.id}: badge issued ({application.credential_uuid})")


@app.command("withdraw")
@friendly_errors
def withdraw(application_id: int) -> None:
    """Withdraw an application (on the applicant's behalf)."""
    with unit_of_work(open_database()) as db:
        application = service.withdraw(db=db, actor=SYSTEM, application_id=application_id)
        console.print(f"application {application.id}: {service.STATE_LABELS[application.state]}")
