"""`skillatlas demo`: the ASA demo alliance, and a synthetic population for scale work."""

from __future__ import annotations

import time
from collections.abc import Callable

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work
from skillatlas.demo import loader, synthetic


def _step(label: str, total: int, work: Callable[[Callable[[int], None]], object]) -> object:
    """Runs one bulk step under a progress bar and says how fast it went."""
    started = time.perf_counter()
    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    ) as bar:
        task = bar.add_task(label, total=total)
        result = work(lambda k: bar.advance(task, k))
    elapsed = time.perf_counter() - started
    console.print(f"added {total:,} {label} in {elapsed:.1f} s: {total / elapsed:,.0f} per second")
    return result


@friendly_errors
def demo(
    people: int = typer.Option(0, "--people", min=0, help="Also add this many synthetic persons."),
    experts: int = typer.Option(0, "--experts", min=0, help="Also add this many synthetic listed experts."),
    courses: int = typer.Option(0, "--courses", min=0, help="Also add this many synthetic courses."),
    skills: bool = typer.Option(True, help="Give the synthetic persons 2-10 skills each."),
    seed: int = typer.Option(1, "--seed", help="Seed of the synthetic data (same seed, same data)."),
) -> None:
    """Load the ASA demo alliance (again: only what is missing) and optionally synthetic data for scale work.

    Everything happens in one transaction: an interrupted run leaves nothing behind.
    """
    sessions = open_database()
    with unit_of_work(sessions) as db:
        from skillatlas.config import get_settings
        from skillatlas.credentials.settings import issuing_for

        report = loader.load_demo(db=db, taxonomy=True, issuing=issuing_for(get_settings()))
        console.print(f"ASA demo alliance: {report.summary()}")
        clusters = synthetic.skill_clusters(db) if (experts or courses or (people and skills)) else None
        if people:
            _step("synthetic persons", people,
                  lambda tick: synthetic.add_population(db=db, n=people, seed=seed, progress=tick))  # fmt: skip
            if skills:
                _step("persons' skills", people, lambda tick: synthetic.add_person_skills(
                    db=db, seed=seed, clusters=clusters, progress=tick))  # fmt: skip
        if experts:
            _step("synthetic experts", experts, lambda tick: synthetic.add_experts(
                db=db, n=experts, seed=seed, clusters=clusters, progress=tick))  # fmt: skip
        if courses:
            _step("synthetic courses", courses, lambda tick: synthetic.add_courses(
                db=db, n=courses, seed=seed, clusters=clusters, progress=tick))  # fmt: skip
        console.print("committing…")
