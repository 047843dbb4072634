"""`skillatlas roles`: the alliance's job roles, their versions and required skills (acts as SYSTEM)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.roles import service

app = typer.Typer(help="Job roles: required skills and levels, versioned.", no_args_is_help=True)


@app.command("list")
@friendly_errors
def list_roles() -> None:
    """List the roles with their newest and published versions."""
    with unit_of_work(open_database()) as db:
        table = Table("Role", "Title", "Published", "Latest", "Skills")
        for r in service.list_roles(db=db, actor=SYSTEM):
            table.add_row(r.slug, r.title, str(r.published_version or "-"),
                          f"{r.latest_version} ({r.latest_state.value})", str(r.skills))  # fmt: skip
        console.print(table)


@app.command("show")
@friendly_errors
def show(
    role: str = typer.Argument(..., help="The role's slug."),
    version: int = typer.Option(None, help="A version number (default: the newest published)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a role version's required skills."""
    with unit_of_work(open_database()) as db:
        read = service.version_read(
            db=db, version=service.get_version(db=db, actor=SYSTEM, slug=role, number=version)
        )
        if as_json:
            typer.echo(read.model_dump_json(indent=2))
            return
        console.print(f"[bold]{read.title}[/bold] version {read.version} ({read.state.value})")
        table = Table("Skill", "Level", "Weight")
        for s in read.skills:
            table.add_row(s.label, s.level.value, s.weight.value)
        console.print(table)
        if read.occupations:
            console.print("refines: " + json.dumps([o.label for o in read.occupations]))
