"""What the three front doors share: the period and filters a report is asked for."""

from __future__ import annotations

import datetime as dt

from skillatlas.errors import InvalidInput
from skillatlas.kpi.report import Filters, year_period


def period(
    *, year: int | None, start: dt.date | None, end: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The period: start and end when given, else the calendar year (default: this year)."""
    if start is not None or end is not None:
        if year is not None:
            raise InvalidInput("year: give either a year or a start and an end", field="year")
        first, last = year_period(today.year)
        return start or first, end or last
    return year_period(year if year is not None else today.year)


def filters(
    *,
    country: str | None = None,
    region: str | None = None,
    organisation: str | None = None,
    type: str | None = None,
    committee: str | None = None,
    group: str | None = None,
) -> Filters:
    """The filters, blanks dropped."""

    def clean(value: str | None) -> str | None:
        return value.strip() or None if value else None

    return Filters(
        country=clean(country),
        region=clean(region),
        organisation=clean(organisation),
        type=clean(type),
        committee=clean(committee),
        group=clean(group),
    )
