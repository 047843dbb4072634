"""`skillatlas demo`: the ASA demo alliance, and a synthetic population for scale work."""

from __future__ import annotations

import time

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.demo import loader, synthetic


@friendly_errors
def demo(
    people: int = typer.Option(0, "--people", min=0, help="Also add this many synthetic persons."),
    seed: int = typer.Option(1, "--seed", help="Seed of the synthetic population (same seed, same persons)."),
) -> None:
    """Load the ASA demo alliance (again: only what is missing) and optionally a synthetic population."""
    sessions = open_database()
    with unit_of_work(sessions) as db:
        report = loader.load_demo(db=db, taxonomy=True)
        console.print(f"ASA demo alliance: {report.summary()}")
        if people:
            started = time.perf_counter()
            with Progress(
                TextColumn("synthetic persons"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("persons", total=people)
                synthetic.add_population(db=db, n=people, seed=seed, progress=lambda k: bar.advance(task, k))
            elapsed = time.perf_counter() - started
            console.print(
                f"added {people:,} persons (seed {seed}) in {elapsed:.1f} s: {people / elapsed:,.0f} rows/s"
            )
