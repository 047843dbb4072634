"""`skillatlas experts`: import and export experts (the template), match requests in bulk, the needs report.

The commands act as SYSTEM, as every CLI command does; changes are still in the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from skillatlas import limits
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.config import get_settings
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput
from skillatlas.experts import files, service
from skillatlas.experts.matching import MatchQuery
from skillatlas.people.models import SkillLevel
from skillatlas.validation import field_and_message

app = typer.Typer(help="The expert database: import, matching, the needs report.", no_args_is_help=True)
progress_console = Console(stderr=True)


@app.command("import")
@friendly_errors
def import_file(
    file: Path = typer.Argument(..., help="CSV (UTF-8) or XLSX with the template's columns."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check every row and list the problems; save nothing."
    ),
) -> None:
    """Import experts (with their consent) from the template; one transaction: a bad row saves nothing.

    A row without skills is read from its headline and bio: the skills found are marked derived, each with
    its evidence sentence, for the expert to confirm or remove (`skillatlas experts derived`)."""
    rows = files.read_rows(file)
    settings = get_settings()
    with unit_of_work(open_database(settings)) as db:
        find = service.skill_finder(db, settings.data_dir, settings.embedding_backend)
        report = service.import_experts(
            db=db, actor=SYSTEM, rows=rows, now=dt.datetime.now(dt.UTC), dry_run=dry_run, find=find
        )
        if report.problems:
            table = Table("Row", "Field", "Problem", title=f"{len(report.problems)} problem(s)")
            for p in report.problems:
                table.add_row(str(p.row), p.field, p.message)
            console.print(table)
            raise InvalidInput(
                f"{len(report.problems)} row(s) have problems: nothing was saved", field="file"
            )
        if dry_run:
            console.print(f"{report.rows} row(s) checked: no problems (dry run, nothing saved)")
            return
    console.print(f"imported {report.rows} expert(s): {report.created} new, {report.updated} updated")


class _Skill(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uri: str = Field(min_length=3)
    level: SkillLevel = SkillLevel.PRACTITIONER


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | int
    title: str = ""
    text: str = ""
    skills: list[_Skill] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    remote: bool | None = None


def _read_requests(path: Path) -> list[_Request]:
    if str(path) != "-" and not path.exists():
        raise InvalidInput(f"no file {str(path)!r}", field="jsonl")
    lines = sys.stdin.readlines() if str(path) == "-" else path.read_text(encoding="utf-8").splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = _Request.model_validate(limits.loads(line, what=f"line {number}", field="jsonl"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"line {number}: not JSON ({exc.msg})", field="jsonl") from exc
        except ValidationError as exc:
            field, message = field_and_message(exc.errors()[0])
            raise InvalidInput(f"line {number}: {field}: {message}", field="jsonl") from exc
        if not request.skills and not (request.text.strip() or request.title.strip()):
            raise InvalidInput(f"line {number}: give skills or a text", field="jsonl")
        found.append(request)
    return found


@app.command("export")
@friendly_errors
def export(
    out: Path = typer.Option(..., "--out", help="The file to write."),
    fmt: str = typer.Option("csv", "--format", help="csv (UTF-8) or xlsx."),
) -> None:
    """Export every expert in the import template's columns (consent included), ready to import again."""
    fmt = fmt.lower()
    with unit_of_work(open_database()) as db:
        rows = service.export_rows(db=db, actor=SYSTEM)
    out.write_bytes(files.export(rows, service.IMPORT_COLUMNS, fmt))
    console.print(f"exported {len(rows)} expert(s): {out}")


@app.command("match")
@friendly_errors
def match(
    jsonl: Path = typer.Option(..., "--jsonl", help="One request per line ('-' reads standard input)."),
    top: int = typer.Option(10, "--top", min=1, max=1000, help="Experts per request."),
    out: Path = typer.Option(None, "--out", help="Write the results here instead of standard output."),
) -> None:
    """Rank experts for each request: one JSON line per request with expert_id, external_id, score, reasons.

    A request without skills gets them from its title and text, as the request page and API do."""
    from sqlalchemy import select

    from skillatlas.taxonomy.models import Skill

    requests = _read_requests(jsonl)
    settings = get_settings()
    today = dt.date.today()
    with unit_of_work(open_database(settings)) as db:
        uris = {s.uri for r in requests for s in r.skills}
        named = dict(db.execute(select(Skill.uri, Skill.preferred_label).where(Skill.uri.in_(uris))).all())
        known = set(named)
        for request in requests:
            for skill in request.skills:
                if skill.uri not in known:
                    raise InvalidInput(
                        f"request {request.id!r}: unknown skill URI {skill.uri!r}", field="jsonl"
                    )
        find = service.skill_finder(db, settings.data_dir, settings.embedding_backend)
        found = {
            n: find(service.request_text(r.title, r.text), service.SKILLS_PER_REQUEST)
            for n, r in enumerate(requests)
            if not r.skills
        }
        snapshot = service.engine_for(settings.data_dir, settings.embedding_backend).snapshot(db)
        snapshot = service.Snapshot(service.with_track_record(db, snapshot.pool), snapshot.texts)
        lines: list[str] = []
        with Progress(TextColumn("matching"), BarColumn(), MofNCompleteColumn(), console=progress_console,
                      transient=True) as progress:  # fmt: skip
            task = progress.add_task("match", total=len(requests))
            for n, request in enumerate(requests):
                mode = "either" if request.remote is None else ("remote" if request.remote else "on_site")
                extracted = found.get(n, [])
                query = MatchQuery(skills=[(s.uri, s.level.value) for s in request.skills]
                                   + [(s.uri, s.level) for s in extracted],
                                   languages=[code.lower() for code in request.languages],
                                   country=request.country.upper() if request.country else None, work_mode=mode,
                                   today=today, labels={**named, **{s.uri: s.label for s in extracted}},
                                   extracted=frozenset(s.uri for s in extracted))  # fmt: skip
                matches = service.match_query(snapshot, query, service.request_text(request.title, request.text),
                                              top, db=db, fresh_track_record=False)  # fmt: skip
                result: dict[str, Any] = {"id": request.id, "experts": [
                    {"expert_id": m.person_id, "external_id": m.external_id, "score": m.score, "reasons": m.reasons}
                    for m in matches]}  # fmt: skip
                lines.append(json.dumps(result, ensure_ascii=False))
                progress.advance(task)
    text = "".join(line + "\n" for line in lines)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        console.print(f"{len(lines)} request(s) matched: {out}")
    else:
        sys.stdout.write(text)


@app.command("derived")
@friendly_errors
def derived(
    expert: str = typer.Argument(..., help="The expert's id in the import file (external_id)."),
    confirm: list[str] = typer.Option(
        [], "--confirm", help="A skill found in the bio to keep (label or URI)."
    ),
    remove: list[str] = typer.Option(
        [], "--remove", help="A skill found in the bio to remove (label or URI)."
    ),
) -> None:
    """The skills found in an expert's bio with the sentence each was found in; confirm or remove them."""
    with unit_of_work(open_database()) as db:
        person_id = service.person_of_external_id(db, expert)
        pending = {s.uri: s for s in service.derived_skills(db=db, actor=SYSTEM, person_id=person_id)}
        by_name = {**{s.label.lower(): uri for uri, s in pending.items()}, **{uri: uri for uri in pending}}

        def uris(names: list[str]) -> list[str]:
            for name in names:
                if name.lower() not in by_name and name not in by_name:
                    raise InvalidInput(f"{name!r} is not a skill found in {expert}'s bio", field="skills")
            return [by_name.get(name.lower(), by_name.get(name, "")) for name in names]

        if confirm or remove:
            service.review_derived(db=db, actor=SYSTEM, person_id=person_id, confirm=uris(confirm),
                                   remove=uris(remove))  # fmt: skip
            console.print(f"{expert}: {len(confirm)} confirmed, {len(remove)} removed")
            return
    table = Table("Skill", "Level", "Found in", title=f"Skills found in {expert}'s bio, not yet confirmed")
    for s in pending.values():
        table.add_row(s.label, s.level.value, s.evidence)
    console.print(table)


@app.command("report")
@friendly_errors
def report(
    country: str = typer.Option(None, help="Only requests for this country (ISO code)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
) -> None:
    """The most needed fields of expertise: skills often requested and little covered, by country and month."""
    with unit_of_work(open_database()) as db:
        rows = service.needs_report(db=db, actor=SYSTEM, country=country)
    if as_json:
        for row in rows:
            typer.echo(row.model_dump_json())
        return
    table = Table("Month", "Country", "Skill", "Requests", "Experts", "Gap")
    for row in rows:
        table.add_row(
            row.month, row.country or "-", row.label, str(row.requests), str(row.experts), f"{row.gap:.2f}"
        )
    console.print(table)
