"""Invariants of the KPIs, for any ledger: breakdowns sum to the total, summaries equal a recomputation,
corrections cancel, and importing the same events twice changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.kpi import service as kpi_service
from skillatlas.kpi.models import MonthlyCount, MonthlySkillCount, OutcomeEvent
from skillatlas.kpi.report import KPIS, PARTITIONS, KpiReport, build_report
from tests.conftest import TODAY
from tests.kpi.conftest import build_alliance

FIRST = dt.date(2024, 11, 1)
SPAN = (TODAY - FIRST).days
ORGS = ["alpha", "beta", "gamma", None]
PLACES = [("DE", "DE11"), ("DE", None), ("RO", "RO11"), ("FR", "FR10"), ("IT", None)]
SKILLS = [f"http://data.europa.eu/esco/skill/s{i}" for i in range(5)]

event = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(list(KPIS)),
        "day": st.integers(0, SPAN),
        "org": st.sampled_from(ORGS),
        "place": st.sampled_from(PLACES),
        "skills": st.lists(st.sampled_from(SKILLS), max_size=3, unique=True),
        "corrected": st.booleans(),
    }
)
period = st.tuples(st.integers(0, SPAN), st.integers(0, SPAN)).map(sorted)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _empty_ledger(db: Session) -> None:
    for table in (MonthlySkillCount, MonthlyCount):
        db.execute(delete(table))
    db.execute(delete(OutcomeEvent).where(OutcomeEvent.corrects_id.is_not(None)))
    db.execute(delete(OutcomeEvent))


def _record(db: Session, orgs: dict[str, int], events: list[dict[str, Any]]) -> None:
    for e in events:
        country, region = e["place"]
        recorded = kpi_service.record_event(
            db=db, kind=e["kind"], occurred_on=FIRST + dt.timedelta(days=e["day"]), country=country,
            nuts_region=region, organisation_id=orgs[e["org"]] if e["org"] else None, skills=e["skills"],
            source="test",
        )  # fmt: skip
        if e["corrected"]:
            kpi_service.correct_event(db=db, actor=SYSTEM, event_id=recorded.id)


def _check_sums(report: KpiReport) -> None:
    totals = {k.key: k.total for k in report.kpis}
    for dimension in PARTITIONS:
        for kind in KPIS:
            assert sum(b.values[kind] for b in report.breakdowns[dimension]) == totals[kind], (
                dimension,
                kind,
            )
    for kind in KPIS:
        assert sum(report.monthly[kind]) == totals[kind]
    for dimension in ("group", "committee"):  # overlapping buckets: never less than the total
        for kind in KPIS:
            assert sum(b.values[kind] for b in report.breakdowns[dimension]) >= totals[kind]


@SETTINGS
@given(events=st.lists(event, max_size=25), window=period)
def test_breakdowns_sum_to_the_total_and_summaries_are_exact(
    sessions: sessionmaker[Session], events: list[dict[str, Any]], window: list[int]
) -> None:
    with unit_of_work(sessions) as db:
        orgs = _alliance(db)
        _empty_ledger(db)
        _record(db, orgs, events)
        start, end = (FIRST + dt.timedelta(days=d) for d in window)
        fast = build_report(db=db, start=start, end=end, today=TODAY)
        naive = build_report(db=db, start=start, end=end, today=TODAY, source="ledger")
        assert fast == naive
        _check_sums(fast)
        # Every event is either corrected (net zero) or counted once in its own period.
        expected = sum(
            1
            for e in events
            if not e["corrected"] and e["kind"] != "stakeholder_joined" and window[0] <= e["day"] <= window[1]
        )
        counted = sum(k.total for k in fast.kpis if k.key != "stakeholder_joined")
        assert counted == expected
        db.rollback()


def _alliance(db: Session) -> dict[str, int]:
    from sqlalchemy import select

    from skillatlas.alliance.models import Organisation

    found = {slug: i for slug, i in db.execute(select(Organisation.slug, Organisation.id))}
    if "alpha" not in found:
        found = build_alliance(db)
    return found


@SETTINGS
@given(events=st.lists(event, min_size=1, max_size=20, unique_by=lambda e: (e["day"], e["org"], e["kind"])))
def test_importing_the_same_events_twice_changes_nothing(
    sessions: sessionmaker[Session], events: list[dict[str, Any]]
) -> None:
    with unit_of_work(sessions) as db:
        _alliance(db)
        _empty_ledger(db)
        lines = ["external_id,kind,occurred_on,organisation,country,nuts_region,skills"]
        for i, e in enumerate(events):
            country, region = e["place"]
            lines.append(
                f"e-{i},{e['kind']},{FIRST + dt.timedelta(days=e['day'])},{e['org'] or 'alpha'},"
                f"{country},{region or ''},{' '.join(e['skills'])}"
            )
        content = ("\n".join(lines) + "\n").encode()
        start, end = FIRST, TODAY
        first = kpi_service.import_events(db=db, actor=SYSTEM, filename="e.csv", content=content, today=TODAY)
        once = build_report(db=db, start=start, end=end, today=TODAY)
        second = kpi_service.import_events(
            db=db, actor=SYSTEM, filename="e.csv", content=content, today=TODAY
        )
        twice = build_report(db=db, start=start, end=end, today=TODAY)
        assert (first.added, second.added, second.already_imported) == (len(events), 0, len(events))
        assert once == twice
        assert once == build_report(db=db, start=start, end=end, today=TODAY, source="ledger")
        _check_sums(twice)
        db.rollback()
