"""Fixtures of the credential tests: an issuing organisation, learners, an achievement, issuing settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance.models import Organisation, OrganisationType
from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials import service
from skillatlas.credentials.schemas import AchievementCreate, IssueRequest
from skillatlas.db import unit_of_work
from skillatlas.people.models import Person

BASE_URL = "http://127.0.0.1:8000"
ISSUED_AT = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
SKILL = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"


def achievement_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Hydrogen VET teacher",
        "issuer": "asa",
        "description": "Teaches hydrogen vehicle technology in vocational education.",
        "criteria": "Attend the two-day train-the-trainer course and pass the practical test.",
        "learning_outcomes": ["Explains fuel-cell safety rules", "Services a hydrogen tank system"],
        "skills": [SKILL],
        "eqf_level": 5,
        "ects": 0.5,
        "hours": 16,
        "assessment_type": "practical_demonstration",
        "participation_form": "on_site",
        "quality_assurance": "Reviewed by the ASA Education and Training committee",
    }
    values.update(changes)
    return values


@pytest.fixture
def issuing(tmp_path: Path) -> service.Issuing:
    return service.Issuing(base_url=BASE_URL, data_dir=tmp_path / "data")


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> dict[str, int]:
    """The ASA as issuer and three learners, committed."""
    with unit_of_work(sessions) as db:
        asa = Organisation(
            slug="asa",
            name="Automotive Skills Alliance",
            short_name="ASA",
            type=OrganisationType.ASSOCIATION,
            country="BE",
            nuts_region="BE10",
            website="https://automotive-skills-alliance.eu",
            description="",
        )
        other = Organisation(
            slug="acme",
            name="Acme Training",
            type=OrganisationType.EDUCATION_TRAINING,
            country="DE",
            description="",
        )
        db.add_all([asa, other])
        people = [
            Person(full_name=n, email=e)
            for n, e in [
                ("Ana Popescu", "ana@example.org"),
                ("Jonas Weber", "jonas@example.org"),
                ("Élodie Ñúñez", None),
            ]
        ]
        db.add_all(people)
        db.flush()
        return {"asa": asa.id, "acme": other.id, **{f"p{i}": p.id for i, p in enumerate(people)}}


@pytest.fixture
def achievement(sessions: sessionmaker[Session], world: dict[str, int]) -> str:
    """The slug of a committed achievement of the ASA."""
    with unit_of_work(sessions) as db:
        created = service.create_achievement(
            db=db, actor=SYSTEM, data=AchievementCreate.model_validate(achievement_values())
        )
        return created.slug


def issue(
    sessions: sessionmaker[Session],
    issuing: service.Issuing,
    achievement: str,
    learner: int,
    fmt: str = "ldp",
    at: dt.datetime = ISSUED_AT,
) -> tuple[str, str]:
    """Issues and commits one credential: (its uuid, the document as signed)."""
    with unit_of_work(sessions) as db:
        issued = service.issue(
            db=db,
            actor=SYSTEM,
            issuing=issuing,
            now=at,
            data=IssueRequest(achievement=achievement, learner=learner, format=fmt),  # type: ignore[arg-type]
        )
        return issued.uuid, issued.document


def verify(
    sessions: sessionmaker[Session], data: Any, at: dt.datetime = ISSUED_AT + dt.timedelta(days=1)
) -> Any:
    with unit_of_work(sessions) as db:
        return service.verify(db=db, data=data, base_url=BASE_URL, now=at)


def failed(report: Any) -> dict[str, str]:
    return {c.check: c.reason for c in report.checks if not c.ok}
