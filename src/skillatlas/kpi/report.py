"""The alliance's six KPIs for any period, with every breakdown, coverage and progress against the ambition.

Whole months come from the monthly summaries, the days of a partial month at either end from the ledger
itself, so any period is exact. `source="ledger"` recomputes everything from the raw ledger (the naive way,
kept for the benchmark and the tests: both must give the same report).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from skillatlas import geo
from skillatlas.alliance.models import Committee, Group, GroupCommittee, GroupMembership, Organisation
from skillatlas.errors import InvalidInput, NotFound
from skillatlas.kpi.models import MonthlyCount, MonthlySkillCount, OutcomeEvent, OutcomeKind
from skillatlas.kpi.service import NO_ORGANISATION, NO_REGION

KPIS: dict[str, str] = {
    OutcomeKind.UPSKILLED: "Workers re-oriented and upskilled",
    OutcomeKind.NEW_JOB: "New jobs created",
    OutcomeKind.DEVELOPMENT_PLAN: "Agreed personal development plans",
    OutcomeKind.CERTIFICATION: "Successful training certifications",
    OutcomeKind.NEW_POSITION: "Workers entering a new or revised job position",
    OutcomeKind.STAKEHOLDER_JOINED: "Stakeholders joined",
}
DIMENSIONS: dict[str, str] = {
    "country": "Country",
    "region": "NUTS region",
    "organisation": "Member organisation",
    "type": "Member type",
    "committee": "Topic committee",
    "group": "Group",
}
# Group and committee buckets overlap (an organisation may take part in several groups): an event counts
# once in each of its organisation's groups. The other breakdowns partition the total exactly.
PARTITIONS = ("country", "region", "organisation", "type")
AMBITION_SHARE = 0.05
NONE = "(none)"
Source = Literal["summary", "ledger"]


# --- the workforce: configurable data ---------------------------------------------------------------


@lru_cache
def _workforce_from(path: str) -> dict[str, int]:
    text = Path(path).read_text(encoding="utf-8") if path else None
    if text is None:
        text = (resources.files("skillatlas.kpi") / "data" / "workforce.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return {row["country"].strip().upper(): int(row["workforce"]) for row in csv.DictReader(lines)}


def workforce() -> dict[str, int]:
    """People in the automotive workforce per country: SKILLATLAS_KPI_WORKFORCE_FILE, else the shipped estimates."""
    return _workforce_from(os.environ.get("SKILLATLAS_KPI_WORKFORCE_FILE", ""))


# --- the report's shape -------------------------------------------------------------------------------


class KpiTotal(BaseModel):
    key: str
    label: str
    total: int


class Bucket(BaseModel):
    key: str
    label: str
    values: dict[str, int]


class SkillCount(BaseModel):
    uri: str
    label: str
    jobs: int


class CountryCoverage(BaseModel):
    country: str
    name: str
    stakeholders: int
    regions: int
    upskilled: int
    workforce: int
    annual_target: int
    share_of_target: float


class Ambition(BaseModel):
    year: int
    as_of: dt.date
    workforce: int
    target: int
    upskilled: int
    share_of_target: float
    days_elapsed: int
    run_rate_per_month: float
    projected_year_end: int
    on_track: bool


class KpiReport(BaseModel):
    """Every KPI for one period and one set of filters; the JSON form is the documented machine-readable one."""

    start: dt.date
    end: dt.date
    filters: dict[str, str]
    kpis: list[KpiTotal]
    months: list[str]
    monthly: dict[str, list[int]]
    breakdowns: dict[str, list[Bucket]]
    top_skills: list[SkillCount]
    stakeholders_total: int
    countries_covered: int
    regions_covered: int
    countries_without_stakeholders: list[str]
    coverage: list[CountryCoverage]
    ambition: Ambition
    notes: list[str]

    def total(self, kind: str) -> int:
        """The period's total of one KPI."""
        return next(k.total for k in self.kpis if k.key == kind)


@dataclass(frozen=True)
class Filters:
    """What the report is narrowed to (None: everything)."""

    country: str | None = None
    region: str | None = None
    organisation: str | None = None
    type: str | None = None
    committee: str | None = None
    group: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def year_period(year: int) -> tuple[dt.date, dt.date]:
    """1 January to 31 December."""
    if not 1900 <= year <= 2999:
        raise InvalidInput("year: give a year such as 2025", field="year")
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# --- reading the counts -------------------------------------------------------------------------------

Key = tuple[Any, ...]


@dataclass(frozen=True)
class _Scope:
    country: str | None
    region: str | None
    organisation_ids: frozenset[int] | None  # None: no organisation-based filter


def _month_text(db: Session, column: Any) -> ColumnElement[str]:
    if db.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _full_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the whole months inside [start, end], or None when there is none."""
    first = start if start.day == 1 else _next_month(start)
    last = end if (end + dt.timedelta(days=1)).day == 1 else end.replace(day=1) - dt.timedelta(days=1)
    return (first, last) if first <= last else None


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _blocks(start: dt.date, end: dt.date, source: Source) -> list[tuple[str, dt.date, dt.date]]:
    """Where each part of [start, end] is read: whole months from the summaries, the rest from the ledger."""
    if start > end:
        return []
    full = _full_months(start, end) if source == "summary" else None
    if full is None:
        return [("ledger", start, end)]
    first, last = full
    blocks = [("summary", first, last.replace(day=1))]
    if start < first:
        blocks.append(("ledger", start, first - dt.timedelta(days=1)))
    if end > last:
        blocks.append(("ledger", last + dt.timedelta(days=1), end))
    return blocks


def _grouped(
    db: Session,
    start: dt.date,
    end: dt.date,
    scope: _Scope,
    source: Source,
    keys: tuple[str, ...],
    kinds: Iterable[str] | None = None,
) -> dict[Key, int]:
    """Signed counts per (kind, *keys) over [start, end]; keys: month, country, region, organisation.

    Summed in SQL (GROUP BY) in each block, then merged; net-zero groups (an event and its correction) are
    left out, so both sources give the same keys.
    """
    merged: Counter[Key] = Counter()
    for where, first, last in _blocks(start, end, source):
        if where == "summary":
            t = MonthlyCount
            day, value, raw_region, raw_organisation = (
                t.month,
                func.sum(t.count),
                t.nuts_region,
                t.organisation_id,
            )
            columns: dict[str, Any] = {
                "kind": t.kind,
                "country": t.country,
                "region": t.nuts_region,
                "organisation": t.organisation_id,
            }
        else:
            e = OutcomeEvent
            day, value, raw_region, raw_organisation = (
                e.occurred_on,
                func.sum(e.sign),
                e.nuts_region,
                e.organisation_id,
            )
            columns = {
                "kind": e.kind,
                "country": e.country,
                "region": func.coalesce(e.nuts_region, NO_REGION),
                "organisation": func.coalesce(e.organisation_id, NO_ORGANISATION),
            }
        columns["month"] = _month_text(db, day)
        kind_column, country = columns["kind"], columns["country"]
        chosen = [columns[k] for k in ("kind", *keys)]
        statement = select(*chosen, value).where(day >= first, day <= last).group_by(*chosen)
        if kinds is not None:
            statement = statement.where(kind_column.in_(list(kinds)))
        if scope.country:
            statement = statement.where(country == scope.country)
        if scope.region:
            statement = statement.where(raw_region == scope.region)
        if scope.organisation_ids is not None:
            statement = statement.where(raw_organisation.in_(sorted(scope.organisation_ids)))
        for *key, n in db.execute(statement):
            if n:
                merged[(str(key[0]), *key[1:])] += int(n)
    return {k: n for k, n in merged.items() if n}


def _skill_counts(db: Session, start: dt.date, end: dt.date, scope: _Scope, source: Source) -> Counter[str]:
    counts: Counter[str] = Counter()

    def from_ledger(a: dt.date, b: dt.date) -> None:
        statement = select(OutcomeEvent.skills, OutcomeEvent.sign).where(
            OutcomeEvent.kind == OutcomeKind.NEW_JOB,
            OutcomeEvent.occurred_on >= a,
            OutcomeEvent.occurred_on <= b,
        )
        if scope.country:
            statement = statement.where(OutcomeEvent.country == scope.country)
        if scope.region:
            statement = statement.where(OutcomeEvent.nuts_region == scope.region)
        if scope.organisation_ids is not None:
            statement = statement.where(OutcomeEvent.organisation_id.in_(sorted(scope.organisation_ids)))
        for skills, sign in db.execute(statement):
            for uri in set(skills or ()):
                counts[uri] += sign

    full = _full_months(start, end) if source == "summary" else None
    if full is None:
        from_ledger(start, end)
        return counts
    first, last = full
    t = MonthlySkillCount
    statement = (
        select(t.skill_uri, func.sum(t.count))
        .where(t.month >= first, t.month <= last.replace(day=1))
        .group_by(t.skill_uri)
    )
    if scope.country:
        statement = statement.where(t.country == scope.country)
    if scope.region:
        statement = statement.where(t.nuts_region == scope.region)
    if scope.organisation_ids is not None:
        statement = statement.where(t.organisation_id.in_(sorted(scope.organisation_ids)))
    for uri, n in db.execute(statement):
        counts[uri] += int(n)
    if start < first:
        from_ledger(start, first - dt.timedelta(days=1))
    if end > last:
        from_ledger(last + dt.timedelta(days=1), end)
    return counts


# --- the alliance's structure, for the breakdowns -------------------------------------------------------


@dataclass
class _Structure:
    organisations: dict[int, tuple[str, str, str]]  # id -> slug, name, type
    groups_of: dict[int, list[str]]  # organisation id -> group slugs
    group_names: dict[str, str]
    committees_of: dict[int, list[str]]  # organisation id -> committee slugs (through its groups)
    committee_names: dict[str, str]


def _structure(db: Session) -> _Structure:
    organisations = {
        i: (slug, name, str(getattr(kind, "value", kind)))
        for i, slug, name, kind in db.execute(
            select(Organisation.id, Organisation.slug, Organisation.name, Organisation.type)
        )
    }
    group_names = {slug: name for slug, name in db.execute(select(Group.slug, Group.name))}
    committee_names = {slug: name for slug, name in db.execute(select(Committee.slug, Committee.name))}
    committees_of_group: dict[str, list[str]] = defaultdict(list)
    for group_slug, committee_slug in db.execute(
        select(Group.slug, Committee.slug)
        .join(GroupCommittee, GroupCommittee.group_id == Group.id)
        .join(Committee, Committee.id == GroupCommittee.committee_id)
    ):
        committees_of_group[group_slug].append(committee_slug)
    groups_of: dict[int, list[str]] = defaultdict(list)
    for organisation_id, group_slug in db.execute(
        select(GroupMembership.organisation_id, Group.slug).join(Group, Group.id == GroupMembership.group_id)
    ):
        groups_of[organisation_id].append(group_slug)
    committees_of = {
        o: sorted({c for g in gs for c in committees_of_group.get(g, [])}) for o, gs in groups_of.items()
    }
    return _Structure(organisations, dict(groups_of), group_names, committees_of, committee_names)


def _scope(db: Session, filters: Filters, structure: _Structure) -> _Scope:
    try:
        country = geo.normalise_country(filters.country) if filters.country else None
    except ValueError as exc:
        raise InvalidInput(f"country: {exc}", field="country") from exc
    try:
        region = geo.normalise_nuts(filters.region, country) if filters.region else None
    except ValueError as exc:
        raise InvalidInput(f"region: {exc}", field="region") from exc
    ids: set[int] | None = None

    def narrow(found: Iterable[int]) -> None:
        nonlocal ids
        ids = set(found) if ids is None else ids & set(found)

    by_slug = {slug: i for i, (slug, _n, _t) in structure.organisations.items()}
    if filters.organisation:
        if filters.organisation not in by_slug:
            raise NotFound(f"no organisation {filters.organisation!r}", field="organisation")
        narrow([by_slug[filters.organisation]])
    if filters.type:
        narrow(i for i, (_s, _n, t) in structure.organisations.items() if t == filters.type)
    if filters.group:
        if filters.group not in structure.group_names:
            raise NotFound(f"no group {filters.group!r}", field="group")
        narrow(o for o, gs in structure.groups_of.items() if filters.group in gs)
    if filters.committee:
        if filters.committee not in structure.committee_names:
            raise NotFound(f"no committee {filters.committee!r}", field="committee")
        narrow(o for o, cs in structure.committees_of.items() if filters.committee in cs)
    return _Scope(country, region, frozenset(ids) if ids is not None else None)


def _months(start: dt.date, end: dt.date) -> list[str]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day.strftime("%Y-%m"))
        day = _next_month(day)
    return months


# --- the report -------------------------------------------------------------------------------------


def build_report(
    *,
    db: Session,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    filters: Filters | None = None,
    top_skills: int = 15,
    source: Source = "summary",
) -> KpiReport:
    """Every KPI over [start, end], broken down six ways, with coverage and progress against the ambition."""
    if start > end:
        raise InvalidInput("end: the end of the period is before its start", field="end")
    filters = filters or Filters()
    structure = _structure(db)
    scope = _scope(db, filters, structure)
    months = _months(start, end)
    position = {m: i for i, m in enumerate(months)}
    totals: Counter[str] = Counter()
    monthly: dict[str, list[int]] = {k: [0] * len(months) for k in KPIS}
    for (kind, month), n in _grouped(db, start, end, scope, source, ("month",)).items():
        totals[kind] += n
        monthly[kind][position[month]] += n
    by: dict[str, dict[str, Counter[str]]] = {d: defaultdict(Counter) for d in DIMENSIONS}
    for (kind, country), n in _grouped(db, start, end, scope, source, ("country",)).items():
        by["country"][country][kind] += n
    for (kind, region), n in _grouped(db, start, end, scope, source, ("region",)).items():
        by["region"][region or NONE][kind] += n
    # Type, group and committee follow from the organisation: counted per organisation, then mapped.
    for (kind, organisation_id), n in _grouped(db, start, end, scope, source, ("organisation",)).items():
        slug, _name, org_type = structure.organisations.get(organisation_id, (NONE, NONE, NONE))
        by["organisation"][slug][kind] += n
        by["type"][org_type][kind] += n
        for group in structure.groups_of.get(organisation_id) or [NONE]:
            by["group"][group][kind] += n
        for committee in structure.committees_of.get(organisation_id) or [NONE]:
            by["committee"][committee][kind] += n
    labels = {
        "country": lambda k: geo.country_name(k) if k != NONE else k,
        "region": lambda k: k,
        "organisation": lambda k: next((n for s, n, _t in structure.organisations.values() if s == k), k),
        "type": lambda k: k.replace("_", " "),
        "group": lambda k: structure.group_names.get(k, k),
        "committee": lambda k: structure.committee_names.get(k, k),
    }
    org_labels = {s: n for s, n, _t in structure.organisations.values()}
    labels["organisation"] = lambda k: org_labels.get(k, k)
    breakdowns = {
        dimension: [
            Bucket(key=key, label=labels[dimension](key), values={k: counts.get(k, 0) for k in KPIS})
            for key, counts in sorted(buckets.items(), key=lambda item: (-sum(item[1].values()), item[0]))
        ]
        for dimension, buckets in by.items()
    }

    skills = _skill_counts(db, start, end, scope, source)
    top = [(uri, n) for uri, n in sorted(skills.items(), key=lambda item: (-item[1], item[0])) if n > 0][
        :top_skills
    ]
    from skillatlas.taxonomy.models import Skill

    wanted = [u for u, _ in top]
    labelled = select(Skill.uri, Skill.preferred_label).where(Skill.uri.in_(wanted))
    skill_labels = {uri: label for uri, label in db.execute(labelled)} if wanted else {}

    # Stakeholders and coverage: every member that joined up to the end of the period.
    joined = _grouped(
        db,
        dt.date(1900, 1, 1),
        end,
        scope,
        source,
        ("country", "region"),
        [OutcomeKind.STAKEHOLDER_JOINED.value],
    )
    stakeholders: Counter[str] = Counter()
    regions: dict[str, Counter[str]] = defaultdict(Counter)
    for (_kind, country, region), n in joined.items():
        stakeholders[country] += n
        if region:
            regions[country][region] += n
    upskilled_by_country = by["country"]
    people = workforce()
    countries = sorted(
        set(geo.EU_COUNTRIES) | {c for c, n in stakeholders.items() if n} | set(upskilled_by_country),
        key=lambda c: (c not in geo.EU_COUNTRIES, geo.country_name(c)),
    )
    if scope.country:
        countries = [scope.country]
    coverage = []
    for country in countries:
        size = people.get(country, 0)
        target = round(size * AMBITION_SHARE)
        upskilled = upskilled_by_country.get(country, Counter()).get(OutcomeKind.UPSKILLED.value, 0)
        coverage.append(
            CountryCoverage(
                country=country,
                name=geo.country_name(country),
                stakeholders=stakeholders.get(country, 0),
                regions=sum(1 for n in regions.get(country, Counter()).values() if n > 0),
                upskilled=upskilled,
                workforce=size,
                annual_target=target,
                share_of_target=round(upskilled / target, 6) if target else 0.0,
            )
        )
    missing = [c for c in geo.EU_COUNTRIES if stakeholders.get(c, 0) <= 0]
    if scope.country:
        missing = [c for c in missing if c == scope.country]

    ambition = _ambition(db, end.year, today, scope, source, people)
    notes = [
        "Group and committee breakdowns overlap: an event counts once in each group (and steering committee) "
        "of its organisation; the other breakdowns add up to the total.",
        "Stakeholders and coverage count every member that joined up to the end of the period.",
        "The workforce per country is configurable data (the platform's operator may replace it); the shipped "
        "figures are estimates summing to about 14 million.",
    ]
    return KpiReport(
        start=start,
        end=end,
        filters=filters.as_dict(),
        kpis=[KpiTotal(key=k, label=label, total=totals.get(k, 0)) for k, label in KPIS.items()],
        months=months,
        monthly={str(k): v for k, v in monthly.items()},
        breakdowns=breakdowns,
        top_skills=[
            SkillCount(uri=u, label=skill_labels.get(u, u.rsplit("/", 1)[-1]), jobs=n) for u, n in top
        ],
        stakeholders_total=sum(stakeholders.values()),
        countries_covered=sum(1 for n in stakeholders.values() if n > 0),
        regions_covered=sum(1 for rs in regions.values() for n in rs.values() if n > 0),
        countries_without_stakeholders=missing,
        coverage=coverage,
        ambition=ambition,
        notes=notes,
    )


def _ambition(
    db: Session, year: int, today: dt.date, scope: _Scope, source: Source, people: dict[str, int]
) -> Ambition:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    as_of = min(max(today, first - dt.timedelta(days=1)), last)
    done = sum(_grouped(db, first, as_of, scope, source, (), [OutcomeKind.UPSKILLED.value]).values())
    size = people.get(scope.country, 0) if scope.country else sum(people.values())
    target = round(size * AMBITION_SHARE)
    elapsed = max((as_of - first).days + 1, 0)
    days_in_year = 366 if calendar.isleap(year) else 365
    per_day = done / elapsed if elapsed else 0.0
    projected = done if as_of == last else round(per_day * days_in_year)
    return Ambition(
        year=year,
        as_of=as_of,
        workforce=size,
        target=target,
        upskilled=done,
        share_of_target=round(done / target, 6) if target else 0.0,
        days_elapsed=elapsed,
        run_rate_per_month=round(per_day * days_in_year / 12, 1),
        projected_year_end=projected,
        on_track=bool(target) and projected >= target,
    )
