"""The demand rollups say what the files' fine rows say, for every filter, and a migration rolls up what was
loaded before them."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, event, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.auth.permissions import SYSTEM
from skillatlas.intelligence import demand, scale
from skillatlas.intelligence.demand_models import (
    DemandAds,
    DemandFile,
    DemandMonth,
    DemandSkill,
    DemandSkillMonth,
)
from skillatlas.taxonomy.models import Occupation, Skill
from tests.intelligence.test_intelligence import esco  # noqa: F401  (the fixture: a few real ESCO rows)

COUNTRIES = ["DE", "FR", "RO"]


def classified_files(skills: list[str], occupations: list[str], seed: int) -> list[list[dict[str, object]]]:
    rng = random.Random(seed)
    files = []
    for f in range(3):
        rows = []
        for i in range(rng.randint(20, 60)):
            rows.append({
                "id": f"{seed}-{f}-{i}", "date": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(540)),
                "country": rng.choice(COUNTRIES), "occupation_uri": rng.choice([*occupations, None]),
                "skills": [{"uri": u, "score": 1.2} for u in rng.sample(skills, rng.randint(0, min(4, len(skills))))],
            })  # fmt: skip
        files.append(rows)
    return files


def parquet(rows: list[dict[str, object]]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=scale.output_schema(False)), buffer)
    return buffer.getvalue()


@pytest.mark.usefixtures("esco")
@pytest.mark.parametrize("seed", [1, 2])
def test_the_rollups_give_what_the_ads_give_for_every_filter(
    sessions: sessionmaker[Session], seed: int
) -> None:
    with sessions() as db:
        skill_ids = dict(db.execute(select(Skill.uri, Skill.id)).all())
        occupation_ids = dict(db.execute(select(Occupation.uri, Occupation.id)).all())
    files = classified_files(sorted(skill_ids)[:8], sorted(occupation_ids)[:3], seed)
    with database.unit_of_work(sessions) as db:  # two loads: the second adds to the rollups' rows
        demand.load_demand_uploads(db=db, actor=SYSTEM, files=[("a.parquet", parquet(files[0]))])
    with database.unit_of_work(sessions) as db:
        demand.load_demand_uploads(
            db=db, actor=SYSTEM, files=[("b.parquet", parquet(files[1])), ("c.parquet", parquet(files[2]))]
        )
    ads = [row for rows in files for row in rows]
    start, end = dt.date(2025, 4, 1), dt.date(2026, 2, 28)
    with sessions() as db:
        for country in [None, *COUNTRIES]:
            for occupation in [None, *sorted(occupation_ids)[:3]]:
                kept = [
                    a for a in ads
                    if start <= a["date"].replace(day=1) <= end  # type: ignore[attr-defined]
                    and (country is None or a["country"] == country)
                    and (occupation is None or a["occupation_uri"] == occupation)
                ]  # fmt: skip
                filters = (start, end, country, occupation_ids[occupation] if occupation else None)
                assert demand.total_ads(db, *filters) == len(kept)
                per_skill = Counter(skill_ids[s["uri"]] for a in kept for s in a["skills"])  # type: ignore[attr-defined]
                assert demand.ads_per_skill(db, *filters) == per_skill
                months = Counter((a["date"].year, a["date"].month) for a in kept)  # type: ignore[attr-defined]
                assert demand.monthly_ads(db, *filters) == months
                some = sorted(per_skill)[:3]
                by_month = Counter(
                    (skill_ids[s["uri"]], a["date"].year, a["date"].month)  # type: ignore[attr-defined]
                    for a in kept for s in a["skills"] if skill_ids[s["uri"]] in some  # type: ignore[attr-defined]
                )  # fmt: skip
                assert demand.monthly_skill_ads(db, *filters, some) == by_month
        # the report ranks by ads, ties by name, and names only the skills it shows
        from skillatlas.intelligence import service

        labels = dict(db.execute(select(Skill.id, Skill.preferred_label)).all())
        kept = [a for a in ads if start <= a["date"].replace(day=1) <= end]  # type: ignore[attr-defined]
        per_skill = Counter(skill_ids[s["uri"]] for a in kept for s in a["skills"])  # type: ignore[attr-defined]
        for limit in (1, 2, 3, 20):
            expected = sorted(per_skill, key=lambda i: (-per_skill[i], labels[i]))[:limit]
            top = service.demand_report(db=db, start=start, end=end, limit=limit).top
            assert [(t.skill_id, t.label, t.ads) for t in top] == [
                (i, labels[i], per_skill[i]) for i in expected
            ]
        # the rollups hold a row per key, however many files counted in it
        assert db.scalar(select(func.count()).select_from(DemandMonth)) == len(
            {(c, a["date"].replace(day=1)) for a in ads for c in (a["country"], "")}  # type: ignore[attr-defined]
        )


def test_the_migration_rolls_up_what_was_loaded_before(tmp_path: Path) -> None:
    engine: Engine = database.make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    database.upgrade(engine, "0012_person_staff_index")
    with engine.begin() as connection:
        connection.execute(insert(Skill.__table__), [  # type: ignore[arg-type]
            {"id": 1, "uri": "http://e/s/1", "preferred_label": "welding"},
            {"id": 2, "uri": "http://e/s/2", "preferred_label": "painting"},
        ])  # fmt: skip
        connection.execute(insert(DemandFile.__table__), [  # type: ignore[arg-type]
            {"id": f, "digest": str(f) * 64, "name": f"f{f}", "ads": 5, "skill_links": 5, "unknown_skills": 0,
             "loaded_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
            for f in (1, 2)
        ])  # fmt: skip
        march = dt.date(2026, 3, 1)
        connection.execute(insert(DemandAds.__table__), [  # type: ignore[arg-type]
            {"file_id": 1, "occupation_id": None, "country": "DE", "month": march, "ads": 3},
            {"file_id": 2, "occupation_id": None, "country": "DE", "month": march, "ads": 2},
            {"file_id": 2, "occupation_id": None, "country": "FR", "month": march, "ads": 4},
        ])  # fmt: skip
        connection.execute(insert(DemandSkill.__table__), [  # type: ignore[arg-type]
            {"file_id": 1, "skill_id": 1, "occupation_id": None, "country": "DE", "month": march, "ads": 3},
            {"file_id": 2, "skill_id": 1, "occupation_id": None, "country": "DE", "month": march, "ads": 1},
            {"file_id": 2, "skill_id": 2, "occupation_id": None, "country": "FR", "month": march, "ads": 4},
        ])  # fmt: skip
    database.upgrade(engine)
    with engine.connect() as connection:
        months = set(connection.execute(select(DemandMonth.country, DemandMonth.ads)).all())
        skills = set(connection.execute(
            select(DemandSkillMonth.skill_id, DemandSkillMonth.country, DemandSkillMonth.ads)
        ).all())  # fmt: skip
    assert months == {("DE", 5), ("FR", 4), ("", 9)}
    assert skills == {(1, "DE", 4), (1, "", 4), (2, "FR", 4), (2, "", 4)}
    engine.dispose()


def _plans_of(sessions: sessionmaker[Session], read: Any) -> list[str]:
    """The plan of every statement `read(db)` sends (EXPLAIN; on PostgreSQL with table and bitmap scans off:
    a few rows would rightly be read from the table, the point is which plan exists at all)."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if "demand_" in statement:
            seen.append((statement, parameters))

    with sessions() as db:
        engine = db.get_bind()
        event.listen(engine, "before_cursor_execute", record)
        try:
            read(db)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        connection = db.connection()
        plans = []
        for statement, parameters in seen:
            if connection.dialect.name == "postgresql":
                for switch in ("enable_seqscan", "enable_bitmapscan"):
                    connection.exec_driver_sql(f"SET LOCAL {switch} = off")
                rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            else:
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            plans.append("\n".join(" ".join(str(v) for v in row) for row in rows))
        return plans


@pytest.mark.usefixtures("esco")
def test_the_report_for_one_occupation_reads_its_sums_from_an_index_alone(
    sessions: sessionmaker[Session],
) -> None:
    """The report for one occupation sums the files' fine rows of that occupation: every column it reads is in
    the index it finds them by, so no row is read from the table (migration 0014)."""
    with sessions() as db:
        skill_ids = dict(db.execute(select(Skill.uri, Skill.id)).all())
        occupation_ids = dict(db.execute(select(Occupation.uri, Occupation.id)).all())
    files = classified_files(sorted(skill_ids)[:8], sorted(occupation_ids)[:3], 3)
    with database.unit_of_work(sessions) as db:
        demand.load_demand_uploads(db=db, actor=SYSTEM, files=[("a.parquet", parquet(files[0]))])
    occupation = occupation_ids[sorted(occupation_ids)[0]]
    start, end = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
    some = sorted(skill_ids.values())[:3]
    for country in (None, "DE"):
        filters = (start, end, country, occupation)

        def read(db: Session, filters: Any = filters) -> None:
            demand.total_ads(db, *filters)
            demand.ads_per_skill(db, *filters)
            demand.monthly_ads(db, *filters)
            demand.monthly_skill_ads(db, *filters, some)

        plans = _plans_of(sessions, read)
        assert len(plans) == 4
        for plan in plans:
            assert "occupation_read" in plan, plan
            assert "Index Only Scan" in plan or "COVERING INDEX" in plan, plan


def _counted_row_by_row(
    rows: list[dict[str, Any]], skill_ids: dict[str, int], occupation_ids: dict[str, int]
) -> tuple[Counter[Any], Counter[Any], int, int]:
    """What the loader counts, ad by ad: the reference for `demand._count`."""
    ads: Counter[Any] = Counter()
    skills: Counter[Any] = Counter()
    links = unknown = 0
    for row in rows:
        key = (occupation_ids.get(row["occupation_uri"]) if row["occupation_uri"] else None, row["country"],
               row["date"].replace(day=1))  # fmt: skip
        ads[key] += 1
        for uri in {s["uri"] for s in row["skills"] or []}:
            if uri in skill_ids:
                skills[(skill_ids[uri], *key)] += 1
                links += 1
            else:
                unknown += 1
    return ads, skills, links, unknown


@pytest.mark.parametrize("seed", range(6))
def test_a_files_counts_are_those_of_its_ads_one_by_one(seed: int) -> None:
    """Duplicate and unknown skills, skills without a URI, no skills, unknown and missing occupations, several
    record batches, months over years."""
    rng = random.Random(seed)
    skill_ids = {f"http://e/s/{i}": 100 + i for i in range(12)}
    occupation_ids = {f"http://e/o/{i}": 7 + i for i in range(4)}
    uris = [*skill_ids, "http://e/s/unknown", None]
    occupations = [*occupation_ids, "http://e/o/unknown", None]
    rows = []
    for i in range(rng.randint(1, 300)):
        skills = (
            None
            if rng.random() < 0.05
            else [{"uri": rng.choice(uris), "score": 1.0} for _ in range(rng.randint(0, 6))]
        )
        rows.append({"id": str(i), "date": dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(1200)),
                     "country": rng.choice(["DE", "FR", "RO", "ES"]), "occupation_uri": rng.choice(occupations),
                     "skills": skills})  # fmt: skip
    schema = scale.output_schema(False)
    cut = rng.randint(0, len(rows))
    table = pa.concat_tables([pa.Table.from_pylist(rows[:cut], schema=schema),
                              pa.Table.from_pylist(rows[cut:], schema=schema)])  # fmt: skip
    counts = demand._count(table, skill_ids, occupation_ids, "f.parquet", "path")
    ads, skills, links, unknown = _counted_row_by_row(rows, skill_ids, occupation_ids)
    assert dict(counts.ads) == ads and len(counts.ads) == len(ads)
    assert dict(counts.skills) == skills and len(counts.skills) == len(skills)
    assert (counts.links, counts.unknown) == (links, unknown)


def test_ads_without_a_date_or_a_country_are_refused() -> None:
    from skillatlas.errors import InvalidInput

    schema = scale.output_schema(False)
    row = {"id": "1", "date": dt.date(2026, 1, 2), "country": "DE", "occupation_uri": None, "skills": []}
    for column in ("date", "country"):
        table = pa.Table.from_pylist([row, {**row, column: None}], schema=schema)
        with pytest.raises(InvalidInput, match=f"f.parquet: 1 of its ads have no {column}"):
            demand._count(table, {}, {}, "f.parquet", "files")
