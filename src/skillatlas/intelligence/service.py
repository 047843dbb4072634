"""Rules of market intelligence: skills in texts, job ads imported in bulk, demand, trends and gaps."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import extract, func, insert, select
from sqlalchemy.orm import Session

from skillatlas import limits
from skillatlas.auth.permissions import Principal, authorize
from skillatlas.errors import InvalidInput, TooLarge
from skillatlas.intelligence import policy  # noqa: F401  (registers the rules)
from skillatlas.intelligence.models import JobAd, JobAdSkill
from skillatlas.intelligence.schemas import (
    DemandReport,
    ExtractedSkillRead,
    ImportReport,
    JobAdIn,
    RisingSkill,
    SkillDemand,
)
from skillatlas.taxonomy.models import Skill
from skillatlas.validation import field_and_message

MAX_PROBLEMS = 50
Progress = Callable[[int], None]


class Extractor(Protocol):
    """What the intelligence service needs from a skill extractor."""

    def extract(self, text: str, k: int = 20) -> Sequence[Any]: ...


# Other domains tell how many of a skill they supply (listed experts, courses teaching it): name -> counter.
SupplyCounter = Callable[[Session, list[int]], dict[int, int]]
SUPPLY_SOURCES: dict[str, SupplyCounter] = {}


def register_supply_source(name: str, counter: SupplyCounter) -> None:
    """Adds a source of skill supply to the demand-versus-supply comparison."""
    SUPPLY_SOURCES[name] = counter


def extract_skills(
    *, db: Session, extractor: Extractor, text: str, top: int = 20, check_language: bool = False
) -> list[ExtractedSkillRead]:
    """The skills a text mentions or implies, ranked, each with its evidence and its id in the taxonomy.

    TooLarge beyond limits.MAX_EXTRACT_CHARS: every door (API, page, CLI) says so in the same words.
    With `check_language`, a text the language check is sure is not English raises
    `language.OtherLanguage` (naming the language) instead of giving English skills guessed from foreign
    words; the extraction doors (API, page, JSONL CLI) ask for it unless the user says "anyway"."""
    if len(text) > limits.MAX_EXTRACT_CHARS:
        raise TooLarge(
            f"text: the text has {len(text):,} characters; at most {limits.MAX_EXTRACT_CHARS:,} are read",
            field="text",
        )
    if check_language:
        from skillatlas.intelligence.language import check_english

        check_english(text)
    found = extractor.extract(text, k=top)
    ids = dict(db.execute(select(Skill.uri, Skill.id).where(Skill.uri.in_([s.uri for s in found]))).all())
    return [
        ExtractedSkillRead(
            uri=s.uri, label=s.label, score=s.score, evidence=s.evidence, skill_id=ids.get(s.uri)
        )
        for s in found
    ]


# --- reading import files --------------------------------------------------------------------


def read_rows(content: bytes, filename: str) -> list[dict[str, Any]]:
    """The rows of a CSV file (header: date,country,title,text[,id]) or a JSON-lines file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{filename}: not UTF-8 text", field="file") from exc
    if "\x00" in text:  # a binary file (or a text no database column may hold: PostgreSQL refuses NUL)
        raise InvalidInput(f"{filename}: a binary file, not text (it holds NUL bytes)", field="file")
    if filename.lower().endswith((".jsonl", ".ndjson", ".json")):
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:  # nesting checked before json.loads, which would fail with RecursionError (issue 18)
                value = limits.loads(line, what=f"{filename} line {number}", field="file")
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"{filename} line {number}: not JSON ({exc.msg})", field="file") from exc
            if not isinstance(value, dict):
                raise InvalidInput(f"{filename} line {number}: expected a JSON object", field="file")
            rows.append(value)
        return rows
    reader = limits.DictReader(io.StringIO(text), what=filename)  # rows, cells and field length limited
    missing = {"date", "country", "title", "text"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(f"{filename}: missing column(s) {', '.join(sorted(missing))}", field="file")
    return list(reader)


def validate_rows(rows: Iterable[dict[str, Any]], today: dt.date) -> tuple[list[JobAdIn], list[str]]:
    """Every row checked; the problems name the row and the field."""
    ads: list[JobAdIn] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        try:
            ad = JobAdIn.model_validate(row)
        except ValidationError as exc:
            for error in exc.errors()[:3]:
                field, message = field_and_message(error)
                problems.append(f"row {number}: {field}: {message}")
            continue
        if ad.date > today:
            problems.append(f"row {number}: date: {ad.date} is in the future")
            continue
        ads.append(ad)
    return ads, problems


def fingerprint(ad: JobAdIn) -> str:
    """Identity of an ad across imports: its own id if it has one, else its content."""
    basis = f"id:{ad.id}" if ad.id else f"{ad.date}|{ad.country}|{ad.title}|{ad.text}"
    return hashlib.sha256(basis.encode()).hexdigest()


def confident(found: Sequence[Any], min_score: float, relative: float) -> list[Any]:
    """The skills worth counting as demand: scores are relative to the text, so keep those near its best."""
    if not found:
        return []
    floor = max(min_score, relative * max(s.score for s in found))
    return [s for s in found if s.score >= floor]


def demand_cut(extractor: Any) -> tuple[float, float]:
    """The extractor's own cut for demand (`confident`): the lowest score counted and the share of a text's
    best score, from its settings (the trained model's floor is calibrated: `match_strength.demand_floor`)."""
    from skillatlas.intelligence.extraction import ExtractionSettings

    settings = getattr(extractor, "settings", None) or ExtractionSettings()
    default = ExtractionSettings()
    return (
        float(getattr(settings, "demand_floor", default.demand_floor)),
        float(getattr(settings, "demand_relative", default.demand_relative)),
    )


# --- importing -------------------------------------------------------------------------------


def import_job_ads(
    *,
    db: Session,
    actor: Principal,
    rows: list[dict[str, Any]],
    extractor: Extractor | None,
    today: dt.date,
    source: str = "",
    top: int = 15,
    min_score: float | None = None,
    relative: float | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    classify: Callable[[str], int | None] | None = None,
) -> ImportReport:
    """Imports job ads with the skills they ask for; any bad row refuses the whole file."""
    authorize(actor, "intelligence.job_ads.import")
    ads, problems = validate_rows(rows, today)
    if problems:
        if dry_run:
            return ImportReport(
                rows=len(rows), imported=0, duplicates=0, skills_found=0, problems=problems, dry_run=True
            )
        shown = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        raise InvalidInput(f"{len(problems)} problem(s), nothing imported: {shown}", field="file")
    unique = {fingerprint(ad): ad for ad in ads}
    known = set()
    keys = list(unique)
    for start in range(0, len(keys), 900):
        known |= set(
            db.scalars(select(JobAd.fingerprint).where(JobAd.fingerprint.in_(keys[start : start + 900])))
        )
    fresh = [(key, ad) for key, ad in unique.items() if key not in known]
    duplicates = len(ads) - len(fresh)
    if dry_run:
        return ImportReport(
            rows=len(rows), imported=len(fresh), duplicates=duplicates, skills_found=0, dry_run=True
        )
    if extractor is None:
        raise InvalidInput("an import that saves needs the skill extractor", field="extractor")
    skill_ids = dict(db.execute(select(Skill.uri, Skill.id)).all())
    found = 0
    # the extractor's own cut unless the caller names one: its settings know its score scale
    own_floor, own_relative = demand_cut(extractor)
    min_score = own_floor if min_score is None else min_score
    relative = own_relative if relative is None else relative
    for key, ad in fresh:
        job_ad = JobAd(
            fingerprint=key, external_id=ad.id, posted_on=ad.date, country=ad.country, title=ad.title, text=ad.text,
            source=source, occupation_id=classify(ad.title) if classify else None,
        )  # fmt: skip
        db.add(job_ad)
        db.flush()
        extracted = confident(extractor.extract(f"{ad.title}.\n{ad.text}", k=top), min_score, relative)
        links = {}
        for skill in extracted:
            skill_id = skill_ids.get(skill.uri)
            if skill_id is not None and skill_id not in links:
                links[skill_id] = {"job_ad_id": job_ad.id, "skill_id": skill_id, "score": skill.score,
                                   "evidence": skill.evidence[:2000]}  # fmt: skip
        if links:
            db.execute(insert(JobAdSkill), list(links.values()))
            found += len(links)
        if progress:
            progress(1)
    return ImportReport(rows=len(rows), imported=len(fresh), duplicates=duplicates, skills_found=found)


# --- demand ----------------------------------------------------------------------------------


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def demand_report(
    *,
    db: Session,
    start: dt.date,
    end: dt.date,
    country: str | None = None,
    occupation_id: int | None = None,
    limit: int = 20,
    trend_skills: int = 5,
) -> DemandReport:
    """The most demanded skills in a period, their monthly course, the rising ones and the supply beside them."""
    if end < start:
        raise InvalidInput("end: the end date is before the start date", field="end")
    filters = [JobAd.posted_on >= start, JobAd.posted_on <= end]
    if country:
        filters.append(JobAd.country == country.upper())
    if occupation_id is not None:
        filters.append(JobAd.occupation_id == occupation_id)
    # Ads classified at scale count through their monthly aggregates (intelligence/demand.py), whole months.
    from skillatlas.intelligence import demand

    agg = (start.replace(day=1), end, country, occupation_id)
    total = db.scalar(select(func.count()).select_from(JobAd).where(*filters)) or 0
    total += demand.total_ads(db, *agg)
    merged = _ad_counts(db, filters)
    for i, n in demand.ads_per_skill(db, *agg).items():
        merged[i] = merged.get(i, 0) + n
    # Names are read for the skills shown alone (and those tied with the last of them: ties go by name).
    names = _names(db, _leaders(merged, limit))
    ranked = sorted(((i, *names[i], merged[i]) for i in names), key=lambda r: (-r[3], r[2]))
    rows = ranked[:limit]
    top_ids = [r[0] for r in rows]
    supply = _supply(db, top_ids)
    top = [
        SkillDemand(skill_id=i, uri=u, label=label, ads=n, share=round(n / total, 4) if total else 0.0,
                    supply={name: counts.get(i, 0) for name, counts in supply.items()})
        for i, u, label, n in rows
    ]  # fmt: skip
    months = _months(start, end)
    year, month = extract("year", JobAd.posted_on), extract("month", JobAd.posted_on)
    per_month = {(int(y), int(m)): n for y, m, n in db.execute(
        select(year, month, func.count()).where(*filters).group_by(year, month)
    )}  # fmt: skip
    for ym, n in demand.monthly_ads(db, *agg).items():
        per_month[ym] = per_month.get(ym, 0) + n
    trend_ids = top_ids[:trend_skills]
    monthly: dict[str, list[int]] = {}
    if trend_ids:
        counts: dict[tuple[int, int, int], int] = {}
        for skill_id, y, m, n in db.execute(
            select(JobAdSkill.skill_id, year, month, func.count())
            .join(JobAd, JobAd.id == JobAdSkill.job_ad_id)
            .where(*filters, JobAdSkill.skill_id.in_(trend_ids))
            .group_by(JobAdSkill.skill_id, year, month)
        ):
            counts[(skill_id, int(y), int(m))] = n
        for key, n in demand.monthly_skill_ads(db, *agg, trend_ids).items():
            counts[key] = counts.get(key, 0) + n
        labels = {d.skill_id: d.label for d in top}
        monthly = {labels[i]: [counts.get((i, y, m), 0) for y, m in months] for i in trend_ids}
    return DemandReport(
        start=start,
        end=end,
        country=country.upper() if country else None,
        occupation_id=occupation_id,
        total_ads=total,
        top=top,
        months=[f"{y}-{m:02d}" for y, m in months],
        monthly_ads=[per_month.get(ym, 0) for ym in months],
        monthly=monthly,
        rising=rising_skills(db=db, end=end, country=country, occupation_id=occupation_id),
        supply_sources=sorted(SUPPLY_SOURCES),
    )


def _supply(db: Session, skill_ids: list[int]) -> dict[str, dict[int, int]]:
    return {name: counter(db, skill_ids) for name, counter in sorted(SUPPLY_SOURCES.items())}


def _shares(
    db: Session, filters: list[Any], aggregates: tuple[dt.date, dt.date, str | None, int | None]
) -> tuple[int, dict[int, int]]:
    """Ads and ads per skill: the ad-level rows under `filters` plus the aggregated months in `aggregates`."""
    from skillatlas.intelligence import demand

    total = db.scalar(select(func.count()).select_from(JobAd).where(*filters)) or 0
    counts = _ad_counts(db, filters)
    for i, n in demand.ads_per_skill(db, *aggregates).items():
        counts[i] = counts.get(i, 0) + n
    return total + demand.total_ads(db, *aggregates), counts


def _ad_counts(db: Session, filters: list[Any]) -> dict[int, int]:
    """skill id -> imported ads under `filters` asking for it."""
    rows = db.execute(
        select(JobAdSkill.skill_id, func.count())
        .join(JobAd, JobAd.id == JobAdSkill.job_ad_id)
        .where(*filters)
        .group_by(JobAdSkill.skill_id)
    )
    return {int(i): int(n) for i, n in rows}


def _leaders(values: dict[int, Any], limit: int) -> list[int]:
    """The ids of the `limit` largest values, and of every value tied with the last of them."""
    if len(values) <= limit:
        return list(values)
    cut = sorted(values.values(), reverse=True)[limit - 1]
    return [i for i, v in values.items() if v >= cut]


def _names(db: Session, skill_ids: list[int]) -> dict[int, tuple[str, str]]:
    """skill id -> (uri, preferred label), read in batches of ids."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(skill_ids), 900):
        batch = skill_ids[start : start + 900]
        found.update(
            (i, (u, label))
            for i, u, label in db.execute(
                select(Skill.id, Skill.uri, Skill.preferred_label).where(Skill.id.in_(batch))
            )
        )
    return found


def rising_skills(
    *,
    db: Session,
    end: dt.date,
    window_days: int = 90,
    country: str | None = None,
    occupation_id: int | None = None,
    min_ads: int = 3,
    limit: int = 10,
) -> list[RisingSkill]:
    """Skills whose share of ads grew most from the window before to the window ending at `end`."""
    recent_start = end - dt.timedelta(days=window_days - 1)
    earlier_start = recent_start - dt.timedelta(days=window_days)
    base: list[Any] = []
    if country:
        base.append(JobAd.country == country.upper())
    if occupation_id is not None:
        base.append(JobAd.occupation_id == occupation_id)
    recent_total, recent = _shares(
        db,
        [*base, JobAd.posted_on >= recent_start, JobAd.posted_on <= end],
        (recent_start, end, country, occupation_id),
    )
    earlier_total, earlier = _shares(
        db,
        [*base, JobAd.posted_on >= earlier_start, JobAd.posted_on < recent_start],
        (earlier_start, recent_start - dt.timedelta(days=1), country, occupation_id),
    )
    if not recent_total or not earlier_total:
        return []
    shares: dict[int, tuple[float, float, float]] = {}
    for skill_id, n in recent.items():
        if n < min_ads:
            continue
        recent_share = round(n / recent_total, 4)
        earlier_share = round(earlier.get(skill_id, 0) / earlier_total, 4)
        change = round(n / recent_total - earlier.get(skill_id, 0) / earlier_total, 4)
        if change > 0:
            shares[skill_id] = (recent_share, earlier_share, change)
    # Names are read for the risers shown alone (and those tied with the last of them: ties go by name).
    names = _names(db, _leaders({i: v[2] for i, v in shares.items()}, limit))
    changes = [
        RisingSkill(skill_id=i, uri=names[i][0], label=names[i][1], recent_share=shares[i][0],
                    earlier_share=shares[i][1], change=shares[i][2])
        for i in names
    ]  # fmt: skip
    changes.sort(key=lambda r: (-r.change, r.label))
    return changes[:limit]


# The sources of supply register themselves on import (they live in the experts and learning domains).
from skillatlas.intelligence import supply as _supply_sources  # noqa: E402, F401
