"""The ASA demo alliance and the synthetic population."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.alliance import service
from skillatlas.demo import loader, synthetic
from skillatlas.people.models import Person


def test_demo_has_every_group_and_named_event(db: Session) -> None:
    report = loader.load_demo(db=db)
    assert report.added["groups"] == 6
    groups = {g.name for g in service.list_groups(db=db)}
    assert {"Innovation Agent Task Force", "Hydrogen VET Forum", "ASA Expert Database and Matching"} <= groups
    names = {e.name for e in service.list_events(db=db)}
    assert {"TIE 2024", "SIITME 2024", "EuroSPI 2024", "Hydrogen VET Forum 2024", "TIMS Conference 2024",
            "TIMS Training Day 1 2024", "TIMS Training Day 2 2024"} <= names  # fmt: skip
    tie = service.get_event(db=db, slug="tie-2024")
    assert (tie.place, str(tie.starts_on), str(tie.ends_on)) == ("Sibiu", "2024-04-24", "2024-04-27")
    assert {p.name for p in service.list_projects(db=db)} >= {"FLAMENCO", "TIMS"}


def test_demo_loads_again_without_duplicates(db: Session) -> None:
    loader.load_demo(db=db)
    second = loader.load_demo(db=db)
    assert second.added == {}
    assert len(service.list_groups(db=db)) == 6


def test_profile_states_the_ambition() -> None:
    profile = loader.alliance_profile()
    assert profile["ambition"]["target_people"] == 700_000
    assert len(profile["kpis"]) == 6


def test_synthetic_population_is_deterministic() -> None:
    first = list(synthetic.persons(200, seed=5, employer_ids=[1, 2, 3]))
    second = list(synthetic.persons(200, seed=5, employer_ids=[1, 2, 3]))
    other = list(synthetic.persons(200, seed=6, employer_ids=[1, 2, 3]))
    strip = [{k: v for k, v in row.items() if k != "created_at"} for row in first]
    assert strip == [{k: v for k, v in row.items() if k != "created_at"} for row in second]
    assert strip != [{k: v for k, v in row.items() if k != "created_at"} for row in other]
    assert {row["country"] for row in first} <= set(synthetic.COUNTRY_WEIGHTS)


def test_synthetic_population_spreads_over_countries_and_members(db: Session) -> None:
    loader.load_demo(db=db)
    demo_persons = db.scalar(select(func.count()).select_from(Person))  # the demo accounts' persons
    synthetic.add_population(db=db, n=3000, seed=11)
    assert db.scalar(select(func.count()).select_from(Person)) == 3000 + demo_persons
    countries = db.scalar(select(func.count(func.distinct(Person.country))))
    employers = db.scalar(select(func.count(func.distinct(Person.employer_id))))
    assert countries >= 15 and employers >= 15
    top = db.execute(
        select(Person.country, func.count()).group_by(Person.country).order_by(func.count().desc())
    ).first()
    assert top is not None and top[0] == "DE"
