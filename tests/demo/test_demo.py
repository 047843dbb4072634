"""The ASA demo alliance and the synthetic population."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance import service
from skillatlas.auth.models import OutboxMessage, User
from skillatlas.credentials import service as credentials
from skillatlas.credentials.models import Achievement, IssuedCredential
from skillatlas.credentials.service import Issuing
from skillatlas.db import unit_of_work
from skillatlas.demo import living, loader, synthetic
from skillatlas.experts.models import ExpertiseRequest, ExpertProfile, Proposal, ProposalStatus
from skillatlas.intelligence import service as intelligence
from skillatlas.intelligence.models import JobAd, JobAdSkill
from skillatlas.kpi.models import OutcomeEvent
from skillatlas.learning.models import DevelopmentPlan, PlanState
from skillatlas.people.models import Person, PersonSkill
from skillatlas.taxonomy import service as taxonomy
from skillatlas.taxonomy.models import Skill


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


# --- the living demo (issue 13): people with skills, a deployment, plans, credentials, job ads --------------

LIVING_NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)  # the app's pinned clock (tests/conftest.py NOW)


def _load(
    sessions: sessionmaker[Session], tmp_path: Path, now: dt.datetime = LIVING_NOW
) -> loader.LoadReport:
    issuing = Issuing(base_url="https://skills.example.org", data_dir=tmp_path / "data")
    with unit_of_work(sessions) as db:
        return loader.load_demo(db=db, taxonomy=True, issuing=issuing, now=now)


def _counts(db: Session) -> dict[str, int]:
    def n(model: type) -> int:
        return db.scalar(select(func.count()).select_from(model)) or 0

    return {m.__name__: n(m) for m in (User, Person, PersonSkill, JobAd, JobAdSkill, Achievement,
                                       IssuedCredential, DevelopmentPlan, ExpertiseRequest, Proposal,
                                       OutboxMessage, OutcomeEvent)}  # fmt: skip


def _skills_of(db: Session, email: str) -> dict[str, tuple[str, str]]:
    rows = db.execute(
        select(Skill.preferred_label, PersonSkill.level, PersonSkill.source)
        .join(PersonSkill, PersonSkill.skill_id == Skill.id)
        .join(User, User.person_id == PersonSkill.person_id)
        .where(User.email == email)
    ).all()
    return {label: (str(level), str(source)) for label, level, source in rows}


def test_the_living_demo_has_people_a_deployment_plans_credentials_and_job_ads(
    sessions: sessionmaker[Session], tmp_path: Path, client: TestClient
) -> None:
    report = _load(sessions, tmp_path)
    ads = living.job_ad_data()
    postings = sum(len(ad["postings"]) for ad in ads)
    assert 60 <= postings <= 120
    assert report.added["job ads"] == postings and report.added["credentials"] == 8
    assert report.added["development plans"] == 5 and report.added["expert deployments"] == 1
    with sessions() as db:
        # Demo users with skills: the demo worker, the expert, the trainer and the new industry workers.
        for email in ("worker@asa-demo.eu", "expert@asa-demo.eu", "trainer@asa-demo.eu",
                      "ana.novak@continental.example", "luis.garcia@continental.example"):  # fmt: skip
            assert len(_skills_of(db, email)) >= 2, email
        assert _skills_of(db, "worker@asa-demo.eu")["execute vehicle maintenance"] == (
            "practitioner",
            "assessed",
        )
        # They share their skills with their employer, so the employer's workforce view shows them.
        from skillatlas.privacy.service import has_consent

        for email in ("worker@asa-demo.eu", "ana.novak@continental.example"):
            person = db.scalar(select(User.person_id).where(User.email == email))
            assert has_consent(db, person, "share_skills_with_employer"), email

        # The demo expert: listed, and one deployment that ran its whole course, rated.
        expert_person = db.scalar(select(User.person_id).where(User.email == "expert@asa-demo.eu"))
        profile = db.get(ExpertProfile, expert_person)
        assert profile is not None and profile.listed
        proposal = db.scalar(select(Proposal).where(Proposal.person_id == expert_person))
        assert proposal is not None and proposal.status == ProposalStatus.COMPLETED and proposal.rating == 5
        assert [h["status"] for h in proposal.history] == ["proposed", "accepted", "deployed", "completed"]
        assert proposal.request.organisation.slug == "educam"

        # Development plans in every state; the completed one added its courses' skills as assessed.
        states = {str(p.state) for p in db.scalars(select(DevelopmentPlan))}
        assert states == {"draft", "proposed", "agreed", "in_progress", "completed"}
        assert _skills_of(db, "ana.novak@continental.example")["repair battery components"] == (
            "expert",
            "assessed",
        )
        agreed = db.scalar(select(DevelopmentPlan).where(DevelopmentPlan.state == PlanState.AGREED))
        assert agreed is not None and agreed.worker_agreed_by and agreed.employer_agreed_by  # by people

        # Achievements and signed credentials; one verifies.
        names = set(db.scalars(select(Achievement.name)))
        assert {"ASA Innovation Agent", "Battery safety awareness", "TIE 2024 participation"} <= names
        holders = db.execute(
            select(User.email, Achievement.name)
            .join(IssuedCredential, IssuedCredential.person_id == User.person_id)
            .join(Achievement, Achievement.id == IssuedCredential.achievement_id)
        ).all()
        assert ("worker@asa-demo.eu", "TIE 2024 participation") in holders
        assert ("ana.novak@continental.example", "Battery safety awareness") in holders
        one = db.scalar(select(IssuedCredential).limit(1))
        assert one is not None
        checked = credentials.verify(db=db, data=json.loads(one.document), base_url="https://skills.example.org",
                                     now=LIVING_NOW)  # fmt: skip
        assert checked.valid, checked

        # Job ads over the last twelve months, in several countries, each with the skills found in it.
        posted = db.execute(select(JobAd.posted_on, JobAd.country)).all()
        assert len(posted) == postings
        assert all(
            LIVING_NOW.date() - dt.timedelta(days=365) <= day <= LIVING_NOW.date() for day, _ in posted
        )
        assert len({(day.year, day.month) for day, _ in posted}) == 12
        assert len({country for _, country in posted}) >= 10
        with_skills = db.scalar(select(func.count(func.distinct(JobAdSkill.job_ad_id))))
        assert with_skills == postings
        demand = intelligence.demand_report(db=db, start=LIVING_NOW.date() - dt.timedelta(days=365),
                                            end=LIVING_NOW.date())  # fmt: skip
        assert demand.total_ads == postings and sum(1 for n in demand.monthly_ads if n) == 12
        top = [s.label for s in demand.top[:10]]
        assert "battery components" in top and "automotive diagnostic equipment" in top
        assert demand.rising  # software-defined vehicle and hydrogen ads grow towards the present
        # The demo's fictional people are mailed nothing.
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    page = client.get("/intelligence/demand")
    assert page.status_code == 200
    assert f"From {postings} job ads" in page.text and 'id="top-chart"' in page.text


def test_the_living_demo_loads_again_without_duplicates(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _load(sessions, tmp_path)
    with sessions() as db:
        before = _counts(db)
    again = _load(sessions, tmp_path)
    assert again.added == {}
    a_month_later = _load(
        sessions, tmp_path, now=LIVING_NOW + dt.timedelta(days=31)
    )  # job ads keep their ids
    assert a_month_later.added == {}
    with sessions() as db:
        assert _counts(db) == before


def test_without_the_bundled_taxonomy_the_living_demo_waits(db: Session) -> None:
    report = loader.load_demo(db=db)
    assert not {"job ads", "development plans", "credentials"} & set(report.added)
    # A taxonomy holding only some of the demo's skills (the test suite's ESCO extract): still nothing.
    taxonomy.import_esco(db=db, directory=Path(__file__).parent.parent / "taxonomy" / "esco_fixture")
    report = loader.load_demo(db=db)
    assert not {"job ads", "development plans", "credentials", "person skills"} & set(report.added)
    assert db.scalar(select(func.count()).select_from(JobAd)) == 0
