"""Rules for persons: finding, creating and listing them, and the record of their skills."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.auth import audit
from skillatlas.auth.permissions import SYSTEM, Principal, authorize
from skillatlas.errors import InvalidInput, NotFound, PermissionDenied
from skillatlas.people.models import Person, PersonKind, PersonSkill, SkillSource
from skillatlas.people.schemas import PersonSkillIn, PersonSkillRead
from skillatlas.privacy import service as privacy
from skillatlas.taxonomy.models import Skill


def get(*, db: Session, person_id: int) -> Person:
    """The person, or NotFound."""
    person = db.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id}", field="person_id")
    return person


def find_or_create_by_email(
    *,
    db: Session,
    email: str,
    full_name: str,
    country: str | None = None,
    kind: PersonKind = PersonKind.WORKER,
) -> Person:
    """The person with this e-mail address (case-insensitive), created when new."""
    normalised = email.strip().lower()
    person = db.scalar(select(Person).where(func.lower(Person.email) == normalised))
    if person is None:
        person = Person(email=normalised, full_name=full_name, country=country, kind=kind)
        db.add(person)
        db.flush()
    return person


def staff_of(
    *, db: Session, actor: Principal, organisation_id: int, limit: int = 500, offset: int = 0
) -> list[Person]:
    """The persons an organisation employs: personal data, for the office and the organisation's managers."""
    authorize(actor, "organisation.read_staff", organisation_id=organisation_id)
    return list(
        db.scalars(
            select(Person)
            .where(Person.employer_id == organisation_id)
            .order_by(Person.full_name, Person.id)
            .limit(limit)
            .offset(offset)
        )
    )


def count(*, db: Session) -> int:
    """How many persons the platform holds."""
    return db.scalar(select(func.count()).select_from(Person)) or 0


# --- a person's skills -----------------------------------------------------------------------
# Owned here because experts (their profile), learning (gap analysis) and credentials (verified skills)
# all read the same record of what a person can do.


def person_facts(db: Session, person: Person) -> dict[str, Any]:
    """The facts the one permission check needs about a person's skills: who they are, their employer, and
    the consents they give now (an employer's manager reads their skills only with
    `share_skills_with_employer`)."""
    return {
        "person_id": person.id,
        "organisation_id": person.employer_id,
        **privacy.consent_facts(db, person.id),
    }


def skills_of(*, db: Session, actor: Principal, person_id: int) -> list[PersonSkillRead]:
    """A person's skills, strongest first: for the person, the office and their employer's managers."""
    person = get(db=db, person_id=person_id)
    authorize(actor, "person.skills.read", **person_facts(db, person))
    rows = db.execute(
        select(PersonSkill, Skill.uri, Skill.preferred_label)
        .join(Skill, Skill.id == PersonSkill.skill_id)
        .where(PersonSkill.person_id == person_id)
        .order_by(Skill.preferred_label)
    ).all()
    found = [
        PersonSkillRead(skill_id=ps.skill_id, uri=uri, label=label, level=ps.level, source=ps.source,
                        evidence=ps.evidence, years=ps.years)
        for ps, uri, label in rows
    ]  # fmt: skip
    return sorted(found, key=lambda s: (-s.level.rank, s.label))


def set_skills(
    *, db: Session, actor: Principal, person_id: int, skills: list[PersonSkillIn]
) -> list[PersonSkillRead]:
    """Records (or updates) skills of a person; a skill URI outside the taxonomy is refused, nothing saved."""
    person = get(db=db, person_id=person_id)
    authorize(actor, "person.skills.write", **person_facts(db, person))
    uris = [s.uri for s in skills]
    known = dict(db.execute(select(Skill.uri, Skill.id).where(Skill.uri.in_(uris))).all())
    missing = [u for u in uris if u not in known]
    if missing:
        raise InvalidInput(f"unknown skill URI {missing[0]!r}", field="skills")
    for item in skills:
        # Only the office or a credential may record a skill as assessed or credentialed, never a self-claim.
        if item.source != SkillSource.CLAIMED and actor.person_id == person_id and not actor.is_system:
            raise PermissionDenied(
                "a skill you record yourself is a claim; assessments and credentials come from others"
            )
        record = db.get(PersonSkill, (person_id, known[item.uri]))
        if record is None:
            record = PersonSkill(person_id=person_id, skill_id=known[item.uri])
            db.add(record)
        record.level, record.source, record.evidence, record.years = (
            item.level,
            item.source,
            item.evidence,
            item.years,
        )
    db.flush()
    audit.record(db=db, actor=actor, action="person.skills.write", object_type="person", object_id=person_id,
                 details={"skills": uris})  # fmt: skip
    return skills_of(db=db, actor=SYSTEM, person_id=person_id)


def remove_skill(*, db: Session, actor: Principal, person_id: int, uri: str) -> None:
    """Removes a skill from a person's record."""
    person = get(db=db, person_id=person_id)
    authorize(actor, "person.skills.write", **person_facts(db, person))
    skill_id = db.scalar(select(Skill.id).where(Skill.uri == uri))
    record = db.get(PersonSkill, (person_id, skill_id)) if skill_id is not None else None
    if record is None:
        raise NotFound(f"person {person_id} has no skill {uri!r}", field="uri")
    if record.source not in MINE and actor.person_id == person_id and not actor.is_system:
        # proof stays on the record: a person removes their own claims, not what others assessed or certified
        raise PermissionDenied(KEPT[record.source])
    db.delete(record)
    db.flush()
    audit.record(db=db, actor=actor, action="person.skills.remove", object_type="person", object_id=person_id,
                 details={"uri": uri})  # fmt: skip


#: What a person may remove from their own record: their claims, and skills found in their own text (derived).
MINE = (SkillSource.CLAIMED, SkillSource.DERIVED)
#: Why a skill shown to its person cannot be removed by them (My skills explains it in these words).
KEPT = {
    SkillSource.ASSESSED: "this skill was assessed (a course you passed, or the office): it stays on your record",
    SkillSource.CREDENTIALED: "this skill is proven by a credential you received: it stays on your record",
}


def save_claims(
    *, db: Session, actor: Principal, person_id: int, skills: list[PersonSkillIn], replace: bool = False
) -> list[PersonSkillRead]:
    """What a person says they can do: listed skills are claimed or their claimed level changed; with `replace`,
    claims left out of the list are removed. Assessed and credentialed skills are kept as they are (a claim
    never replaces proof, nor removes it). A skill URI outside the taxonomy is refused, nothing saved."""
    person = get(db=db, person_id=person_id)
    authorize(actor, "person.skills.write", **person_facts(db, person))
    uris = [s.uri for s in skills]
    known = dict(db.execute(select(Skill.uri, Skill.id).where(Skill.uri.in_(uris))).all()) if uris else {}
    missing = [u for u in uris if u not in known]
    if missing:
        raise InvalidInput(f"unknown skill URI {missing[0]!r}", field="skills")
    records = {
        r.skill_id: r for r in db.scalars(select(PersonSkill).where(PersonSkill.person_id == person_id))
    }
    listed: set[int] = set()
    added, changed, removed = [], [], []
    for item in skills:
        skill_id = known[item.uri]
        listed.add(skill_id)
        record = records.get(skill_id)
        if record is None:
            db.add(PersonSkill(person_id=person_id, skill_id=skill_id, level=item.level,
                               source=SkillSource.CLAIMED, evidence=item.evidence, years=item.years))  # fmt: skip
            added.append(item.uri)
        elif record.source == SkillSource.CLAIMED and record.level != item.level:
            record.level = item.level
            changed.append(item.uri)
        elif record.source == SkillSource.DERIVED:  # listed by the person: a derived skill confirmed
            record.source, record.level = SkillSource.CLAIMED, item.level
            changed.append(item.uri)
    if replace:
        uri_of = dict(db.execute(select(Skill.id, Skill.uri).where(Skill.id.in_(list(records)))).all())
        for skill_id, record in records.items():
            if skill_id not in listed and record.source == SkillSource.CLAIMED:
                db.delete(record)
                removed.append(uri_of.get(skill_id, ""))
    db.flush()
    if added or changed or removed:
        audit.record(db=db, actor=actor, action="person.skills.write", object_type="person", object_id=person_id,
                     details={"added": added, "changed": changed, "removed": removed})  # fmt: skip
    return skills_of(db=db, actor=SYSTEM, person_id=person_id)
