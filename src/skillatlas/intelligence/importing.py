"""Job-ad files checked before anything is saved: the import page's preview (a dry run), every row's problem
by line number in plain words, the upload kept between the preview and the import, and what was imported.

The rules of the import itself (one transaction, idempotent by the ad's id or content, the skills found in
each ad) stay in `service.import_job_ads`; this module reads the file the way a person wrote it (a header in
any case, `;` as Excel writes it in much of Europe, a line number for every problem) and hands the checked
rows to it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from skillatlas import limits
from skillatlas.auth.permissions import Principal, authorize
from skillatlas.errors import InvalidInput
from skillatlas.intelligence import language, service
from skillatlas.intelligence.models import JobAd
from skillatlas.intelligence.schemas import ImportReport, JobAdIn
from skillatlas.validation import friendly_message

COLUMNS = ("id", "date", "country", "title", "text")
REQUIRED = ("date", "country", "title", "text")
SAMPLE_ROWS = 10
TEMPLATE_CSV = (
    "id,date,country,title,text\n"
    'ACME-2026-001,2026-05-04,DE,High-voltage battery technician,"Diagnose and repair battery management '
    'systems of electric vans. You check battery fluids and use automotive diagnostic equipment."\n'
    'ACME-2026-002,2026-05-11,RO,Embedded software developer,"Develop embedded software for electric '
    'vehicle control units in C; knowledge of functional safety (ISO 26262) is a plus."\n'
)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong with one line of the file (line None: with the file as a whole), in plain words."""

    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass(frozen=True, slots=True)
class SampleRow:
    """One of the first rows, as the import will read it."""

    line: int
    values: dict[str, str]
    status: str  # "new", "imported before", "twice in this file", "problem"


@dataclass(slots=True)
class ImportPreview:
    """What importing the file would do; nothing is saved."""

    filename: str
    rows: int = 0
    new: int = 0
    known: int = 0  # imported before (the same id, or the same ad without an id)
    repeated: int = 0  # the same ad again in this file, counted once
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    sample: list[SampleRow] = field(default_factory=list)
    first_date: dt.date | None = None
    last_date: dt.date | None = None

    @property
    def lines_with_problems(self) -> int:
        return len({p.line for p in self.problems})

    @property
    def ok(self) -> bool:
        """Importable: rows to read and no problem (a file with only known ads is importable: it adds nothing)."""
        return self.rows > 0 and not self.problems


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    report: ImportReport
    first_date: dt.date | None
    last_date: dt.date | None


# --- reading the file ------------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _text_of(content: bytes, filename: str) -> str:
    if not content.strip():
        raise InvalidInput(f"{filename} is empty", field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{filename} is not UTF-8 text: save it as “CSV UTF-8” (Excel) or UTF-8 (other programs)",
            field="file",
        ) from exc
    if "\x00" in text:  # a binary file, or text no database column may hold (PostgreSQL refuses NUL)
        raise InvalidInput(f"{filename} is not a text file: it holds binary data", field="file")
    return text


def is_json_lines(filename: str) -> bool:
    return filename.lower().endswith((".jsonl", ".ndjson", ".json"))


def _parse_json_lines(text: str) -> _Parsed:
    parsed = _Parsed()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if limits.json_depth(line, stop_above=limits.MAX_JSON_DEPTH) > limits.MAX_JSON_DEPTH:
            # checked before json.loads, which would fail with RecursionError (issue 18)
            parsed.problems.append(RowProblem(number, "", limits.too_deep("the line").message))
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            parsed.problems.append(
                RowProblem(number, "", f"not valid JSON ({exc.msg.lower()} at character {exc.colno})")
            )
            continue
        if not isinstance(value, dict):
            parsed.problems.append(
                RowProblem(number, "", 'expected one job ad as a JSON object: {"date": …, "country": …}')
            )
            continue
        parsed.rows.append((number, {str(k).strip().lower(): v for k, v in value.items()}))
    return parsed


def _delimiter(header: str) -> str:
    """Comma, or the `;` (or tab) a spreadsheet wrote instead."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse_csv(text: str, filename: str) -> _Parsed:
    parsed = _Parsed()
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=False)
    header: list[str] | None = None
    for record in limits.csv_rows(reader, what=filename):  # rows, cells and field length limited (issue 18)
        end = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        start = end - sum(cell.count("\n") for cell in record)  # a quoted text may span lines
        if header is None:
            header = [cell.strip().lower() for cell in record]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise InvalidInput(
                    f"{filename}: the first line must name the columns id, date, country, title, text; "
                    f"missing: {', '.join(missing)}",
                    field="file",
                )
            continue
        if len(record) > len(header):
            extra = [c for c in record[len(header) :] if c.strip()]
            if extra:
                parsed.problems.append(
                    RowProblem(
                        start,
                        "",
                        f"{len(record)} values but {len(header)} columns: put a text that holds a "
                        f"{'comma' if reader.dialect.delimiter == ',' else 'separator'} in double quotes",
                    )
                )
                continue
        parsed.rows.append(
            (start, {name: value for name, value in zip(header, record, strict=False) if name})
        )
    if header is None:
        raise InvalidInput(f"{filename} is empty", field="file")
    return parsed


def parse_file(content: bytes, filename: str) -> _Parsed:
    """The rows with their line numbers, and the lines that cannot be read; InvalidInput for a file not to read."""
    text = _text_of(content, filename)
    return _parse_json_lines(text) if is_json_lines(filename) else _parse_csv(text, filename)


# --- checking the rows -----------------------------------------------------------------------


def _shown(value: Any, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_problem(error: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[str, str]:
    """One validation error of a row as (field, plain words)."""
    loc = [str(p) for p in error.get("loc", ())]
    name = loc[0] if loc else "row"
    kind = str(error.get("type", ""))
    value = values.get(name)
    empty = value is None or (isinstance(value, str) and not value.strip())
    limits = {"id": 120, "title": 300, "text": 100_000}
    if name in REQUIRED and (kind == "missing" or empty):
        return name, {"date": "the date is missing", "country": "the country is missing"}.get(
            name, f"the {name} is empty"
        )
    if kind == "string_too_long" and name in limits:
        return name, f"the {name} is too long: {len(str(value)):,} characters, at most {limits[name]:,}"
    if name == "date":
        return name, f"the date “{_shown(value)}” is not a date like 2026-07-01"
    if name == "country":
        return name, f"unknown country “{_shown(value)}”: use a two-letter code such as DE, FR or RO"
    if name in {"id", "title", "text"} and kind.endswith("_type"):
        return name, f"the {name} must be text"
    return name, f"{name}: {friendly_message(error)}"


def _normalised(values: dict[str, Any]) -> dict[str, Any]:
    row = dict(values)
    if isinstance(row.get("id"), int | float) and not isinstance(row.get("id"), bool):
        row["id"] = str(row["id"])  # JSON ids may be numbers
    if isinstance(row.get("id"), str) and not row["id"].strip():
        row["id"] = None
    return row


def check_rows(
    rows: list[tuple[int, dict[str, Any]]], today: dt.date
) -> tuple[list[tuple[int, JobAdIn]], list[RowProblem], list[RowProblem]]:
    """(line, ad) for every good row; every problem of every row; warnings that do not stop the import."""
    ads: list[tuple[int, JobAdIn]] = []
    problems: list[RowProblem] = []
    warnings: list[RowProblem] = []
    ids: dict[str, int] = {}
    for line, values in rows:
        row = _normalised(values)
        try:
            ad = JobAdIn.model_validate(row)
        except ValidationError as exc:
            seen: set[str] = set()
            for error in exc.errors():
                name, message = plain_problem(error, row)
                if name not in seen:
                    seen.add(name)
                    problems.append(RowProblem(line, name, message))
            continue
        if ad.date > today:
            problems.append(RowProblem(line, "date", f"the date {ad.date.isoformat()} is in the future"))
            continue
        if ad.id:
            if ad.id in ids:
                problems.append(
                    RowProblem(line, "id", f"duplicate id “{_shown(ad.id)}”: line {ids[ad.id]} has it too")
                )
                continue
            ids[ad.id] = line
        found = language.not_english(f"{ad.title}. {ad.text}")
        if found is not None:
            warnings.append(
                RowProblem(
                    line,
                    "text",
                    f"the text seems to be {found.name}: skills are found in English texts only, so this "
                    f"ad will add few skills to the demand figures",
                )
            )
        ads.append((line, ad))
    return ads, problems, warnings


def _known(db: Session, keys: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(keys), 900):
        known |= set(
            db.scalars(select(JobAd.fingerprint).where(JobAd.fingerprint.in_(keys[start : start + 900])))
        )
    return known


def preview_job_ads(
    *, db: Session, actor: Principal, content: bytes, filename: str, today: dt.date, sample: int = SAMPLE_ROWS
) -> ImportPreview:
    """What importing the file would do: counts, the first rows as read, every problem by line. Saves nothing."""
    authorize(actor, "intelligence.job_ads.import")
    parsed = parse_file(content, filename)
    ads, problems, warnings = check_rows(parsed.rows, today)
    preview = ImportPreview(
        filename=filename,
        rows=len(parsed.rows) + len({p.line for p in parsed.problems}),
        problems=sorted([*parsed.problems, *problems], key=lambda p: p.line or 0),
        warnings=warnings,
    )
    keys = {line: service.fingerprint(ad) for line, ad in ads}
    known = _known(db, sorted(set(keys.values())))
    status: dict[int, str] = {}
    counted: set[str] = set()
    for line, key in keys.items():
        if key in known:
            preview.known += 1
            status[line] = "imported before"
        elif key in counted:
            preview.repeated += 1
            status[line] = "twice in this file"
        else:
            counted.add(key)
            preview.new += 1
            status[line] = "new"
    if ads:
        preview.first_date = min(ad.date for _, ad in ads)
        preview.last_date = max(ad.date for _, ad in ads)
    good = dict(ads)
    for line, values in parsed.rows[:sample]:
        ad = good.get(line)
        shown = (
            {"id": ad.id or "", "date": ad.date.isoformat(), "country": ad.country, "title": ad.title,
             "text": ad.text}
            if ad is not None
            else {c: "" if values.get(c) is None else str(values.get(c)) for c in COLUMNS}
        )  # fmt: skip
        preview.sample.append(SampleRow(line, shown, status.get(line, "problem")))
    return preview


def import_file(
    *,
    db: Session,
    actor: Principal,
    content: bytes,
    filename: str,
    today: dt.date,
    make_extractor: Callable[[], service.Extractor],
    classify: Callable[[str], int | None] | None = None,
    progress: service.Progress | None = None,
    top: int = 15,
) -> ImportOutcome:
    """Imports the file in the caller's transaction if every row is good (the preview's rules); else nothing."""
    authorize(actor, "intelligence.job_ads.import")
    parsed = parse_file(content, filename)
    ads, problems, _ = check_rows(parsed.rows, today)
    problems = [*parsed.problems, *problems]
    if problems:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidInput(
            f"{len(problems)} problem(s), nothing imported: {shown}{more}. Check the file again.",
            field="file",
        )
    if not ads:
        raise InvalidInput(f"{filename} holds no job ads", field="file")
    report = service.import_job_ads(
        db=db,
        actor=actor,
        rows=[ad.model_dump() for _, ad in ads],
        extractor=make_extractor(),  # built only for a good file: the first build indexes the taxonomy
        today=today,
        source=filename[:200],
        progress=progress,
        classify=classify,
        top=top,
    )
    return ImportOutcome(report, min(ad.date for _, ad in ads), max(ad.date for _, ad in ads))


# --- the upload kept between the preview and the import --------------------------------------

UPLOAD_LIFE = dt.timedelta(hours=1)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def uploads_dir(data_dir: Path) -> Path:
    return data_dir / "uploads" / "job-ads"


def _paths(directory: Path, user_id: int, token: str) -> tuple[Path, Path, Path]:
    """The kept file, the same file while an import holds it, and its note (name, time kept)."""
    stem = f"{int(user_id)}-{token}"
    return directory / f"{stem}.upload", directory / f"{stem}.claimed", directory / f"{stem}.json"


def purge_uploads(directory: Path, now: dt.datetime) -> int:
    """Removes the kept uploads older than UPLOAD_LIFE; how many."""
    if not directory.is_dir():
        return 0
    removed = 0
    for meta in directory.glob("*.json"):
        try:
            kept_at = dt.datetime.fromisoformat(json.loads(meta.read_text(encoding="utf-8"))["kept_at"])
        except (OSError, ValueError, KeyError, TypeError):
            kept_at = None
        if kept_at is None or now - kept_at > UPLOAD_LIFE:
            meta.with_suffix(".upload").unlink(missing_ok=True)
            meta.with_suffix(".claimed").unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            removed += 1
    return removed


def keep_upload(directory: Path, *, user_id: int, filename: str, content: bytes, now: dt.datetime) -> str:
    """Keeps a checked file for its user's "Import" (for UPLOAD_LIFE); the token that names it."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    purge_uploads(directory, now)
    token = secrets.token_urlsafe(24)
    data, _, meta = _paths(directory, user_id, token)
    data.write_bytes(content)
    meta.write_text(json.dumps({"filename": filename, "kept_at": now.isoformat()}), encoding="utf-8")
    return token


def kept_upload(
    directory: Path, *, user_id: int, token: str, now: dt.datetime, claim: bool = False
) -> tuple[str, bytes]:
    """(file name, content) of the user's kept upload; InvalidInput when it is gone, expired or another's.

    `claim`: the import takes the file (an atomic rename), so that a second "Import" pressed meanwhile finds
    nothing to import; `release_upload` gives it back when the import failed, `discard_upload` removes it.
    """
    gone = InvalidInput(
        "the checked file is no longer kept (it was imported, or checked more than an hour ago): "
        "choose the file and check it again",
        field="file",
    )
    if not _TOKEN.match(token or ""):
        raise gone
    data, claimed, meta = _paths(directory, user_id, token)
    try:
        kept = json.loads(meta.read_text(encoding="utf-8"))
        kept_at = dt.datetime.fromisoformat(kept["kept_at"])
        if claim:
            data.rename(claimed)  # only one of two requests racing for the file gets it
            data = claimed
        content = data.read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        raise gone from None
    if now - kept_at > UPLOAD_LIFE:
        discard_upload(directory, user_id=user_id, token=token)
        raise gone
    return str(kept.get("filename") or "upload.csv"), content


def release_upload(directory: Path, *, user_id: int, token: str) -> None:
    """Gives a claimed upload back (the import failed), so that the user can try again."""
    if not _TOKEN.match(token or ""):
        return
    data, claimed, _ = _paths(directory, user_id, token)
    if claimed.exists():
        claimed.rename(data)


def discard_upload(directory: Path, *, user_id: int, token: str) -> None:
    if not _TOKEN.match(token or ""):
        return
    for path in _paths(directory, user_id, token):
        path.unlink(missing_ok=True)


# --- what was imported -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedFile:
    source: str
    ads: int
    first_imported: dt.datetime
    last_imported: dt.datetime


def recent_imports(db: Session, limit: int = 10) -> list[ImportedFile]:
    """The files job ads came from, the latest first, with how many ads each brought."""
    last = func.max(JobAd.imported_at)
    rows = db.execute(
        select(JobAd.source, func.count(), func.min(JobAd.imported_at), last)
        .group_by(JobAd.source)
        .order_by(last.desc())
        .limit(limit)
    ).all()
    return [ImportedFile(source or "(no file name)", n, first, latest) for source, n, first, latest in rows]


def ads_per_month(db: Session, today: dt.date, months: int = 12) -> list[tuple[dt.date, int]]:
    """(first day of the month, job ads posted in it) for the `months` months up to the newest ad's month."""
    newest = db.scalar(select(func.max(JobAd.posted_on))) or today
    year, month = newest.year, newest.month
    wanted = []
    for _ in range(months):
        wanted.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    wanted.reverse()
    start = dt.date(*wanted[0], 1)
    y, m = extract("year", JobAd.posted_on), extract("month", JobAd.posted_on)
    counts = {
        (int(a), int(b)): n
        for a, b, n in db.execute(
            select(y, m, func.count())
            .where(JobAd.posted_on >= start, JobAd.posted_on <= newest)
            .group_by(y, m)
        )
    }
    return [(dt.date(a, b, 1), counts.get((a, b), 0)) for a, b in wanted]


def total_ads(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(JobAd)) or 0
