"""`skillatlas taxonomy`: load ESCO (bundled or an official download), search skills and occupations."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.taxonomy import service

app = typer.Typer(help="The skills taxonomy (ESCO) and the alliance's own skills.", no_args_is_help=True)


def _progress_bar() -> Progress:
    return Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), console=console)


def _with_progress(bar: Progress, totals: dict[str, int]):  # type: ignore[no-untyped-def]
    tasks = {kind: bar.add_task(kind, total=total) for kind, total in totals.items() if total}

    def advance(kind: str, n: int) -> None:
        if kind in tasks:
            bar.advance(tasks[kind], n)

    return advance


@app.command("import-esco")
@friendly_errors
def import_esco(
    directory: Path = typer.Argument(
        ..., help="Folder of an official ESCO CSV download (skills_en.csv, ...)."
    ),
    language: str = typer.Option("en", help="Language suffix of the files."),
    version: str = typer.Option("", help="Name of the release, e.g. 'ESCO 1.2.0'."),
) -> None:
    """Import an official ESCO CSV download: idempotent, one transaction, every row checked first."""
    from skillatlas.taxonomy import esco_csv
    from skillatlas.taxonomy.store import store

    data = esco_csv.read_esco_directory(directory, language=language, version=version or f"ESCO {language}")
    with unit_of_work(open_database()) as db, _progress_bar() as bar:
        report = store(db, data, _with_progress(bar, data.counts()))
    console.print(f"imported {directory}: {report.summary()}")


@app.command("load-bundled")
@friendly_errors
def load_bundled() -> None:
    """Load the English ESCO that ships with SkillAtlas (no download needed)."""
    from skillatlas.taxonomy.bundle_import import bundled_taxonomy
    from skillatlas.taxonomy.store import store

    data = bundled_taxonomy()
    with unit_of_work(open_database()) as db, _progress_bar() as bar:
        report = store(db, data, _with_progress(bar, data.counts()))
    console.print(f"bundled ESCO loaded: {report.summary()}")


@app.command("skills")
@friendly_errors
def skills(
    query: str = typer.Argument("", help="Words in the label."),
    automotive: bool = typer.Option(False, help="Only the automotive part."),
    limit: int = typer.Option(20, min=1, max=500),
) -> None:
    """Search skills by label."""
    with unit_of_work(open_database()) as db:
        table = Table("Id", "Skill", "Type", "URI")
        for s in service.search_skills(
            db=db, query=query, automotive=True if automotive else None, limit=limit
        ):
            table.add_row(str(s.id), s.preferred_label, s.skill_type.value, s.uri)
        console.print(table)


@app.command("occupations")
@friendly_errors
def occupations(
    query: str = typer.Argument("", help="Words in the title."), limit: int = typer.Option(20, min=1)
) -> None:
    """Search occupations by title."""
    with unit_of_work(open_database()) as db:
        table = Table("Id", "Occupation", "ISCO", "URI")
        for o in service.search_occupations(db=db, query=query, limit=limit):
            table.add_row(str(o.id), o.preferred_label, o.isco_code, o.uri)
        console.print(table)
