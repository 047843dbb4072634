"""`skillatlas innovation`: the question set, assessments, export and import as JSON, reports (acts as SYSTEM)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.table import Table

from skillatlas import limits
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput
from skillatlas.innovation import report, service

app = typer.Typer(
    help="Innovation self-assessments (ISO 56002): questions, results, reports.", no_args_is_help=True
)


@app.command("list")
@friendly_errors
def list_assessments(
    organisation: str = typer.Option(None, help="Only this organisation (its slug)."),
) -> None:
    """List the assessments, newest first."""
    with unit_of_work(open_database()) as db:
        table = Table("Id", "Organisation", "Started", "State", "Version", "Overall")
        for a in service.list_assessments(db=db, actor=SYSTEM, organisation=organisation):
            table.add_row(str(a.id), a.organisation_name, f"{a.started_at:%Y-%m-%d}", a.state.value.replace("_", " "),
                          str(a.version), "" if a.overall is None else f"{a.overall:.1f}")  # fmt: skip
        console.print(table)


@app.command("questions")
@friendly_errors
def questions(
    version: int = typer.Option(None, help="A version number (default: the newest published)."),
) -> None:
    """Print a version of the question set as JSON."""
    with unit_of_work(open_database()) as db:
        found = service.get_set(db=db, actor=SYSTEM, number=version)
        typer.echo(service.set_read(db=db, question_set=found).model_dump_json(indent=2))


@app.command("export")
@friendly_errors
def export(
    assessment: int = typer.Argument(..., help="The assessment's id."),
    out: Path = typer.Option(None, "--out", "-o", help="Write to this file (default: print)."),
) -> None:
    """Export an assessment (its answers and evidence texts and links) as JSON."""
    with unit_of_work(open_database()) as db:
        text = json.dumps(service.export_assessment(db=db, actor=SYSTEM, assessment_id=assessment), indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")


@app.command("import")
@friendly_errors
def import_(
    file: Path = typer.Argument(..., help="A JSON file written by `skillatlas innovation export`."),
) -> None:
    """Import an exported assessment (against the same published version of the question set)."""
    if not file.exists():
        raise InvalidInput(f"no file {str(file)!r}", field="file")
    data = limits.loads(file.read_bytes(), what="the export", field="file")
    with unit_of_work(open_database()) as db:
        found = service.import_assessment(db=db, actor=SYSTEM, data=data, now=dt.datetime.now(dt.UTC))
        console.print(
            f"imported assessment {found.id} of {found.organisation.name} ({found.state.value.replace('_', ' ')})"
        )


@app.command("report")
@friendly_errors
def report_(
    assessment: int = typer.Argument(..., help="The assessment's id (a completed one)."),
    format: str = typer.Option("json", "--format", "-f", help="json, csv, xlsx or pdf."),
    out: Path = typer.Option(None, "--out", "-o", help="Write to this file (needed for xlsx and pdf)."),
) -> None:
    """The results: scores, change, peer groups (five organisations or more) and suggested training."""
    with unit_of_work(open_database()) as db:
        content, _, name = report.build(db=db, actor=SYSTEM, assessment_id=assessment, fmt=format)
    if out is None and format in ("json", "csv"):
        typer.echo(content.decode("utf-8-sig"))
        return
    target = out or Path(name)
    target.write_bytes(content)
    console.print(f"wrote {target}")
