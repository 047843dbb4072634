"""`skillatlas skills` (extraction, job titles) and `skillatlas intelligence` (job ads, demand)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from skillatlas import limits
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.config import get_settings
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput

skills_app = typer.Typer(help="Find skills in texts; match job titles to occupations.", no_args_is_help=True)
intelligence_app = typer.Typer(help="Job ads, skills demand and trends.", no_args_is_help=True)
stderr = Console(stderr=True)


def _bundled_extractor(labels_file: Path | None):  # type: ignore[no-untyped-def]
    from skillatlas.intelligence.extraction import (
        SkillExtractor,
        bundled_skill_records,
        default_settings,
        restrict_to_labels,
    )
    from skillatlas.search.cache import EmbeddingCache

    settings = get_settings()
    records = bundled_skill_records()
    if labels_file is not None:
        if not labels_file.is_file():
            raise InvalidInput(f"{labels_file} is not a file", field="taxonomy_labels")
        labels = [
            line.strip() for line in labels_file.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        if not labels:
            raise InvalidInput(f"{labels_file} lists no labels", field="taxonomy_labels")
        records = restrict_to_labels(records, labels)
    cache = EmbeddingCache(settings.data_dir / "embeddings")
    with stderr.status(f"indexing {len(records):,} skills"):
        extractor = SkillExtractor(
            records, settings=default_settings(settings.embedding_backend), cache=cache
        )
    cache.save()
    return extractor


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file", field="jsonl")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = limits.loads(line, what=f"{path} line {number}", field="jsonl")  # nesting checked first
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path} line {number}: not JSON ({exc.msg})", field="jsonl") from exc
        if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("text"), str):
            raise InvalidInput(f'{path} line {number}: expected {{"id": ..., "text": "..."}}', field="jsonl")
        items.append(item)
    return items


@skills_app.command("extract")
@friendly_errors
def extract(
    file: Path = typer.Argument(None, help="A text file (job ad, CV, course description)."),
    jsonl: Path = typer.Option(None, "--jsonl", help='JSON lines in: {"id": ..., "text": ...} per line.'),
    top: int = typer.Option(10, "--top", min=1, max=200, help="Skills per text."),
    taxonomy_labels: Path = typer.Option(
        None, "--taxonomy-labels", help="Only these preferred labels (one per line) are candidates."
    ),
    any_language: bool = typer.Option(
        False, "--any-language", help="Find skills even in texts the language check says are not English."
    ),
) -> None:
    """The ESCO skills a text mentions or implies, ranked, with scores and evidence.

    With --jsonl, writes one JSON object per input line to stdout:
    {"id": ..., "skills": [{"uri", "label", "score", "evidence"}, ...]} (the documented contract).
    A text in another language gets no skills but "language" (its code) and "error" (the message that
    names it), unless --any-language.
    """
    from skillatlas.intelligence import language

    if (file is None) == (jsonl is None):
        raise InvalidInput("give either a FILE or --jsonl IN", field="file")
    items = _read_jsonl(jsonl) if jsonl is not None else None
    if file is not None and not file.is_file():
        raise InvalidInput(f"{file} is not a file", field="file")
    if items is None and not any_language:
        language.check_english(file.read_text(encoding="utf-8"))
    extractor = _bundled_extractor(taxonomy_labels)
    if items is None:
        found = extractor.extract(file.read_text(encoding="utf-8"), k=top)
        table = Table("Skill", "Score", "Evidence", "URI")
        for s in found:
            table.add_row(s.label, f"{s.score:.3f}", s.evidence[:80], s.uri)
        console.print(table)
        return
    with Progress(
        TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=stderr
    ) as bar:
        task = bar.add_task("texts", total=len(items))
        for item in items:
            other = None if any_language else language.not_english(str(item["text"]))
            if other is not None:
                refused = {
                    "id": item["id"],
                    "skills": [],
                    "language": other.code,
                    "error": language.message(other),
                }
                sys.stdout.write(json.dumps(refused, ensure_ascii=False) + "\n")
                bar.advance(task)
                continue
            found = extractor.extract(str(item["text"]), k=top)
            skills = [
                {"uri": s.uri, "label": s.label, "score": s.score, "evidence": s.evidence} for s in found
            ]
            sys.stdout.write(json.dumps({"id": item["id"], "skills": skills}, ensure_ascii=False) + "\n")
            bar.advance(task)
    sys.stdout.flush()


@skills_app.command("job-title")
@friendly_errors
def job_title(
    title: str = typer.Argument(..., help='A free job title, e.g. "HV battery repair tech".'), k: int = 5
) -> None:
    """The ESCO occupations closest to a job title."""
    from skillatlas.intelligence.engine import engine_for

    settings = get_settings()
    with unit_of_work(open_database()) as db:
        matches = engine_for(settings.data_dir, settings.embedding_backend).match_job_title(db, title, k)
    table = Table("Occupation", "Score", "URI")
    for m in matches:
        table.add_row(m.label, f"{m.score:.3f}", m.uri)
    console.print(table)


@intelligence_app.command("import-job-ads")
@friendly_errors
def import_job_ads(
    file: Path = typer.Argument(..., help="CSV (id,date,country,title,text) or JSON lines."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row and report; save nothing."),
    top: int = typer.Option(15, help="Skills kept per ad."),
) -> None:
    """Import job ads and the skills found in them: every row is checked first (each problem named by its line),
    then all are saved in one transaction, or none; a second import of the same ads adds nothing."""
    from skillatlas.intelligence import importing
    from skillatlas.intelligence.engine import engine_for

    if not file.is_file():
        raise InvalidInput(f"{file} is not a file", field="file")
    content = file.read_bytes()
    today = dt.date.today()
    with unit_of_work(open_database()) as db:
        preview = importing.preview_job_ads(
            db=db, actor=SYSTEM, content=content, filename=file.name, today=today
        )
    for problem in preview.problems:
        console.print(f"[red]{problem}[/red]", highlight=False)
    for warning in preview.warnings:
        console.print(f"[yellow]{warning}[/yellow]", highlight=False)
    if preview.problems:
        console.print(
            f"{len(preview.problems)} problem(s) on {preview.lines_with_problems} line(s): nothing imported",
            highlight=False,
        )
        raise typer.Exit(code=2)
    if dry_run:
        console.print(
            f"would import {preview.new} of {preview.rows} ads ({preview.known} already known"
            f"{f', {preview.repeated} twice in the file' if preview.repeated else ''}); nothing saved",
            highlight=False,
        )
        return
    settings = get_settings()
    with unit_of_work(open_database()) as db:
        indexes = engine_for(settings.data_dir, settings.embedding_backend)
        with Progress(
            TextColumn("job ads"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        ) as bar:
            task = bar.add_task("ads", total=preview.new)
            outcome = importing.import_file(
                db=db, actor=SYSTEM, content=content, filename=file.name, today=today,
                make_extractor=lambda: indexes.skill_extractor(db),
                classify=lambda title: indexes.classify_job_title(db, title),
                progress=lambda n: bar.advance(task, n), top=top,
            )  # fmt: skip
    report = outcome.report
    console.print(
        f"imported {report.imported} of {report.rows} ads ({report.duplicates} already known); "
        f"{report.skills_found} skill links",
        highlight=False,
    )


@intelligence_app.command("demand")
@friendly_errors
def demand(
    start: str = typer.Option(None, help="YYYY-MM-DD (default: a year before the end)."),
    end: str = typer.Option(None, help="YYYY-MM-DD (default: today)."),
    country: str = typer.Option(None),
    limit: int = typer.Option(20),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The most demanded skills of a period, and the rising ones."""
    from skillatlas.intelligence import service

    try:
        end_date = dt.date.fromisoformat(end) if end else dt.date.today()
        start_date = dt.date.fromisoformat(start) if start else end_date - dt.timedelta(days=365)
    except ValueError as exc:
        raise InvalidInput(f"dates: {exc}", field="start") from exc
    with unit_of_work(open_database()) as db:
        report = service.demand_report(db=db, start=start_date, end=end_date, country=country, limit=limit)
    if as_json:
        typer.echo(report.model_dump_json())
        return
    table = Table("Skill", "Ads", "Share", title=f"{report.total_ads} ads, {start_date} – {end_date}")
    for s in report.top:
        table.add_row(s.label, str(s.ads), f"{s.share:.1%}")
    console.print(table)


# classify-ads and load-demand (job ads at scale) register themselves on intelligence_app.
from skillatlas.intelligence import scale_cli as _scale_cli  # noqa: E402, F401
