"""A small world for the innovation self-assessment: a published question set mapped to the learning fixture's
role (battery-pack-engineer), its courses and a worker of EDUCAM; helpers to run assessments by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.schemas import OrganisationCreate
from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.innovation import service
from skillatlas.innovation.models import Assessment, Clause
from skillatlas.innovation.schemas import AnswerIn, AssessmentStart, QuestionSetIn
from skillatlas.validation import slugify
from tests.conftest import NOW
from tests.learning.conftest import BMS, DESIGN, FLUIDS, ROLE, SOFTWARE, Catalogue
from tests.learning.conftest import catalogue as catalogue  # the fixture, for this package's tests

# Two questions per clause; leadership weighs 2, every other clause 1.
WEIGHTS = {c: (2.0 if c == Clause.LEADERSHIP else 1.0) for c in Clause}
SKILLS = {
    Clause.CONTEXT: [{"uri": SOFTWARE, "level": "awareness"}],
    Clause.LEADERSHIP: [{"uri": DESIGN, "level": "expert"}],
    Clause.OPERATIONS: [{"uri": FLUIDS, "level": "practitioner"}, {"uri": BMS, "level": "practitioner"}],
    Clause.IMPROVEMENT: [{"uri": FLUIDS, "level": "practitioner"}],
}
# The hand-computed example: scores 75, 12.5, 50, 75, 0, 100, 37.5; overall 362.5 / 8 = 45.3125 -> 45.3.
LEVELS = {
    Clause.CONTEXT: [4, 2],
    Clause.LEADERSHIP: [1, 0],
    Clause.PLANNING: [2, 2],
    Clause.SUPPORT: [3, 3],
    Clause.OPERATIONS: [0, 0],
    Clause.EVALUATION: [4, 4],
    Clause.IMPROVEMENT: [1, 2],
}


def set_input(
    title: str = "Test question set", prefix: str = "Q", role: str = ROLE, skills: bool = True
) -> QuestionSetIn:
    return QuestionSetIn(
        title=title, role=role,
        clauses=[{"clause": c, "weight": WEIGHTS[c], "questions": [f"{prefix} {c.value} one?", f"{prefix} {c.value} two?"],
                  "skills": SKILLS.get(c, []) if skills else []} for c in Clause],
    )  # fmt: skip


def publish_set(db: Session, **kwargs: object) -> int:
    """Saves and publishes a new version of the question set; its number."""
    found = service.save_question_set(db=db, actor=SYSTEM, data=set_input(**kwargs))  # type: ignore[arg-type]
    service.publish_question_set(db=db, actor=SYSTEM, now=NOW)
    return found.number


def add_organisation(db: Session, name: str, type_: str = "industry", country: str = "DE") -> str:
    alliance_service.create_organisation(
        db=db, actor=SYSTEM, data=OrganisationCreate(name=name, type=type_, country=country)
    )
    return slugify(name)


def run_assessment(
    db: Session,
    organisation: str,
    levels: dict[Clause, list[int]],
    *,
    sector: str = "supplier",
    size: str = "large",
    done: dt.datetime = NOW,
    complete: bool = True,
) -> Assessment:
    assessment = service.start(db=db, actor=SYSTEM, now=done - dt.timedelta(days=1),
                               data=AssessmentStart(organisation=organisation, sector=sector, size=size))  # fmt: skip
    answers = [
        AnswerIn(question_id=q.id, level=level)
        for c in assessment.question_set.clauses
        for q, level in zip(c.questions, levels[c.clause], strict=True)
    ]
    service.save_answers(db=db, actor=SYSTEM, assessment_id=assessment.id, answers=answers)
    if complete:
        service.complete(db=db, actor=SYSTEM, assessment_id=assessment.id, now=done)
    return assessment


def uniform(level: int) -> dict[Clause, list[int]]:
    return {c: [level, level] for c in Clause}


@pytest.fixture
def question_set(sessions: sessionmaker[Session], catalogue: Catalogue) -> Iterator[int]:
    """The learning world (ESCO extract, role, courses, a worker of EDUCAM) and a published question set version."""
    with unit_of_work(sessions) as db:
        number = publish_set(db)
    yield number
