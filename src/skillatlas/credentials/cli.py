"""`skillatlas credentials`: achievements, issuing (one or in bulk), verifying, revoking, keys."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from skillatlas import limits
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, err_console, friendly_errors, open_database
from skillatlas.config import get_settings
from skillatlas.credentials import service
from skillatlas.credentials.edc import cli as edc_cli
from skillatlas.credentials.schemas import (
    AchievementCreate,
    AchievementUpdate,
    BulkIssueRequest,
    CourseIssueRequest,
    EventIssueRequest,
    IssueRequest,
    IssuerIdentity,
    StatusChange,
)
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput
from skillatlas.validation import parse_input

app = typer.Typer(help="Micro-credentials: achievements, issuing, verifying, revoking.", no_args_is_help=True)
achievements_app = typer.Typer(help="What can be earned.", no_args_is_help=True)
keys_app = typer.Typer(help="Issuer identities and keys.", no_args_is_help=True)
app.add_typer(achievements_app, name="achievements")
app.add_typer(keys_app, name="keys")
app.add_typer(edc_cli.app, name="edc")


def say(text: str) -> None:
    """One line of output; DIDs stay as written (no emoji codes such as :key:, no highlighting)."""
    console.print(text, emoji=False, highlight=False, soft_wrap=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@achievements_app.command("list")
@friendly_errors
def achievements_list(
    issuer: str = typer.Option(None, help="Slug of the issuing organisation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
) -> None:
    """List the achievements."""
    with unit_of_work(open_database()) as db:
        found = service.list_achievements(db=db, issuer=issuer)
        if as_json:
            for a in found:
                typer.echo(service.achievement_read(a).model_dump_json())
            return
        table = Table("Id", "Slug", "Name", "Issuer", "EQF", "Hours", "ECTS")
        for a in found:
            table.add_row(
                str(a.id),
                a.slug,
                a.name,
                a.issuer.slug,
                str(a.eqf_level),
                f"{a.hours:g}",
                "" if a.ects is None else f"{a.ects:g}",
            )
        console.print(table)


@achievements_app.command("create")
@friendly_errors
def achievements_create(
    name: str = typer.Option(...),
    issuer: str = typer.Option(..., help="Slug of the issuing organisation."),
    description: str = typer.Option(...),
    criteria: str = typer.Option(..., help="What a learner must do to earn it."),
    outcome: list[str] = typer.Option(..., help="A learning outcome (repeatable)."),
    eqf_level: int = typer.Option(..., help="EQF level 1-8."),
    hours: float = typer.Option(..., help="Notional workload in hours."),
    ects: float = typer.Option(None, help="ECTS credits."),
    assessment: str = typer.Option(..., help="none, attendance, written_exam, practical_demonstration, ..."),
    participation: str = typer.Option(..., help="online, on_site, blended or work_based"),
    quality_assurance: str = typer.Option(..., help="The type of quality assurance."),
    skill: list[str] = typer.Option([], help="ESCO skill URI it aligns to (repeatable)."),
    awarded_for: str = typer.Option("other", help="course, job_role, event or other"),
    awarded_for_ref: str = typer.Option(None, help="Id or slug of what it is earned for (an event's slug)."),
    achievement_type: str = typer.Option("MicroCredential"),
    valid_for_days: int = typer.Option(None, help="Credentials expire after this many days."),
    isced_f: str = typer.Option(None, "--isced-f", help="ISCED-F 2013 field of education, e.g. 0716 (EDC)."),
    from_json: Path = typer.Option(None, "--from-json", help="Read all fields from a JSON file instead."),
) -> None:
    """Create an achievement."""
    if from_json is not None:
        values: dict[str, Any] = json.loads(from_json.read_text())
    else:
        values = {
            "name": name,
            "issuer": issuer,
            "description": description,
            "criteria": criteria,
            "learning_outcomes": outcome,
            "eqf_level": eqf_level,
            "hours": hours,
            "ects": ects,
            "assessment_type": assessment,
            "participation_form": participation,
            "quality_assurance": quality_assurance,
            "skills": skill,
            "awarded_for": awarded_for,
            "awarded_for_ref": awarded_for_ref,
            "achievement_type": achievement_type,
            "valid_for_days": valid_for_days,
            "isced_f": isced_f,
        }
        values = {k: v for k, v in values.items() if v is not None}
    data = parse_input(AchievementCreate, values)
    with unit_of_work(open_database()) as db:
        created = service.create_achievement(db=db, actor=SYSTEM, data=data)
        console.print(
            f"created achievement [bold]{created.name}[/bold]: id {created.id}, slug {created.slug}"
        )


@achievements_app.command("edit")
@friendly_errors
def achievements_edit(
    ref: str = typer.Argument(..., help="Achievement id or slug."),
    name: str = typer.Option(None),
    issuer: str = typer.Option(None, help="Slug of the issuing organisation."),
    description: str = typer.Option(None),
    criteria: str = typer.Option(None),
    outcome: list[str] = typer.Option(None, help="A learning outcome (repeatable; replaces all)."),
    eqf_level: int = typer.Option(None),
    hours: float = typer.Option(None),
    ects: float = typer.Option(None),
    assessment: str = typer.Option(None),
    participation: str = typer.Option(None),
    quality_assurance: str = typer.Option(None),
    skill: list[str] = typer.Option(None, help="ESCO skill URI (repeatable; replaces all)."),
    event: str = typer.Option(None, help="Slug of the event whose attendees receive it automatically."),
    no_event: bool = typer.Option(False, "--no-event", help="Unlink the event that awards it."),
    valid_for_days: int = typer.Option(None),
    from_json: Path = typer.Option(None, "--from-json", help="Read the fields to change from a JSON file."),
) -> None:
    """Change an achievement: the fields given, the others kept."""
    changes: dict[str, Any] = json.loads(from_json.read_text()) if from_json is not None else {}
    given = {
        "name": name,
        "issuer": issuer,
        "description": description,
        "criteria": criteria,
        "learning_outcomes": outcome or None,
        "eqf_level": eqf_level,
        "hours": hours,
        "ects": ects,
        "assessment_type": assessment,
        "participation_form": participation,
        "quality_assurance": quality_assurance,
        "skills": skill or None,
        "valid_for_days": valid_for_days,
    }
    changes.update({k: v for k, v in given.items() if v is not None})
    if event:
        changes.update(awarded_for="event", awarded_for_ref=event)
    with unit_of_work(open_database()) as db:
        current = service.get_achievement(db=db, ref=ref)
        values = service.achievement_read(current).model_dump(
            mode="json", exclude={"id", "uuid", "slug", "skills"}
        )
        values["skills"] = [s["uri"] for s in current.skills]
        linked = service.linked_event(db=db, achievement=current)
        if linked is not None:
            values.update(awarded_for="event", awarded_for_ref=linked.slug)
        values.update(changes)
        if no_event and values.get("awarded_for") == "event":
            values.update(awarded_for="other", awarded_for_ref=None)
        data = parse_input(AchievementUpdate, values)
        changed = service.update_achievement(db=db, actor=SYSTEM, ref=current.id, data=data)
        say(f"changed achievement {changed.name} ({changed.slug})")


@app.command("issue")
@friendly_errors
def issue(
    achievement: str = typer.Option(..., help="Achievement id or slug."),
    learner: int = typer.Option(None, help="Person id of the learner."),
    email: str = typer.Option(None, help="Or the learner's e-mail address."),
    format: str = typer.Option(
        "ldp",
        "--format",
        help="ldp (embedded Data Integrity proof), jwt, or edc: a European Digital Credential sealed with the"
        " organisation's certificate (the Open Badge is issued as ldp).",
    ),
    out: Path = typer.Option(..., help="Where to write the credential."),
) -> None:
    """Issue one credential and write it to a file."""
    edc = format.strip().lower() == "edc"
    values = {
        "achievement": achievement,
        "learner": learner,
        "email": email,
        "format": "ldp" if edc else format,
    }
    data = parse_input(IssueRequest, {k: v for k, v in values.items() if v is not None})
    settings = get_settings()
    with unit_of_work(open_database(settings)) as db:
        issued = service.issue(db=db, actor=SYSTEM, data=data, issuing=issuing_for(settings), now=_now())
        text = edc_cli.sealed(db, issued.uuid, issuing_for(settings), _now()) if edc else issued.document
        out.write_text(text + ("\n" if not text.endswith("\n") else ""))
        say(
            f"issued urn:uuid:{issued.uuid} to {issued.person.full_name} (person {issued.person_id}) -> {out}"
        )


@app.command("find-learner")
@friendly_errors
def find_learner(
    query: str = typer.Argument(..., help="Part of a name or an e-mail address (two letters at least)."),
    achievement: str = typer.Option(..., help="The achievement to issue (id or slug)."),
) -> None:
    """Find who to issue an achievement to, by name or e-mail address."""
    with unit_of_work(open_database()) as db:
        found = service.find_recipients(db=db, actor=SYSTEM, achievement_ref=achievement, query=query)
        table = Table("Person id", "Name", "E-mail", "Employer")
        for p in found:
            table.add_row(str(p.id), p.full_name, p.email or "", p.employer.name if p.employer else "")
        console.print(table)


def _print_outcome(outcome: service.BulkOutcome, as_json: bool) -> None:
    if as_json:
        typer.echo(service.bulk_read(outcome).model_dump_json())
        return
    verb = "would issue" if outcome.dry_run else "issued"
    count = len(outcome.recipients) if outcome.dry_run else len(outcome.issued)
    say(
        f"{verb} {count} credentials of {outcome.achievement.name} from {outcome.source}; skipped {len(outcome.skipped)}"
    )
    for person, why in outcome.skipped:
        say(f"  skipped {person.full_name} (person {person.id}): {why}")


def _bulk_command(run: Any, data: Any, as_json: bool) -> None:
    settings = get_settings()
    columns = (TextColumn("issuing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (
        unit_of_work(open_database(settings)) as db,
        Progress(*columns, console=err_console, transient=True) as bar,
    ):
        task = bar.add_task("issuing", total=None)
        outcome = run(
            db=db,
            actor=SYSTEM,
            data=data,
            issuing=issuing_for(settings),
            now=_now(),
            progress=lambda n: bar.advance(task, n),
        )
        _print_outcome(outcome, as_json)


@app.command("issue-event")
@friendly_errors
def issue_event(
    event: str = typer.Option(..., help="Slug of the event."),
    achievement: str = typer.Option(
        None, help="Achievement id or slug (default: the badge the event awards)."
    ),
    format: str = typer.Option("ldp", "--format", help="ldp or jwt."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count who would receive it."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Issue to everyone marked attended at an event (whoever holds it already is skipped), all or none."""
    values = {"event": event, "achievement": achievement, "format": format, "dry_run": dry_run}
    data = parse_input(EventIssueRequest, {k: v for k, v in values.items() if v is not None})
    _bulk_command(service.issue_for_event, data, as_json)


@app.command("issue-course")
@friendly_errors
def issue_course(
    course: int = typer.Option(..., help="Id of the course."),
    achievement: str = typer.Option(..., help="Achievement id or slug."),
    format: str = typer.Option("ldp", "--format", help="ldp or jwt."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count who would receive it."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Issue to everyone who passed a course (whoever holds it already is skipped), all or none."""
    data = parse_input(
        CourseIssueRequest,
        {"course": course, "achievement": achievement, "format": format, "dry_run": dry_run},
    )
    _bulk_command(service.issue_for_course, data, as_json)


@app.command("list")
@friendly_errors
def list_credentials(
    learner: int = typer.Option(None, help="Person id of the learner."),
    email: str = typer.Option(None, help="Or the learner's e-mail address."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
) -> None:
    """A learner's credentials, newest first, with their status."""
    if (learner is None) == (email is None):
        raise InvalidInput(
            "learner: name the learner by --learner or by --email (one of them)", field="learner"
        )
    settings = get_settings()
    with unit_of_work(open_database(settings)) as db:
        person = service.learner_of(db, learner, email)
        found = service.learner_credentials(db=db, actor=SYSTEM, person_id=person.id)
        base = issuing_for(settings).base_url
        if as_json:
            for c in found:
                typer.echo(service.issued_read(c, base).model_dump_json())
            return
        table = Table("Credential", "Achievement", "Issuer", "Issued", "Status")
        for c in found:
            table.add_row(
                Text(f"urn:uuid:{c.uuid}"),
                c.achievement.name,
                c.organisation.name,
                f"{c.issued_at:%Y-%m-%d}",
                service.credential_state(c),
            )
        console.print(table)


def _read_learners(path: Path) -> list[int]:
    """Person ids from a CSV: a column named person_id (or learner, id), else the first column."""
    if not path.exists():
        raise InvalidInput(f"learners: no file {path}", field="learners")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(limits.csv_rows(csv.reader(handle), what="learners: the CSV", field="learners"))
    if not rows:
        raise InvalidInput("learners: the CSV is empty", field="learners")
    header = [h.strip().lower() for h in rows[0]]
    column = next(
        (header.index(n) for n in ("person_id", "learner", "learner_id", "id") if n in header), None
    )
    body = rows[1:] if column is not None or not rows[0][0].strip().isdigit() else rows
    column = column or 0
    ids: list[int] = []
    for number, row in enumerate(body, start=2 if body is not rows else 1):
        if not row or not row[column].strip():
            continue
        value = row[column].strip()
        if not value.isdigit():
            raise InvalidInput(f"learners: line {number}: {value!r} is not a person id", field="learners")
        ids.append(int(value))
    return ids


@app.command("issue-bulk")
@friendly_errors
def issue_bulk(
    achievement: str = typer.Option(..., help="Achievement id or slug."),
    learners: Path = typer.Option(
        ..., help="CSV with a person_id column (or person ids in the first column)."
    ),
    format: str = typer.Option("ldp", "--format", help="ldp or jwt."),
    out_dir: Path = typer.Option(None, help="Also write each credential to this folder."),
) -> None:
    """Issue one credential per learner in one transaction (all or none)."""
    data = parse_input(
        BulkIssueRequest, {"achievement": achievement, "learners": _read_learners(learners), "format": format}
    )
    settings = get_settings()
    columns = (TextColumn("issuing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with unit_of_work(open_database(settings)) as db, Progress(*columns, console=err_console) as bar:
        task = bar.add_task("issuing", total=len(set(data.learners)))
        issued = service.issue_bulk(
            db=db,
            actor=SYSTEM,
            data=data,
            issuing=issuing_for(settings),
            now=_now(),
            progress=lambda n: bar.advance(task, n),
        )
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            suffix = "jwt" if data.format.value == "jwt" else "json"
            for credential in issued:
                (out_dir / f"{credential.uuid}.{suffix}").write_text(credential.document)
    say(f"issued {len(issued)} credentials")


@app.command("verify")
@friendly_errors
def verify(
    file: Path = typer.Argument(..., help="A credential: JSON with an embedded proof, or a JWT."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Verify a credential; exit code 0 only when it is valid."""
    try:
        data: bytes | str = file.read_bytes()
    except OSError as exc:
        data = ""
        err_console.print(f"[red]error:[/red] cannot read {file}: {exc.strerror}", highlight=False)
        raise typer.Exit(code=2) from None
    settings = get_settings()
    with unit_of_work(open_database(settings)) as db:
        report = service.verify(db=db, data=data, base_url=issuing_for(settings).base_url, now=_now())
    if as_json:
        typer.echo(report.model_dump_json(include={"valid", "checks"}))
    else:
        table = Table("Check", "Result", "Reason")
        for c in report.checks:
            table.add_row(c.check, "[green]ok[/green]" if c.ok else "[red]failed[/red]", Text(c.reason))
        console.print(table)
        console.print("[bold green]valid[/bold green]" if report.valid else "[bold red]NOT valid[/bold red]")
    raise typer.Exit(code=0 if report.valid else 1)


@app.command("name-choice")
@friendly_errors
def name_choice(
    learner: int = typer.Option(None, help="Person id of the learner."),
    email: str = typer.Option(None, help="Or the learner's e-mail address."),
    show: bool = typer.Option(
        ...,
        "--show/--hash",
        help="--show: the learner's name in plain words in the credentials issued from now on; "
        "--hash: only a salted hash of it (the default for everyone who never chose).",
    ),
) -> None:
    """A learner's choice: their name in new credentials in plain words, or as a salted hash."""
    settings = get_settings()
    with unit_of_work(open_database(settings)) as db:
        person = service.learner_of(db, learner, email)
        service.set_name_choice(db=db, actor=SYSTEM, person_id=person.id, show=show, now=_now(), source="cli")
        say(f"{person.full_name}: new credentials show {'the name' if show else 'a salted hash of the name'}")


def _status_command(action: str) -> Any:
    def command(
        credential: str = typer.Argument(..., help="The credential's id (urn:uuid:... or the UUID)."),
        reason: str = typer.Option(None, help="Why (kept in the audit log)."),
    ) -> None:
        change = parse_input(StatusChange, {"reason": reason} if reason else {})
        settings = get_settings()
        with unit_of_work(open_database(settings)) as db:
            issued = getattr(service, action)(
                db=db,
                actor=SYSTEM,
                credential_id=credential,
                reason=change.reason,
                issuing=issuing_for(settings),
                now=_now(),
            )
            say(f"urn:uuid:{issued.uuid}: {service.credential_state(issued)}")

    command.__doc__ = {
        "revoke": "Revoke a credential for good.",
        "suspend": "Suspend a credential.",
        "reinstate": "Lift a credential's suspension.",
    }[action]
    return friendly_errors(command)


app.command("revoke")(_status_command("revoke"))
app.command("suspend")(_status_command("suspend"))
app.command("reinstate")(_status_command("reinstate"))


@keys_app.command("list")
@friendly_errors
def keys_list(organisation: str = typer.Argument(..., help="Slug of the organisation.")) -> None:
    """The organisation's keys, active and retired."""
    with unit_of_work(open_database()) as db:
        table = Table("Verification method", "Status", "Created", "Retired")
        for k in service.keys_of(db=db, organisation=organisation):
            table.add_row(
                Text(k.verification_method),
                k.status.value,
                f"{k.created_at:%Y-%m-%d}",
                f"{k.retired_at:%Y-%m-%d}" if k.retired_at else "",
            )
        console.print(table)


@keys_app.command("rotate")
@friendly_errors
def keys_rotate(
    organisation: str = typer.Argument(..., help="Slug of the organisation."),
    web: str = typer.Option(None, help="Switch to did:web on this domain (e.g. skills.example.org)."),
) -> None:
    """Retire the active key and make a new one; what the old key signed stays valid."""
    identity = parse_input(IssuerIdentity, {"method": "web", "domain": web}) if web else None
    settings = get_settings()
    with unit_of_work(open_database(settings)) as db:
        key = service.rotate_key(
            db=db,
            actor=SYSTEM,
            organisation=organisation,
            issuing=issuing_for(settings),
            now=_now(),
            identity=identity,
        )
        say(f"new key {key.verification_method}")
