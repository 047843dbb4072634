"""Synthetic skills, experts and courses for scale work: coherent, deterministic, usable by the domains."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from skillatlas.auth.permissions import SYSTEM
from skillatlas.demo import bulk, loader, synthetic
from skillatlas.errors import Conflict, InvalidInput
from skillatlas.experts import service as experts
from skillatlas.experts.models import ExpertProfile
from skillatlas.experts.schemas import ExpertiseRequestIn
from skillatlas.learning import service as learning
from skillatlas.learning.models import Course, CoursePrerequisite, CourseSkill
from skillatlas.people.models import Person, PersonSkill
from skillatlas.roles.models import JobRole, JobRoleSkill, JobRoleVersion
from skillatlas.taxonomy.models import Skill

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


@pytest.fixture
def scale(db: Session) -> Session:
    loader.load_demo(db=db, taxonomy=True)
    clusters = synthetic.skill_clusters(db)
    synthetic.add_population(db=db, n=300, seed=21)
    synthetic.add_person_skills(db=db, seed=21, clusters=clusters)
    synthetic.add_experts(db=db, n=120, seed=21, clusters=clusters)
    synthetic.add_courses(db=db, n=400, seed=21, clusters=clusters)
    db.commit()
    return db


def _skills_of(db: Session, ref_prefix: str) -> list[tuple[str, str, str, str]]:
    # By skill URI: ids differ between loads on PostgreSQL, whose sequences a rollback does not rewind.
    return list(
        db.execute(
            select(Person.external_ref, Skill.uri, PersonSkill.level, PersonSkill.source)
            .join(Person, Person.id == PersonSkill.person_id)
            .join(Skill, Skill.id == PersonSkill.skill_id)
            .where(Person.external_ref.like(f"{ref_prefix}%"))
            .order_by(Person.external_ref, Skill.uri)
        ).all()
    )


def test_counts_and_shapes(scale: Session) -> None:
    db = scale
    per_person = db.execute(
        select(func.count())
        .select_from(PersonSkill)
        .join(Person, Person.id == PersonSkill.person_id)
        .where(Person.external_ref.like("syn:21:%"))
        .group_by(Person.id)
    ).scalars().all()  # fmt: skip
    assert len(per_person) == 300 and min(per_person) >= 1 and max(per_person) <= 10
    profiles = db.scalars(select(ExpertProfile).where(ExpertProfile.external_id.like("syn:21:%"))).all()
    assert len(profiles) == 120 and all(p.listed and p.consent_at is not None for p in profiles)
    assert all(p.availability and p.languages and p.countries for p in profiles)
    expert_skills = db.execute(
        select(func.count()).select_from(PersonSkill).join(ExpertProfile, ExpertProfile.person_id == PersonSkill.person_id)
        .where(ExpertProfile.external_id.like("syn:21:%")).group_by(PersonSkill.person_id)
    ).scalars().all()  # fmt: skip
    assert min(expert_skills) >= 3
    courses = db.scalars(select(Course).where(Course.code.like("SYN21-%"))).all()
    assert len(courses) == 400
    assert all(c.provider.type.value == "education_training_provider" for c in courses)
    taught = db.scalar(
        select(func.count(func.distinct(CourseSkill.course_id)))
        .join(Course)
        .where(Course.code.like("SYN21-%"))
    )
    assert taught == 400  # every course teaches at least one skill
    assert db.scalar(select(func.count()).select_from(CoursePrerequisite)) >= 1


def test_the_same_seed_gives_the_same_data(db: Session, sessions) -> None:  # type: ignore[no-untyped-def]
    loader.load_demo(db=db, taxonomy=True)
    clusters = synthetic.skill_clusters(db)
    synthetic.add_population(db=db, n=50, seed=5)
    synthetic.add_person_skills(db=db, seed=5, clusters=clusters)
    synthetic.add_experts(db=db, n=20, seed=5, clusters=clusters)
    first = (_skills_of(db, "syn:5:"), _skills_of(db, "syn-expert:5:"))
    db.rollback()
    loader.load_demo(db=db, taxonomy=True)
    clusters = synthetic.skill_clusters(db)
    synthetic.add_population(db=db, n=50, seed=5)
    synthetic.add_person_skills(db=db, seed=5, clusters=clusters)
    synthetic.add_experts(db=db, n=20, seed=5, clusters=clusters)
    assert (_skills_of(db, "syn:5:"), _skills_of(db, "syn-expert:5:")) == first
    assert first[0] and first[1]


def test_a_seed_loads_once(scale: Session) -> None:
    with pytest.raises(Conflict):
        synthetic.add_experts(db=scale, n=5, seed=21)
    with pytest.raises(Conflict):
        synthetic.add_courses(db=scale, n=5, seed=21)


def test_an_empty_taxonomy_is_refused(db: Session) -> None:
    loader.load_demo(db=db)
    with pytest.raises(InvalidInput, match="taxonomy is empty"):
        synthetic.add_experts(db=db, n=5, seed=1)


def test_matching_and_training_paths_work_on_the_synthetic_data(scale: Session) -> None:
    db = scale
    # A request for the skills of a demo role finds synthetic experts who hold some of them.
    role_skills = db.scalars(
        select(Skill.uri).join(JobRoleSkill, JobRoleSkill.skill_id == Skill.id)
        .join(JobRoleVersion, JobRoleVersion.id == JobRoleSkill.version_id)
        .join(JobRole, JobRole.id == JobRoleVersion.role_id).where(JobRole.slug == "battery-technician")
    ).all()  # fmt: skip
    request = experts.create_request(
        db=db, actor=SYSTEM, now=NOW,
        data=ExpertiseRequestIn(organisation="asa", title="Battery technician coaching",
                                skills=[{"uri": u} for u in role_skills[:4]]),
    )  # fmt: skip
    shortlist = experts.shortlist(
        db=db, actor=SYSTEM, request_id=request.id, engine=experts.MatchingEngine(None, "none"),
        today=NOW.date(), k=10,
    )  # fmt: skip
    assert len(shortlist) == 10
    assert any("battery" in (entry.headline or "").lower() for entry in shortlist)
    # A synthetic worker's gap against the role, and a path made of synthetic courses.
    worker = db.scalar(select(Person.id).where(Person.external_ref == "syn:21:0"))
    path = learning.path_for(db=db, actor=SYSTEM, person_id=worker, role="battery-technician")
    assert path.gap.skills
    assert path.courses and any(c.code.startswith("SYN21-") for c in path.courses)


def _persons_of(db: Session, prefix: str) -> list[tuple[object, ...]]:
    return list(
        db.execute(
            select(Person.external_ref, Person.full_name, Person.kind, Person.employer_id, Person.country)
            .where(Person.external_ref.like(f"{prefix}%"))
            .order_by(Person.id)
        ).all()
    )


def _schema_of(db: Session, table: str) -> set[tuple[str, str]]:
    indexes = db.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"), {"t": table}
    ).all()
    constraints = db.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(:t AS regclass)"
        ),
        {"t": table},
    ).all()
    return {tuple(r) for r in [*indexes, *constraints]}


def test_postgres_copy_gives_the_rows_of_the_insert_path_and_keeps_the_schema(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk path (COPY, indexes and constraints dropped and rebuilt) loads exactly what the INSERT path
    loads, and leaves every index and constraint as the migrations made it (issue 14)."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    loader.load_demo(db=db, taxonomy=True)
    db.commit()
    schema = {t: _schema_of(db, t) for t in ("person", "person_skill")}
    clusters = synthetic.skill_clusters(db)
    monkeypatch.setattr(bulk, "is_postgres", lambda _db: False)
    synthetic.add_population(db=db, n=700, seed=9)
    synthetic.add_person_skills(db=db, seed=9, clusters=clusters)
    inserted = (_persons_of(db, "syn:9:"), _skills_of(db, "syn:9:"))
    db.rollback()
    monkeypatch.undo()
    monkeypatch.setattr(bulk, "REBUILD_FROM_ROWS", 0)
    copies: list[str] = []
    real_copy = bulk.copy_binary
    monkeypatch.setattr(bulk, "copy_binary", lambda *a: copies.append(a[1]) or real_copy(*a))
    synthetic.add_population(db=db, n=700, seed=9)
    synthetic.add_person_skills(db=db, seed=9, clusters=clusters)
    assert copies == ["person_skill"]  # one binary COPY for 700 persons, no INSERT
    assert (_persons_of(db, "syn:9:"), _skills_of(db, "syn:9:")) == inserted
    assert len(inserted[0]) == 700 and len(inserted[1]) > 700
    assert {t: _schema_of(db, t) for t in schema} == schema
    # The sequence moved past the reserved ids: the next person gets a fresh one.
    biggest = db.scalar(select(func.max(Person.id)))
    db.add(newcomer := Person(full_name="After the bulk load"))
    db.flush()
    assert newcomer.id > biggest
