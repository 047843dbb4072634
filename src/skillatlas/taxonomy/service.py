"""Rules of the taxonomy: finding skills and occupations, importing ESCO, the alliance's own skills."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import String, case, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from skillatlas import changes
from skillatlas.auth import audit
from skillatlas.auth.permissions import Principal, authorize
from skillatlas.errors import AlreadyExists, InvalidInput, NotFound
from skillatlas.taxonomy import (
    esco_csv,
    policy,  # noqa: F401  (registers the rules)
)
from skillatlas.taxonomy.models import (
    BroaderRelation,
    IscoGroup,
    Occupation,
    OccupationSkill,
    ReviewState,
    Skill,
    SkillGroup,
    SkillOrigin,
    SkillType,
)
from skillatlas.taxonomy.schemas import (
    AllianceSkillCreate,
    ConceptRef,
    OccupationRead,
    OccupationRelationRead,
    OccupationSummary,
    SkillRead,
    SkillRelationRead,
    SkillSummary,
    TaxonomyCounts,
)
from skillatlas.taxonomy.store import Progress, StoreReport, store

ALLIANCE_URI_PREFIX = "urn:skillatlas:skill:"


_counted: tuple[int, TaxonomyCounts] | None = None


def counts(*, db: Session) -> TaxonomyCounts:
    """How much of the taxonomy is loaded: counted again only when the taxonomy changed (the skills page
    shows them at every search; five counts over 14,000 skills were a tenth of a loaded server's time)."""
    global _counted
    version = changes.current(db, "taxonomy")
    if _counted is not None and _counted[0] == version and not changes.pending(db, "taxonomy"):
        return _counted[1]
    found = _count(db)
    if not changes.pending(db, "taxonomy"):  # never keep what this transaction's own writes show
        _counted = (version, found)
    return found


def _count(db: Session) -> TaxonomyCounts:
    def n(statement: object) -> int:
        return db.scalar(statement) or 0  # type: ignore[arg-type]

    return TaxonomyCounts(
        skills=n(select(func.count()).select_from(Skill)),
        automotive_skills=n(select(func.count()).select_from(Skill).where(Skill.automotive.is_(True))),
        occupations=n(select(func.count()).select_from(Occupation)),
        skill_groups=n(select(func.count()).select_from(SkillGroup)),
        alliance_skills=n(
            select(func.count()).select_from(Skill).where(Skill.origin == SkillOrigin.ALLIANCE)
        ),
    )


def is_empty(*, db: Session) -> bool:
    """True when no skill is loaded yet."""
    return db.scalar(select(Skill.id).limit(1)) is None


def _label_rank(column: object, query: str) -> object:
    lowered = func.lower(column)  # type: ignore[arg-type]
    return case((lowered == query, 0), (lowered.like(f"{query}%"), 1), else_=2)


def search_skills(
    *,
    db: Session,
    query: str = "",
    automotive: bool | None = None,
    skill_type: SkillType | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Skill]:
    """Skills whose label (preferred or alternative) contains the words; exact and prefix matches first."""
    return [skill for skill, _ in search_skill_matches(
        db=db, query=query, automotive=automotive, skill_type=skill_type, limit=limit, offset=offset)]  # fmt: skip


def search_skill_matches(
    *,
    db: Session,
    query: str = "",
    automotive: bool | None = None,
    skill_type: SkillType | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[tuple[Skill, str | None]]:
    """`search_skills` with, for each skill, the alternative label that matched (None: the preferred one did).

    Preferred-label matches come first, then skills found only through an alternative label.
    """
    if query.strip():
        from skillatlas.taxonomy.label_index import label_index

        matches = label_index(db).search_matches(
            db, query, automotive=automotive, skill_type=skill_type, limit=limit, offset=offset
        )
        found = {s.id: s for s in db.scalars(select(Skill).where(Skill.id.in_([i for i, _ in matches])))}
        return [(found[i], alt) for i, alt in matches if i in found]
    statement = select(Skill).order_by(Skill.preferred_label)
    if automotive is not None:
        statement = statement.where(Skill.automotive.is_(automotive))
    if skill_type is not None:
        statement = statement.where(Skill.skill_type == skill_type)
    return [(skill, None) for skill in db.scalars(statement.limit(limit).offset(offset))]


def get_skill(*, db: Session, skill_id: int | None = None, uri: str | None = None) -> Skill:
    """The skill by id or URI, or NotFound."""
    if skill_id is not None:
        skill = db.get(Skill, skill_id)
    else:
        skill = db.scalar(select(Skill).where(Skill.uri == uri))
    if skill is None:
        raise NotFound(f"no skill {skill_id if skill_id is not None else uri!r}", field="skill")
    return skill


def skills_by_uri(*, db: Session, uris: list[str]) -> dict[str, Skill]:
    """The skills with these URIs; a URI that is not in the taxonomy is an error naming it."""
    found = {s.uri: s for s in db.scalars(select(Skill).where(Skill.uri.in_(set(uris))))}
    missing = [u for u in uris if u not in found]
    if missing:
        raise InvalidInput(f"unknown skill URI {missing[0]!r}", field="skills")
    return found


def _concept_refs(db: Session, uris: list[str]) -> list[ConceptRef]:
    if not uris:
        return []
    labels = dict(db.execute(select(Skill.uri, Skill.preferred_label).where(Skill.uri.in_(uris))).all())
    ids = dict(db.execute(select(Skill.uri, Skill.id).where(Skill.uri.in_(uris))).all())
    labels.update(
        db.execute(select(SkillGroup.uri, SkillGroup.preferred_label).where(SkillGroup.uri.in_(uris))).all()
    )
    return sorted(
        (ConceptRef(uri=u, label=labels.get(u, u), skill_id=ids.get(u)) for u in uris),
        key=lambda ref: ref.label.lower(),
    )


def skill_read(*, db: Session, skill: Skill) -> SkillRead:
    """The skill with its place in the hierarchy and the occupations that need it."""
    broader = list(
        db.scalars(select(BroaderRelation.broader_uri).where(BroaderRelation.narrower_uri == skill.uri))
    )
    narrower = list(
        db.scalars(select(BroaderRelation.narrower_uri).where(BroaderRelation.broader_uri == skill.uri))
    )
    relations = db.execute(
        select(Occupation, OccupationSkill.relation)
        .join(OccupationSkill, OccupationSkill.occupation_id == Occupation.id)
        .where(OccupationSkill.skill_id == skill.id)
        .order_by(OccupationSkill.relation, Occupation.preferred_label)
        .limit(200)
    )
    return SkillRead.model_validate(
        {
            **SkillSummary.model_validate(skill).model_dump(),
            "alt_labels": skill.alt_labels,
            "description": skill.description,
            "reuse_level": skill.reuse_level,
            "origin": skill.origin,
            "review_state": skill.review_state,
            "broader": _concept_refs(db, broader),
            "narrower": _concept_refs(db, narrower),
            "occupations": [
                OccupationRelationRead(occupation=OccupationSummary.model_validate(o), relation=r)
                for o, r in relations
            ],
        }
    )


def search_occupations(*, db: Session, query: str = "", limit: int = 50, offset: int = 0) -> list[Occupation]:
    """Occupations whose label (preferred or alternative) contains the words."""
    statement = select(Occupation)
    q = " ".join(query.lower().split())
    if q:
        pattern = f"%{q}%"
        statement = statement.where(
            or_(
                func.lower(Occupation.preferred_label).like(pattern),
                func.lower(cast(Occupation.alt_labels, String)).like(pattern),
            )
        ).order_by(_label_rank(Occupation.preferred_label, q), func.length(Occupation.preferred_label))
    else:
        statement = statement.order_by(Occupation.preferred_label)
    return list(db.scalars(statement.limit(limit).offset(offset)))


def get_occupation(*, db: Session, occupation_id: int | None = None, uri: str | None = None) -> Occupation:
    """The occupation by id or URI, or NotFound."""
    statement = select(Occupation).options(
        selectinload(Occupation.skills).selectinload(OccupationSkill.skill)
    )
    if occupation_id is not None:
        statement = statement.where(Occupation.id == occupation_id)
    else:
        statement = statement.where(Occupation.uri == uri)
    occupation = db.scalar(statement)
    if occupation is None:
        raise NotFound(
            f"no occupation {occupation_id if occupation_id is not None else uri!r}", field="occupation"
        )
    return occupation


def occupation_read(*, db: Session, occupation: Occupation) -> OccupationRead:
    """The occupation with its ISCO group and its essential and optional skills."""
    isco = db.scalar(select(IscoGroup.preferred_label).where(IscoGroup.code == occupation.isco_code)) or ""
    relations = sorted(occupation.skills, key=lambda r: (r.relation.value, r.skill.preferred_label))
    return OccupationRead(
        **OccupationSummary.model_validate(occupation).model_dump(),
        alt_labels=occupation.alt_labels,
        description=occupation.description,
        code=occupation.code,
        isco_label=isco,
        skills=[
            SkillRelationRead(skill=SkillSummary.model_validate(r.skill), relation=r.relation)
            for r in relations
        ],
    )


def propose_skill(*, db: Session, actor: Principal, data: AllianceSkillCreate) -> Skill:
    """Adds an alliance-specific skill, under review, with its own URI."""
    authorize(actor, "taxonomy.skill.propose")
    if db.scalar(select(Skill.id).where(func.lower(Skill.preferred_label) == data.preferred_label.lower())):
        raise AlreadyExists(
            f"a skill labelled {data.preferred_label!r} exists already", field="preferred_label"
        )
    skill = Skill(
        uri=f"{ALLIANCE_URI_PREFIX}{uuid.uuid4()}",
        preferred_label=data.preferred_label,
        alt_labels=list(dict.fromkeys(data.alt_labels)),
        description=data.description,
        skill_type=data.skill_type,
        origin=SkillOrigin.ALLIANCE,
        review_state=ReviewState.PROPOSED,
        source_version="alliance",
    )
    db.add(skill)
    db.flush()
    if data.broader_uri:
        known_group = db.scalar(select(SkillGroup.id).where(SkillGroup.uri == data.broader_uri)) is not None
        if not known_group:
            get_skill(db=db, uri=data.broader_uri)  # NotFound when it is neither a group nor a skill
        db.add(BroaderRelation(narrower_uri=skill.uri, broader_uri=data.broader_uri))
        db.flush()
    audit.record(db=db, actor=actor, action="taxonomy.skill.propose", object_type="skill", object_id=skill.id)
    return skill


def review_skill(*, db: Session, actor: Principal, skill_id: int, state: ReviewState) -> Skill:
    """Moves an alliance-specific skill through its review; ESCO's own skills are not reviewed here."""
    authorize(actor, "taxonomy.skill.review")
    skill = get_skill(db=db, skill_id=skill_id)
    if skill.origin != SkillOrigin.ALLIANCE:
        raise InvalidInput(
            "only the alliance's own skills are reviewed here; ESCO's come from ESCO", field="skill"
        )
    skill.review_state = state
    db.flush()
    audit.record(db=db, actor=actor, action="taxonomy.skill.review", object_type="skill", object_id=skill.id,
                 details={"state": state.value})  # fmt: skip
    return skill


def import_esco(
    *, db: Session, directory: Path, language: str = "en", version: str = "", progress: Progress | None = None
) -> StoreReport:
    """Imports an official ESCO CSV download, in the caller's transaction."""
    data = esco_csv.read_esco_directory(directory, language=language, version=version)
    return store(db, data, progress)


def load_bundled(*, db: Session, progress: Progress | None = None) -> StoreReport:
    """Loads the English ESCO bundled with the package."""
    from skillatlas.taxonomy.bundle_import import bundled_taxonomy

    return store(db, bundled_taxonomy(), progress)
