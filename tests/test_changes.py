"""Change counters: a watched table's write bumps its counter once per transaction, and only when it matters."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from skillatlas import changes
from skillatlas.experts.models import ExpertProfile
from skillatlas.learning.models import Course
from skillatlas.people.models import Person, PersonKind, PersonSkill
from skillatlas.taxonomy.models import Skill


def _arrange(db: Session) -> tuple[int, int, int]:
    """An expert, a worker and a skill."""
    skill = Skill(uri="urn:test:skill:1", preferred_label="welding")
    expert = Person(full_name="E", kind=PersonKind.EXPERT)
    worker = Person(full_name="W", kind=PersonKind.WORKER)
    db.add_all([skill, expert, worker])
    db.flush()
    db.add(ExpertProfile(person_id=expert.id, headline="welding", listed=True))
    db.commit()
    return skill.id, expert.id, worker.id


def test_an_experts_skill_counts_a_workers_does_not(db: Session) -> None:
    skill, expert, worker = _arrange(db)
    before = changes.current(db, "experts")
    db.add(PersonSkill(person_id=worker, skill_id=skill, level="practitioner", source="claimed"))
    db.commit()
    assert changes.current(db, "experts") == before  # matching does not rebuild for a worker's profile
    db.add(PersonSkill(person_id=expert, skill_id=skill, level="expert", source="claimed"))
    db.commit()
    assert changes.current(db, "experts") == before + 1


def test_one_bump_per_transaction_and_none_after_a_rollback(db: Session) -> None:
    _, expert, _ = _arrange(db)
    before = changes.current(db, "experts")
    profile = db.get(ExpertProfile, expert)
    profile.headline = "welding and brazing"
    db.flush()
    profile.bio = "twenty years"
    db.flush()
    db.commit()
    assert changes.current(db, "experts") == before + 1
    db.get(ExpertProfile, expert).headline = "changed, then rolled back"
    db.flush()
    db.rollback()
    assert changes.current(db, "experts") == before + 1
    db.get(ExpertProfile, expert).headline = "after the rollback"
    db.commit()
    assert changes.current(db, "experts") == before + 2


def test_bulk_statements_count(db: Session) -> None:
    skill, _, worker = _arrange(db)
    before = changes.current(db, "experts")
    # Which rows a bulk statement touches is unknown, so any one on a watched table counts.
    db.execute(
        insert(PersonSkill),
        [{"person_id": worker, "skill_id": skill, "level": "awareness", "source": "claimed"}],
    )
    db.commit()
    assert changes.current(db, "experts") == before + 1
    db.execute(update(ExpertProfile).values(bio="bulk"))
    db.commit()
    assert changes.current(db, "experts") == before + 2


def test_counters_are_separate(db: Session) -> None:
    from skillatlas.alliance.models import Organisation, OrganisationType

    _arrange(db)
    experts, courses = changes.current(db, "experts"), changes.current(db, "courses")
    provider = Organisation(slug="p", name="P", type=OrganisationType.EDUCATION_TRAINING, country="DE")
    db.add(provider)
    db.flush()
    db.add(Course(code="C1", provider_id=provider.id, title="Welding", language="en", mode="online"))
    db.commit()
    assert changes.current(db, "experts") == experts
    # No course was ever written: the counter's first value is random, so that emptying the table (as the
    # tests do between tests) never brings back a value that an index in memory still holds.
    first = changes.current(db, "courses")
    assert courses == 0 and first > 0
    db.scalar(select(Course).where(Course.code == "C1")).title = "Welding basics"
    db.commit()
    assert changes.current(db, "courses") == first + 1
