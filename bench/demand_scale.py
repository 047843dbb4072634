"""Demand aggregates at scale: classified job ads loaded as `load-demand` loads them, and the demand report
read over them, as the dashboard does.

For each size a fresh database (a SQLite file, or a PostgreSQL database made for the run with --postgres) gets
the bundled ESCO taxonomy, then classified job ads as `classify-ads` writes them (Parquet parts of 50,000
ads), drawn with NumPy from a fixed seed: occupations Zipf-distributed over the bundled ones, each with its
own 40 skills (Zipf-distributed over the taxonomy) of which an ad names 3 to 8, countries weighted as the
automotive workforce, days over two years. No model runs: the classification's speed is `market_scale`'s.

Measured: the load (`demand.load_demand`, one transaction; ads a second, the aggregate rows it writes), then
the demand report over the last twelve months (`service.demand_report`, as `/intelligence/demand` and
`/api/intelligence/demand` call it): all countries, one country, one occupation; the median of 5 calls after
one to warm the caches. On PostgreSQL the reports are timed again after `VACUUM ANALYZE` of the fine rows (what
autovacuum does soon after a large insert; an index-only scan reads the table until it has).

Run: .venv/bin/python -m bench.demand_scale [--sizes 100000,1000000] [--postgres URL]
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
from sqlalchemy import func, select, text

from bench.common import report
from bench.postgres import database_for_run
from skillatlas import db as database
from skillatlas.auth.permissions import SYSTEM
from skillatlas.demo.synthetic import COUNTRY_WEIGHTS

PART = 50_000
FIRST_DAY = dt.date(2024, 7, 1)
DAYS = 730
TODAY = FIRST_DAY + dt.timedelta(days=DAYS)
SKILLS_PER_OCCUPATION = 40


def write_parts(
    folder: Path, ads: int, skill_uris: list[str], occupation_uris: list[str], seed: int = 14
) -> list[Path]:
    """Classified ads in Parquet parts with classify-ads' schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from skillatlas.intelligence import scale

    rng = np.random.default_rng(seed)
    schema = scale.output_schema(False)
    countries = list(COUNTRY_WEIGHTS)
    weights = np.array(list(COUNTRY_WEIGHTS.values()), dtype=float)
    weights /= weights.sum()

    def zipf(n: int, size: int | tuple[int, ...], a: float = 1.1) -> np.ndarray:
        ranks = np.arange(1, n + 1, dtype=float) ** -a
        return rng.choice(n, size=size, p=ranks / ranks.sum())

    own_skills = zipf(len(skill_uris), (len(occupation_uris), SKILLS_PER_OCCUPATION))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, start in enumerate(range(0, ads, PART)):
        n = min(PART, ads - start)
        occupations = zipf(len(occupation_uris), n)
        ad_countries = rng.choice(len(countries), size=n, p=weights)
        days = rng.integers(0, DAYS, size=n)
        counts = rng.integers(3, 9, size=n)
        rows = []
        for i in range(n):
            picks = rng.choice(SKILLS_PER_OCCUPATION, size=counts[i], replace=False)
            rows.append({
                "id": f"bench-{start + i}", "date": FIRST_DAY + dt.timedelta(days=int(days[i])),
                "country": countries[ad_countries[i]], "occupation_uri": occupation_uris[occupations[i]],
                "skills": [{"uri": skill_uris[s], "score": 1.2} for s in own_skills[occupations[i], picks]],
            })  # fmt: skip
        path = folder / f"part-00000-{number:06d}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, compression="zstd")
        paths.append(path)
    return paths


def _timed(fn: Any, repeat: int = 5) -> tuple[float, Any]:
    fn()  # warm the caches
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def measure(url: str, ads: int, work: Path) -> dict[str, Any]:
    from skillatlas.intelligence import demand, service
    from skillatlas.intelligence.demand_models import DemandSkill
    from skillatlas.taxonomy import service as taxonomy
    from skillatlas.taxonomy.models import Occupation, Skill

    engine = database.make_engine(url)
    database.upgrade(engine)
    sessions = database.session_factory(engine)
    with database.unit_of_work(sessions) as db:
        taxonomy.load_bundled(db=db)
        skill_uris = list(db.scalars(select(Skill.uri).order_by(Skill.id)))
        occupation_uris = list(db.scalars(select(Occupation.uri).order_by(Occupation.id)))
    began = time.perf_counter()
    parts = write_parts(work / f"classified-{ads}", ads, skill_uris, occupation_uris)
    write_s = time.perf_counter() - began
    began = time.perf_counter()
    with database.unit_of_work(sessions) as db:
        loaded = demand.load_demand(db=db, actor=SYSTEM, path=str(parts[0].parent))
    load_s = time.perf_counter() - began
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    with sessions() as db:
        aggregate_rows = db.scalar(select(func.count()).select_from(DemandSkill)) or 0
        busiest = db.execute(
            select(DemandSkill.occupation_id, func.sum(DemandSkill.ads).label("n"))
            .group_by(DemandSkill.occupation_id).order_by(text("n DESC")).limit(1)
        ).first()  # fmt: skip
    start = TODAY - dt.timedelta(days=365)
    row: dict[str, Any] = {
        "engine": engine.dialect.name, "ads": ads, "parts": len(parts), "write_parts_s": round(write_s, 1),
        "load_s": round(load_s, 1), "ads_per_s": round(ads / load_s), "skill_links": loaded.skill_links,
        "aggregate_rows": aggregate_rows,
    }  # fmt: skip
    cases = {"all": {}, "one_country": {"country": "DE"}, "one_occupation": {"occupation_id": busiest[0]}}

    def reports(suffix: str) -> None:
        for case, filters in cases.items():

            def run(filters: dict[str, Any] = filters) -> Any:
                with sessions() as db:
                    return service.demand_report(db=db, start=start, end=TODAY, **filters)

            seconds, result = _timed(run)
            row[f"report_{case}{suffix}_ms"] = round(seconds * 1000, 1)
            row.setdefault(f"report_{case}_ads", result.total_ads)

    reports("")
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a large insert: it marks the pages all-visible, so an index-only
        # scan (the report for one occupation) need not visit the table to check each row's visibility.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE demand_skill"))
            connection.execute(text("VACUUM ANALYZE demand_ads"))
        reports("_after_vacuum")
    engine.dispose()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="classified ads per run, comma-separated")
    parser.add_argument("--postgres", help="an admin URL: each run gets a database of its own, dropped after")
    parser.add_argument("--name", default="demand_scale")
    parser.add_argument("--results", type=Path, default=None, help="where the JSON goes (bench/results)")
    args = parser.parse_args()
    rows = []
    for ads in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="demand-scale-") as work:
            if args.postgres:
                url, drop = database_for_run(args.postgres, "bench_demand")
                try:
                    rows.append(measure(url, ads, Path(work)))
                finally:
                    drop()
            else:
                rows.append(measure(f"sqlite:///{Path(work) / 'bench.db'}", ads, Path(work)))
        print(rows[-1], flush=True)
    columns = ["engine", "ads", "load_s", "ads_per_s", "aggregate_rows", "report_all_ms", "report_one_country_ms",
               "report_one_occupation_ms", "report_one_occupation_after_vacuum_ms"]  # fmt: skip
    extra = {"directory": args.results} if args.results else {}
    report(args.name, "Demand aggregates: load-demand and the demand report over twelve months", columns, rows,
           **extra)  # fmt: skip


if __name__ == "__main__":
    main()
