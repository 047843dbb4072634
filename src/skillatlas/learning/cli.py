"""`skillatlas learning`: import courses, a person's gap and optimal training path (acts as SYSTEM)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput
from skillatlas.learning import service
from skillatlas.learning.schemas import PathPreferences
from skillatlas.learning.workforce import workforce_gap
from skillatlas.validation import parse_input

app = typer.Typer(help="Training: courses, gap analysis, optimal training paths.", no_args_is_help=True)


@app.command("import")
@friendly_errors
def import_courses(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV (UTF-8) or XLSX file."),
    provider: str = typer.Option(..., help="Slug of the training provider (an organisation)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, save nothing."),
) -> None:
    """Import a provider's courses in one transaction: a bad row saves nothing."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True
    ) as progress:
        progress.add_task(f"importing {file.name}", total=None)
        with unit_of_work(open_database()) as db:
            report = service.import_file(db=db, actor=SYSTEM, provider=provider, file=file, dry_run=dry_run)
    verb = "would import" if dry_run else "imported"
    console.print(f"{verb} {report.created} new and {report.updated} updated courses of {provider}")


@app.command("path")
@friendly_errors
def path(
    person: int = typer.Option(..., "--person", help="The person's id."),
    role: str = typer.Option(..., "--role", help="The job role's slug."),
    version: int = typer.Option(None, "--version", help="Role version (default: the newest published)."),
    cost: str = typer.Option("price", help="price, hours or mix."),
    euro_per_hour: float = typer.Option(20.0, help="In the mix: euros per hour of study."),
    language: list[str] = typer.Option([], help="Accepted course languages (repeat)."),
    mode: list[str] = typer.Option([], help="Accepted modes: online, on_site, blended (repeat)."),
    country: list[str] = typer.Option([], help="Countries for on-site and blended courses (repeat)."),
    output: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """A person's gap against a role and the cheapest courses closing it.

    JSON: {"gap": {"readiness", "skills": [{"label", "required_level", "current_level", "status"}]},
    "courses": [{"code", "title", "cost", "why"}], "total_cost", "uncovered": [labels], ...}.
    """
    if output not in {"table", "json"}:
        raise InvalidInput("--format is table or json", field="format")
    prefs = parse_input(PathPreferences, {"cost": cost, "euro_per_hour": euro_per_hour, "languages": language,
                                          "modes": mode, "countries": country})  # fmt: skip
    with unit_of_work(open_database()) as db:
        result = service.path_for(
            db=db, actor=SYSTEM, person_id=person, role=role, version=version, prefs=prefs
        )
    if output == "json":
        typer.echo(result.model_dump_json(indent=2))
        return
    console.print(f"readiness for {role} v{result.gap.version}: [bold]{result.gap.readiness:.0%}[/bold]")
    table = Table("Skill", "Required", "Current", "Status")
    for s in result.gap.skills:
        table.add_row(
            s.label, s.required_level.value, s.current_level.value if s.current_level else "-", s.status.value
        )
    console.print(table)
    courses = Table("Course", "Title", "Cost", "Why")
    for c in result.courses:
        courses.add_row(c.code, c.title, f"{c.cost:g}", c.why)
    console.print(courses)
    console.print(f"total {result.cost_basis}: {result.total_cost:g} ({result.method}); uncovered: "
                  f"{', '.join(result.uncovered) or 'none'}")  # fmt: skip


@app.command("workforce")
@friendly_errors
def workforce(
    organisation: str = typer.Option(..., help="The employer's slug."),
    role: str = typer.Option(..., help="The job role's slug."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Gap analysis of an organisation's whole workforce: training demand per skill and course."""
    with unit_of_work(open_database()) as db:
        result = workforce_gap(db=db, actor=SYSTEM, organisation=organisation, role=role)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    console.print(
        f"{result.workers} workers, mean readiness {result.mean_readiness:.0%}, ready {result.ready}"
    )
    table = Table("Skill", "Level", "Workers with gap", "Course")
    for d in result.demand:
        table.add_row(d.label, d.required_level.value, str(d.workers_with_gap), d.course or "-")
    console.print(table)
