"""Rules of the outcome ledger: recording, correcting and importing events, and the monthly summaries.

Other domains record their outcomes with `record_event` (or `record_for_person`) inside their own
transaction; the KPI report itself lives in `kpi.report`.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import hmac
import io
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from skillatlas import geo, limits, spreadsheets
from skillatlas.alliance.models import Organisation
from skillatlas.auth.permissions import Principal, authorize
from skillatlas.errors import Conflict, InvalidInput, NotFound
from skillatlas.kpi import policy  # noqa: F401  (registers the rules)
from skillatlas.kpi.models import MonthlyCount, MonthlySkillCount, OutcomeEvent, OutcomeKind
from skillatlas.validation import field_and_message

# The key of the pseudonyms, so that a person's id cannot be recovered from the ledger by hashing every
# id: SKILLATLAS_KPI_PSEUDONYM_KEY, or else a random key made on first use in the data directory (0600).
PSEUDONYM_KEY_FILE = "kpi-pseudonym.key"
NO_REGION = ""
NO_ORGANISATION = 0
MAX_IMPORT_ERRORS = 10


def pseudonym(person_id: int) -> str:
    """The ledger's id for a person: a keyed hash of their id, the same every time, never their name."""
    return "p-" + hmac.new(_pseudonym_key(), str(person_id).encode(), hashlib.sha256).hexdigest()[:24]


def _pseudonym_key() -> bytes:
    configured = os.environ.get("SKILLATLAS_KPI_PSEUDONYM_KEY")
    if configured:
        return configured.encode()
    from skillatlas.config import get_settings

    return _key_file(get_settings().data_dir.resolve() / PSEUDONYM_KEY_FILE)


@functools.cache
def _key_file(path: Path) -> bytes:
    """The key stored at `path`, made (random, readable by the owner only) when it does not exist yet."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


def month_of(day: dt.date) -> dt.date:
    """The first day of the day's month: the key of the monthly summaries."""
    return day.replace(day=1)


# --- keeping the summaries in step with the ledger ------------------------------------------------


def _upsert(db: Session, table: Any, keys: Sequence[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={"count": table.c.count + statement.excluded["count"]}
    )
    for start in range(0, len(rows), 5000):
        db.execute(statement, rows[start : start + 5000])


def _bump_summaries(db: Session, events: Iterable[dict[str, Any]]) -> None:
    """Adds the events' signs to the monthly summaries (one upsert per touched summary row)."""
    counts: Counter[tuple[Any, ...]] = Counter()
    skills: Counter[tuple[Any, ...]] = Counter()
    for e in events:
        where = (e["country"], e.get("nuts_region") or NO_REGION, e.get("organisation_id") or NO_ORGANISATION)
        month = month_of(e["occurred_on"])
        counts[(month, str(e["kind"]), *where)] += e.get("sign", 1)
        for uri in set(e.get("skills") or ()):
            skills[(month, uri, *where)] += e.get("sign", 1)
    _upsert(
        db,
        MonthlyCount.__table__,
        ("month", "kind", "country", "nuts_region", "organisation_id"),
        [
            {
                "month": k[0],
                "kind": k[1],
                "country": k[2],
                "nuts_region": k[3],
                "organisation_id": k[4],
                "count": n,
            }
            for k, n in counts.items()
        ],
    )
    _upsert(
        db,
        MonthlySkillCount.__table__,
        ("month", "skill_uri", "country", "nuts_region", "organisation_id"),
        [
            {
                "month": k[0],
                "skill_uri": k[1],
                "country": k[2],
                "nuts_region": k[3],
                "organisation_id": k[4],
                "count": n,
            }
            for k, n in skills.items()
        ],
    )


def rebuild_summaries(*, db: Session) -> int:
    """Recomputes the monthly summaries from the ledger (set-based); the number of summary rows."""
    from sqlalchemy import delete

    db.execute(delete(MonthlyCount))
    db.execute(delete(MonthlySkillCount))
    statement = select(
        OutcomeEvent.kind,
        OutcomeEvent.occurred_on,
        OutcomeEvent.country,
        OutcomeEvent.nuts_region,
        OutcomeEvent.organisation_id,
        OutcomeEvent.sign,
        OutcomeEvent.skills,
    ).execution_options(yield_per=50_000)
    batch: list[dict[str, Any]] = []
    for row in db.execute(statement):
        batch.append(row._asdict())
        if len(batch) >= 200_000:
            _bump_summaries(db, batch)
            batch = []
    _bump_summaries(db, batch)
    return db.scalar(select(func.count()).select_from(MonthlyCount)) or 0


# --- recording ------------------------------------------------------------------------------------


def record_event(
    *,
    db: Session,
    kind: OutcomeKind | str,
    occurred_on: dt.date,
    country: str,
    source: str,
    nuts_region: str | None = None,
    organisation_id: int | None = None,
    person_id: int | None = None,
    person_ref: str | None = None,
    skills: Sequence[str] = (),
    source_ref: str | None = None,
    external_id: str | None = None,
) -> OutcomeEvent:
    """Appends one outcome to the ledger and its monthly summaries, in the caller's transaction.

    For other domains, called right after the change it counts (which has passed its own permission
    check, so this function checks none):

        kpi_service.record_event(db=db, kind=OutcomeKind.DEVELOPMENT_PLAN, occurred_on=plan.agreed_on,
            country=person.country or org.country, nuts_region=person.nuts_region,
            organisation_id=person.employer_id, person_id=person.id,
            source="learning", source_ref=f"plan:{plan.id}")

    `kind`: upskilled, new_job (pass `skills`: the job's ESCO URIs), development_plan, certification,
    new_position, stakeholder_joined. `person_id` is stored only as a pseudonym (`pseudonym`); members'
    imports pass their own pseudonymous `person_ref`. Never commits; never edits: see `correct_event`.
    """
    kind = OutcomeKind(kind)
    try:
        country = geo.normalise_country(country)
        region = geo.normalise_nuts(nuts_region, country) if nuts_region else None
    except ValueError as exc:
        raise InvalidInput(str(exc), field="country") from exc
    ref = person_ref if person_ref is not None else (pseudonym(person_id) if person_id is not None else None)
    event = OutcomeEvent(
        kind=kind,
        occurred_on=occurred_on,
        person_ref=ref,
        organisation_id=organisation_id,
        country=country,
        nuts_region=region,
        skills=list(dict.fromkeys(skills)) if kind == OutcomeKind.NEW_JOB else [],
        sign=1,
        source=source,
        source_ref=source_ref,
        external_id=external_id,
    )
    db.add(event)
    db.flush()
    _bump_summaries(db, [_as_row(event)])
    return event


def record_for_person(
    *,
    db: Session,
    kind: OutcomeKind | str,
    person: Any,
    occurred_on: dt.date,
    source: str,
    source_ref: str | None = None,
    organisation: Organisation | None = None,
) -> OutcomeEvent | None:
    """Records a person's outcome: their employer (else `organisation`), their country and region.

    Returns None, recording nothing, when neither the person nor an organisation gives a country.
    """
    employer = person.employer or organisation
    country = person.country or (employer.country if employer else None)
    if not country:
        return None
    region = person.nuts_region if person.country else (employer.nuts_region if employer else None)
    return record_event(
        db=db,
        kind=kind,
        occurred_on=occurred_on,
        country=country,
        nuts_region=region,
        organisation_id=employer.id if employer else None,
        person_id=person.id,
        source=source,
        source_ref=source_ref,
    )


def record_stakeholder(
    *, db: Session, organisation: Organisation, occurred_on: dt.date
) -> OutcomeEvent | None:
    """Records a member organisation joining the alliance (partners that are not members are not counted)."""
    if not organisation.is_member:
        return None
    return record_event(
        db=db,
        kind=OutcomeKind.STAKEHOLDER_JOINED,
        occurred_on=organisation.joined_on or occurred_on,
        country=organisation.country,
        nuts_region=organisation.nuts_region,
        organisation_id=organisation.id,
        source="alliance",
        source_ref=f"organisation:{organisation.slug}",
    )


def _as_row(event: OutcomeEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "occurred_on": event.occurred_on,
        "country": event.country,
        "nuts_region": event.nuts_region,
        "organisation_id": event.organisation_id,
        "sign": event.sign,
        "skills": event.skills,
    }


def get_event(*, db: Session, event_id: int) -> OutcomeEvent:
    """The event, or NotFound."""
    event = db.get(OutcomeEvent, event_id)
    if event is None:
        raise NotFound(f"no outcome event {event_id}", field="event")
    return event


def correct_event(*, db: Session, actor: Principal, event_id: int, reason: str = "") -> OutcomeEvent:
    """Cancels an event by appending its compensating event (sign -1); the original stays as it was."""
    original = get_event(db=db, event_id=event_id)
    authorize(actor, "kpi.events.correct", organisation_id=original.organisation_id)
    if original.sign < 0:
        raise Conflict("this event is itself a correction and cannot be corrected", field="event")
    if db.scalar(select(OutcomeEvent.id).where(OutcomeEvent.corrects_id == original.id)) is not None:
        raise Conflict(f"event {original.id} was corrected already", field="event")
    correction = OutcomeEvent(
        kind=original.kind,
        occurred_on=original.occurred_on,
        person_ref=original.person_ref,
        organisation_id=original.organisation_id,
        country=original.country,
        nuts_region=original.nuts_region,
        skills=list(original.skills or []),
        sign=-1,
        corrects_id=original.id,
        source="correction",
        source_ref=(reason or "")[:200] or None,
    )
    db.add(correction)
    db.flush()
    _bump_summaries(db, [_as_row(correction)])
    return correction


def list_events(
    *,
    db: Session,
    actor: Principal,
    organisation_id: int | None = None,
    kind: OutcomeKind | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[OutcomeEvent]:
    """The newest events: the office sees all, an organisation's manager only their organisation's."""
    authorize(actor, "kpi.events.read", organisation_id=organisation_id)
    statement = select(OutcomeEvent).order_by(OutcomeEvent.id.desc()).limit(limit).offset(offset)
    if organisation_id is not None:
        statement = statement.where(OutcomeEvent.organisation_id == organisation_id)
    if kind is not None:
        statement = statement.where(OutcomeEvent.kind == kind)
    found = list(db.scalars(statement))
    _withhold_pseudonyms(db, actor, organisation_id, found)
    return found


PLATFORM_REF = re.compile(r"p-[0-9a-f]{24}")  # what `pseudonym` makes (members' own refs are theirs)


def _withhold_pseudonyms(
    db: Session, actor: Principal, organisation_id: int | None, events: list[OutcomeEvent]
) -> None:
    """An organisation's managers see a platform person's pseudonym on an event only while the person lets
    their outcomes be shared outside the alliance office (`share_kpis`, rule `kpi.events.person_ref`): the
    pseudonyms of its consenting staff are computed, every other one is left out of the answer (the event
    still counts). The rows themselves never change: withheld ones leave the Session first."""
    from skillatlas.auth.permissions import consent_decides
    from skillatlas.people.models import Person
    from skillatlas.privacy import service as privacy
    from skillatlas.privacy.models import ConsentPurpose

    purpose = ConsentPurpose.SHARE_KPIS
    if organisation_id is None or not events:
        return
    if consent_decides(actor, "kpi.events.person_ref", purpose, organisation_id=organisation_id) is False:
        return
    staff = select(Person.id).where(Person.employer_id == organisation_id)
    shared = {
        pseudonym(p) for p in db.scalars(staff.where(Person.id.in_(privacy.consenting_ids(purpose, staff))))
    }
    for event in events:
        ref = event.person_ref
        if (
            ref
            and event.source not in ("import", "demo")
            and PLATFORM_REF.fullmatch(ref)
            and ref not in shared
        ):
            db.expunge(event)
            event.person_ref = None


# --- import from members' own systems ---------------------------------------------------------------

COLUMNS = (
    "external_id",
    "kind",
    "occurred_on",
    "organisation",
    "country",
    "nuts_region",
    "person_ref",
    "skills",
)


class ImportRow(BaseModel):
    """One row of an import file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=119)
    kind: OutcomeKind
    occurred_on: dt.date
    organisation: str = Field(min_length=1, max_length=80)
    country: str | None = Field(default=None, max_length=2)
    nuts_region: str | None = Field(default=None, max_length=5)
    person_ref: str | None = Field(default=None, max_length=64)
    skills: list[str] = Field(default_factory=list)
    source_ref: str | None = Field(default=None, max_length=200)

    @field_validator("skills", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [s for s in value.replace(";", " ").replace(",", " ").split() if s]
        return value

    @field_validator("country", "nuts_region", "person_ref", "source_ref", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if value is None or (isinstance(value, str) and not value.strip()) else value


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    rows: int = 0
    added: int = 0
    already_imported: int = 0
    dry_run: bool = False
    by_kind: dict[str, int] = field(default_factory=dict)


def _read_rows(filename: str, content: bytes) -> list[dict[str, Any]]:
    if filename.lower().endswith(".xlsx"):
        # read in a worker process within the limits (issue 18: openpyxl holds the GIL for seconds)
        values = [["" if c is None else c for c in row] for row in spreadsheets.read_xlsx(content)]
        if not values:
            return []
        header = [str(h).strip() for h in values[0]]
        return [
            dict(zip(header, row, strict=False)) for row in values[1:] if any(str(c).strip() for c in row)
        ]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the file is not UTF-8 text (CSV) nor an .xlsx workbook", field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    for row in limits.csv_rows(reader):
        if None in row:
            raise InvalidInput(
                f"nothing was imported: row {reader.line_num}: more cells than columns", field="file"
            )
        if any((v or "").strip() for v in row.values()):
            rows.append(row)
    return rows


def import_events(
    *, db: Session, actor: Principal, filename: str, content: bytes, today: dt.date, dry_run: bool = False
) -> ImportReport:
    """Imports outcome events from a member's CSV or XLSX file: every row is valid, or nothing is counted.

    Columns: external_id, kind, occurred_on (YYYY-MM-DD), organisation (slug), and optionally country and
    nuts_region (default: the organisation's), person_ref (the member's pseudonymous id), skills (ESCO
    URIs separated by spaces or semicolons, for new_job), source_ref. An external_id the organisation
    imported before is skipped, so importing the same file twice counts each event once.
    """
    authorize(actor, "kpi.events.import")
    raw = _read_rows(filename, content)
    if not raw:
        raise InvalidInput("the file holds no events", field="file")
    unknown = sorted({k for k in raw[0] if k not in (*COLUMNS, "source_ref")})
    if unknown or "external_id" not in raw[0]:
        raise InvalidInput(
            f"unknown columns {', '.join(unknown)}; expected {', '.join(COLUMNS)}" if unknown
            else f"missing column external_id; expected {', '.join(COLUMNS)}",
            field="file",
        )  # fmt: skip
    organisations = {
        o.slug: o
        for o in db.scalars(
            select(Organisation).where(
                Organisation.slug.in_({str(r.get("organisation") or "").strip() for r in raw})
            )
        )
    }
    errors: list[str] = []
    parsed: list[tuple[ImportRow, Organisation]] = []
    seen: set[str] = set()
    for number, row in enumerate(raw, start=2):
        try:
            item = ImportRow.model_validate(_cells(row))
        except ValidationError as exc:
            name, message = field_and_message(exc.errors()[0])
            errors.append(f"row {number}: {name}: {message}")
            continue
        organisation = organisations.get(item.organisation)
        problem = None
        if organisation is None:
            problem = f"unknown organisation {item.organisation!r}"
        elif item.occurred_on > today:
            problem = f"occurred_on {item.occurred_on.isoformat()} is in the future"
        elif _key(organisation, item) in seen:
            problem = f"external_id {item.external_id!r} appears twice in the file"
        else:
            try:
                country = geo.normalise_country(item.country or organisation.country)
                region = item.nuts_region or (organisation.nuts_region if not item.country else None)
                if region:
                    geo.normalise_nuts(region, country)
            except ValueError as exc:
                problem = str(exc)
        if problem:
            errors.append(f"row {number}: {problem}")
            continue
        assert organisation is not None
        seen.add(_key(organisation, item))
        parsed.append((item, organisation))
    if errors:
        more = f" (and {len(errors) - MAX_IMPORT_ERRORS} more)" if len(errors) > MAX_IMPORT_ERRORS else ""
        raise InvalidInput(
            f"nothing was imported: {'; '.join(errors[:MAX_IMPORT_ERRORS])}{more}", field="file"
        )
    for organisation_id in sorted({o.id for _, o in parsed}):
        authorize(actor, "kpi.events.import", organisation_id=organisation_id)
    existing: set[str] = set()
    ids = [_key(organisation, item) for item, organisation in parsed]
    for start in range(0, len(ids), 5000):
        existing.update(
            db.scalars(
                select(OutcomeEvent.external_id).where(
                    OutcomeEvent.external_id.in_(ids[start : start + 5000])
                )
            )
        )
    report = ImportReport(rows=len(parsed), dry_run=dry_run)
    new_rows: list[dict[str, Any]] = []
    for item, organisation in parsed:
        if _key(organisation, item) in existing:
            report.already_imported += 1
            continue
        country = geo.normalise_country(item.country or organisation.country)
        region = item.nuts_region or (organisation.nuts_region if not item.country else None)
        new_rows.append(
            {
                "kind": item.kind.value,
                "occurred_on": item.occurred_on,
                "person_ref": item.person_ref,
                "organisation_id": organisation.id,
                "country": country,
                "nuts_region": geo.normalise_nuts(region, country) if region else None,
                "skills": item.skills if item.kind == OutcomeKind.NEW_JOB else [],
                "sign": 1,
                "source": "import",
                "source_ref": item.source_ref or filename[:200],
                "external_id": _key(organisation, item),
            }
        )
        report.by_kind[item.kind.value] = report.by_kind.get(item.kind.value, 0) + 1
    report.added = len(new_rows)
    if not dry_run:
        insert_events(db=db, rows=new_rows)
    return report


def _key(organisation: Organisation, item: ImportRow) -> str:
    """The ledger's external id: the member's own id, under the organisation (two members may both use "1")."""
    return f"{organisation.slug}/{item.external_id}"


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for key, value in row.items():
        if key == "occurred_on":
            cells[key] = _date_cell(value)
        elif value is not None and str(value).strip():
            cells[key] = str(value).strip()
    return cells


def _date_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else str(value).strip()


def insert_events(*, db: Session, rows: list[dict[str, Any]], batch: int = 20_000) -> int:
    """Bulk-appends already validated events (Core executemany) and their summaries; the number added."""
    from skillatlas.db import utcnow

    now = utcnow()
    for start in range(0, len(rows), batch):
        chunk = [{**r, "recorded_at": r.get("recorded_at", now)} for r in rows[start : start + batch]]
        db.execute(insert(OutcomeEvent), chunk)
    _bump_summaries(db, rows)
    return len(rows)
