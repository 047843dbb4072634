"""The full yearly KPI report over synthetic ledgers: summaries against a naive recomputation, and /kpi's first paint.

For each size (events a year, three years of them) a fresh database gets the demo alliance, 300 synthetic
member organisations and a deterministic NumPy-drawn ledger, bulk-inserted with its monthly summaries.
Then, in the same run: the yearly report with every breakdown from the summaries (the product's path),
the same report recomputed from the raw ledger (naive), and the time to render /kpi for the year.

Run: .venv/bin/python -m bench.kpi_report [--sizes 10000,100000,700000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select, text

from bench.postgres import database_for_run
from skillatlas import db as database
from skillatlas.alliance.models import Organisation, OrganisationType
from skillatlas.demo import loader
from skillatlas.demo.synthetic import COUNTRY_WEIGHTS
from skillatlas.geo import nuts_prefix
from skillatlas.kpi import service
from skillatlas.kpi.models import OutcomeKind
from skillatlas.kpi.report import KPIS, PARTITIONS, build_report

YEARS = (2023, 2024, 2025)
REPORT_YEAR = 2025
TODAY = dt.date(2026, 6, 1)
KIND_WEIGHTS = {
    OutcomeKind.UPSKILLED: 50,
    OutcomeKind.CERTIFICATION: 20,
    OutcomeKind.DEVELOPMENT_PLAN: 15,
    OutcomeKind.NEW_POSITION: 10,
    OutcomeKind.NEW_JOB: 5,
}
SKILLS = [f"http://data.europa.eu/esco/skill/bench-{i:03d}" for i in range(200)]
CHUNK = 100_000


def add_members(sessions: Any, n: int = 300, seed: int = 7) -> list[tuple[int, str]]:
    """N synthetic member organisations over the EU (weighted by automotive employment); (id, country) of all."""
    rng = np.random.default_rng(seed)
    countries = list(COUNTRY_WEIGHTS)
    p = np.array(list(COUNTRY_WEIGHTS.values()), dtype=float)
    picks = rng.choice(len(countries), size=n, p=p / p.sum())
    types = [t.value for t in OrganisationType]
    with database.unit_of_work(sessions) as db:
        db.execute(
            insert(Organisation),
            [
                {
                    "slug": f"bench-org-{i}",
                    "name": f"Bench member {i}",
                    "type": types[i % len(types)],
                    "country": countries[int(picks[i])],
                    "nuts_region": f"{nuts_prefix(countries[int(picks[i])])}{1 + i % 5}1",
                    "description": "",
                    "is_member": True,
                    "joined_on": dt.date(2021 + i % 5, 1 + i % 12, 1),
                }
                for i in range(n)
            ],
        )
        return [
            (i, c)
            for i, c in db.execute(select(Organisation.id, Organisation.country).order_by(Organisation.id))
        ]


def ledger_rows(n: int, year: int, seed: int, members: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """N events in the year, drawn with NumPy: the same seed and members give the same rows."""
    rng = np.random.default_rng(seed)
    kinds = [k.value for k in KIND_WEIGHTS]
    p = np.array(list(KIND_WEIGHTS.values()), dtype=float)
    kind = rng.choice(len(kinds), size=n, p=p / p.sum())
    first = dt.date(year, 1, 1)
    days = rng.integers(0, (dt.date(year, 12, 31) - first).days + 1, size=n)
    org = rng.integers(0, len(members), size=n)
    region = rng.integers(1, 6, size=n)
    person = rng.integers(0, 14_000_000, size=n)
    skill_picks = rng.integers(0, len(SKILLS), size=(n, 3))
    day_list = [first + dt.timedelta(days=int(d)) for d in range(366)]
    rows = []
    for i in range(n):
        organisation_id, country = members[int(org[i])]
        k = kinds[int(kind[i])]
        rows.append(
            {
                "kind": k,
                "occurred_on": day_list[int(days[i])],
                "person_ref": f"b{int(person[i])}",
                "organisation_id": organisation_id,
                "country": country,
                "nuts_region": f"{nuts_prefix(country)}{int(region[i])}1",
                "skills": [SKILLS[int(s)] for s in set(skill_picks[i].tolist())] if k == "new_job" else [],
                "sign": 1,
                "source": "bench",
                "source_ref": None,
                "external_id": None,
            }
        )
    return rows


def _timed(fn: Any, repeat: int) -> tuple[float, list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times[0], times, result


def measure(url: str, per_year: int, seed: int) -> dict[str, Any]:
    engine = database.make_engine(url)
    database.upgrade(engine)
    sessions = database.session_factory(engine)
    with database.unit_of_work(sessions) as db:
        loader.load_demo(db=db)
    members = add_members(sessions)
    started = time.perf_counter()
    for y, year in enumerate(YEARS):
        for c, start in enumerate(range(0, per_year, CHUNK)):
            rows = ledger_rows(min(CHUNK, per_year - start), year, seed * 1000 + y * 100 + c, members)
            with database.unit_of_work(sessions) as db:
                service.insert_events(db=db, rows=rows)
    insert_s = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    first, last = dt.date(REPORT_YEAR, 1, 1), dt.date(REPORT_YEAR, 12, 31)

    def report(source: str) -> Any:
        with database.unit_of_work(sessions) as db:
            return build_report(db=db, start=first, end=last, today=TODAY, source=source)  # type: ignore[arg-type]

    fast_first, fast_times, fast = _timed(lambda: report("summary"), 5)
    _, naive_times, naive = _timed(lambda: report("ledger"), 2)
    assert fast == naive, "the summaries disagree with the ledger"
    totals = {k.key: k.total for k in fast.kpis}
    for dimension in PARTITIONS:
        for kind in KPIS:
            assert sum(b.values[kind] for b in fast.breakdowns[dimension]) == totals[kind]

    from fastapi.testclient import TestClient

    from skillatlas.config import Settings
    from skillatlas.web.app import create_app

    app = create_app(Settings(database_url=url), clock=lambda: dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC))
    with TestClient(app) as client:

        def paint() -> int:
            response = client.get(f"/kpi?year={REPORT_YEAR}")
            assert response.status_code == 200
            return len(response.content)

        page_first, page_times, page_bytes = _timed(paint, 5)
    app.state.engine.dispose()
    with engine.connect() as connection:
        summary_rows = connection.execute(text("SELECT count(*) FROM kpi_monthly")).scalar_one()
    engine.dispose()
    fast_median = statistics.median(fast_times)
    naive_median = statistics.median(naive_times)
    return {
        "engine": engine.dialect.name,
        "events_per_year": per_year,
        "events_total": per_year * len(YEARS),
        "summary_rows": summary_rows,
        "insert_s": round(insert_s, 1),
        "report_first_s": round(fast_first, 3),
        "report_median_s": round(fast_median, 3),
        "naive_median_s": round(naive_median, 3),
        "naive_over_summary": round(naive_median / fast_median, 1),
        "page_first_s": round(page_first, 3),
        "page_median_s": round(statistics.median(page_times), 3),
        "page_kib": round(page_bytes / 1024),
        "upskilled_in_year": totals["upskilled"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,700000", help="events a year (three years each)")
    parser.add_argument("--postgres", help="URL of a PostgreSQL server (a database is created and dropped)")
    args = parser.parse_args()
    rows = []
    for i, n in enumerate(int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(measure(f"sqlite:///{Path(tmp) / 'bench.db'}", n, seed=10 + i))
        if args.postgres:
            url, drop = database_for_run(args.postgres)
            try:
                rows.append(measure(url, n, seed=10 + i))
            finally:
                drop()
    from bench.common import report

    report(
        "kpi_report",
        f"KPI report for {REPORT_YEAR} with every breakdown (ledger of {len(YEARS)} years)",
        [
            "engine", "events_total", "summary_rows", "insert_s", "report_first_s", "report_median_s",
            "naive_median_s", "naive_over_summary", "page_first_s", "page_median_s", "page_kib",
        ],
        rows,
        {"target_report_s": 2.0, "report_year": REPORT_YEAR, "years": list(YEARS), "member_organisations": 319},
    )  # fmt: skip


if __name__ == "__main__":
    main()
