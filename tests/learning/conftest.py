"""A small world for learning: the ESCO fixture, a published role, a provider's courses, a worker."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.learning import service
from skillatlas.learning.schemas import CourseIn
from skillatlas.people import service as people_service
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.roles import service as roles_service
from skillatlas.roles.schemas import RoleCreate
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import create_user

FIXTURE = Path(__file__).parent.parent / "taxonomy" / "esco_fixture"
ESCO = "http://data.europa.eu/esco/skill/"
DESIGN = ESCO + "0864c444-c22f-46ee-ae1e-c0eeffd49c34"  # battery design
FLUIDS = ESCO + "142f7164-fe09-49ec-af18-7c9e86269d9e"  # battery fluids
BMS = ESCO + "1cdd0afe-196f-4d8a-924f-4d7473cce3c7"  # battery management systems
SOFTWARE = ESCO + "3bddfd7c-ab6d-40c2-883d-5e97fb7640ba"  # create software design
BACKUP = ESCO + "47ca0da1-cae5-4395-ae6b-fd97b9ff48d3"  # system backup best practice (no course teaches it)
PROVIDER = "educam"
ROLE = "battery-pack-engineer"


@dataclass
class Catalogue:
    worker_person: int
    worker_email: str
    course_ids: dict[str, int]


def add_role(db: Session) -> None:
    roles_service.create_role(
        db=db,
        actor=SYSTEM,
        data=RoleCreate(
            slug=ROLE,
            title="Battery pack engineer",
            skills=[
                {"uri": DESIGN, "level": "expert"},
                {"uri": FLUIDS, "level": "practitioner"},
                {"uri": BMS, "level": "practitioner"},
                {"uri": SOFTWARE, "level": "awareness", "weight": "optional"},
                {"uri": BACKUP, "level": "awareness", "weight": "optional"},
            ],
        ),
    )
    roles_service.submit(db=db, actor=SYSTEM, slug=ROLE)
    roles_service.publish(db=db, actor=SYSTEM, slug=ROLE)


COURSES = [
    CourseIn(code="BAT-101", title="Battery basics", description="Battery fluids and safety.", hours=8,
             price_eur=100, skills=[{"uri": FLUIDS, "level": "practitioner"}]),
    CourseIn(code="BAT-201", title="Battery pack design", description="Designing battery packs.", hours=40,
             price_eur=900, prerequisites=["BAT-101"], skills=[{"uri": DESIGN, "level": "expert"}]),
    CourseIn(code="BAT-301", title="Battery management systems", description="BMS in depth.", hours=24,
             price_eur=500, language="de", mode="on_site", country="DE",
             skills=[{"uri": BMS, "level": "expert"}]),
    CourseIn(code="BAT-ALL", title="Complete battery engineering", description="Everything about batteries.",
             hours=120, price_eur=3000,
             skills=[{"uri": DESIGN, "level": "expert"}, {"uri": FLUIDS, "level": "expert"},
                     {"uri": BMS, "level": "expert"}]),
    CourseIn(code="SW-101", title="Software design primer", description="Create software design.", hours=4,
             price_eur=0, skills=[{"uri": SOFTWARE, "level": "awareness"}]),
]  # fmt: skip


@pytest.fixture
def catalogue(sessions: sessionmaker[Session], demo: None) -> Catalogue:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)
        add_role(db)
        saved, _ = service.save_courses(db=db, actor=SYSTEM, provider=PROVIDER, items=COURSES)
        ids = {c.code: c.id for c in saved}
    email = "learner@test.example"
    _, person = create_user(sessions, email, {"role": "worker"}, organisation=PROVIDER)
    with unit_of_work(sessions) as db:
        people_service.set_skills(
            db=db, actor=SYSTEM, person_id=person,
            skills=[PersonSkillIn(uri=DESIGN, level="awareness"), PersonSkillIn(uri=SOFTWARE, level="expert")],
        )  # fmt: skip
    return Catalogue(worker_person=person, worker_email=email, course_ids=ids)
