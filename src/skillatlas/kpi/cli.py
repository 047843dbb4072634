"""`skillatlas kpi`: the KPI report in every format, event imports, and rebuilding the summaries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput

app = typer.Typer(help="The alliance's KPIs: reports, event imports, the summaries.", no_args_is_help=True)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@app.command("report")
@friendly_errors
def report(
    year: int = typer.Option(None, help="Calendar year (default: this year)."),
    start: str = typer.Option(None, help="First day, YYYY-MM-DD (instead of --year)."),
    end: str = typer.Option(None, help="Last day, YYYY-MM-DD (instead of --year)."),
    format: str = typer.Option(
        "md", "--format", "-f", help="json (the machine-readable form), csv, xlsx or md."
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="Write to this file (default: standard output; xlsx needs --out)."
    ),
    country: str = typer.Option(None, help="Only this country (ISO code)."),
    region: str = typer.Option(None, help="Only this NUTS region."),
    organisation: str = typer.Option(None, help="Only this member (slug)."),
    type: str = typer.Option(None, help="Only members of this type."),
    committee: str = typer.Option(None, help="Only members in groups this committee steers (slug)."),
    group: str = typer.Option(None, help="Only members of this group (slug)."),
) -> None:
    """The six KPIs with every breakdown, coverage and the ambition: the same figures as /kpi and the API."""
    from skillatlas.kpi import export, front
    from skillatlas.kpi.report import build_report

    if format not in export.FORMATS:
        raise InvalidInput(f"format: choose one of {', '.join(export.FORMATS)}", field="format")
    if format == "xlsx" and out is None:
        raise InvalidInput("an XLSX workbook needs --out FILE", field="out")
    today = dt.datetime.now(dt.UTC).date()
    try:
        first_day = dt.date.fromisoformat(start) if start else None
        last_day = dt.date.fromisoformat(end) if end else None
    except ValueError as exc:
        raise InvalidInput(f"start/end: {exc}", field="start") from exc
    first, last = front.period(year=year, start=first_day, end=last_day, today=today)
    chosen = front.filters(
        country=country, region=region, organisation=organisation, type=type, committee=committee, group=group
    )
    sessions = open_database()
    with _progress() as progress:
        progress.add_task(f"computing the KPIs {first} to {last}", total=None)
        with unit_of_work(sessions) as session:
            built = build_report(db=session, start=first, end=last, today=today, filters=chosen)
    content = export.render(built, format)
    if out is None:
        typer.echo(content.decode("utf-8"), nl=False)
        return
    out.write_bytes(content)
    console.print(f"wrote {out} ({len(content):,} bytes)", highlight=False)


@app.command("import")
@friendly_errors
def import_events(
    file: Path = typer.Argument(..., help="CSV or XLSX: external_id, kind, occurred_on, organisation, ..."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; count nothing."),
) -> None:
    """Imports outcome events from a member's system (all rows or none; the same file twice counts once)."""
    from skillatlas.kpi import service

    if not file.is_file():
        raise InvalidInput(f"{file} is not a file", field="file")
    sessions = open_database()
    with _progress() as progress:
        progress.add_task(f"importing {file.name}", total=None)
        with unit_of_work(sessions) as session:
            done = service.import_events(
                db=session,
                actor=SYSTEM,
                filename=file.name,
                content=file.read_bytes(),
                today=dt.datetime.now(dt.UTC).date(),
                dry_run=dry_run,
            )
    verb = "would add" if dry_run else "added"
    console.print(f"{verb} {done.added} of {done.rows} events ({done.already_imported} imported before)")


@app.command("rebuild")
@friendly_errors
def rebuild() -> None:
    """Recomputes the monthly summaries from the ledger (they are kept in step; this is a repair tool)."""
    from skillatlas.kpi import service

    sessions = open_database()
    with _progress() as progress:
        progress.add_task("rebuilding the KPI summaries", total=None)
        with unit_of_work(sessions) as session:
            rows = service.rebuild_summaries(db=session)
    console.print(f"{rows:,} summary rows")
