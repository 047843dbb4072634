"""Gap analysis of a whole workforce against a role: one query and NumPy, never one query per person."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.alliance import service as alliance_service
from skillatlas.auth.permissions import Principal, authorize, consent_decides
from skillatlas.learning.gap import WEIGHTS
from skillatlas.learning.models import Course, CourseSkill
from skillatlas.learning.schemas import DemandRead, WorkforceRead
from skillatlas.learning.service import LEVELS, level_of, requirements
from skillatlas.people.models import Person, PersonSkill, SkillLevel
from skillatlas.privacy import service as privacy
from skillatlas.privacy.models import ConsentPurpose
from skillatlas.roles import service as roles_service

_RANK = {level.value: level.rank for level in SkillLevel}


def level_matrix(
    person_ids: np.ndarray, skill_ids: np.ndarray, rows: list[tuple[int, int, str]]
) -> np.ndarray:
    """persons x skills matrix of level ranks (0 = none) from (person_id, skill_id, level) rows."""
    matrix = np.zeros((len(person_ids), len(skill_ids)), dtype=np.int8)
    if not rows:
        return matrix
    p, s, lv = zip(*rows, strict=True)
    pi = np.searchsorted(person_ids, np.asarray(p, dtype=np.int64))
    si = np.searchsorted(skill_ids, np.asarray(s, dtype=np.int64))
    matrix[pi, si] = np.fromiter(
        (_RANK[str(getattr(v, "value", v))] for v in lv), dtype=np.int8, count=len(lv)
    )
    return matrix


def readiness(matrix: np.ndarray, required: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each person's readiness (the same formula as gap.analyse), vectorised."""
    if required.size == 0:
        return np.ones(matrix.shape[0])
    reached = np.minimum(matrix, required) / required
    return (reached * weights).sum(axis=1) / weights.sum()


def workforce_gap(
    *, db: Session, actor: Principal, organisation: str, role: str, version: int | None = None
) -> WorkforceRead:
    """For every worker of the organisation: readiness; per required skill, how many lack it, and a course.

    An aggregate of records of skills, so it obeys the same rule as reading one record (`person.skills.read`):
    for the employer's managers, a worker who does not let their employer see their skills
    (`share_skills_with_employer`) is left out of every figure and only counted in `not_sharing`. The office
    needs nobody's consent and sees every worker.
    """
    org = alliance_service.get_organisation(db=db, slug=organisation)
    authorize(actor, "learning.workforce.read", organisation_id=org.id)
    only_consenting = consent_decides(
        actor, "person.skills.read", ConsentPurpose.SHARE_SKILLS_WITH_EMPLOYER, organisation_id=org.id
    )
    found = roles_service.get_version(db=db, actor=actor, slug=role, number=version)
    reqs = sorted(requirements(db, found), key=lambda r: r[0].skill_id)
    skill_ids = np.array([r.skill_id for r, _, _ in reqs], dtype=np.int64)
    required = np.array([r.level for r, _, _ in reqs], dtype=np.int8)
    weights = np.array([WEIGHTS.get(r.weight, 1.0) for r, _, _ in reqs])
    staff = select(Person.id).where(Person.employer_id == org.id)
    counted = staff
    if only_consenting is not False:  # True, or None (nobody's skills): only those who consent
        counted = staff.where(Person.id.in_(privacy.consenting_ids(ConsentPurpose.SHARE_SKILLS_WITH_EMPLOYER,
                                                                   among=staff)))  # fmt: skip
    person_ids = np.array(sorted(db.scalars(counted)), dtype=np.int64)
    not_sharing = (db.scalar(select(func.count()).select_from(staff.subquery())) or 0) - len(person_ids)
    rows = db.execute(
        select(PersonSkill.person_id, PersonSkill.skill_id, PersonSkill.level).where(
            PersonSkill.person_id.in_(counted), PersonSkill.skill_id.in_(skill_ids.tolist())
        )
    ).all()
    matrix = level_matrix(person_ids, skill_ids, [tuple(r) for r in rows])
    scores = readiness(matrix, required, weights)
    lacking = (matrix < required).sum(axis=0)
    # The cheapest confirmed course reaching the level of each skill, for the demand per course.
    cheapest: dict[int, str] = {}
    for r, _, _ in reqs:
        code = db.scalar(
            select(Course.code)
            .join(CourseSkill, CourseSkill.course_id == Course.id)
            .where(CourseSkill.skill_id == r.skill_id, CourseSkill.confirmed.is_(True),
                   CourseSkill.level.in_([lv for lv in LEVELS if lv.rank >= r.level]))
            .order_by(Course.price_eur, Course.hours, Course.id)
            .limit(1)
        )  # fmt: skip
        if code is not None:
            cheapest[r.skill_id] = code
    demand = [
        DemandRead(uri=uri, label=label, required_level=level_of(r.level), workers_with_gap=int(lacking[i]),
                   course=cheapest.get(r.skill_id))
        for i, (r, uri, label) in enumerate(reqs)
    ]  # fmt: skip
    demand.sort(key=lambda d: (-d.workers_with_gap, d.label))
    return WorkforceRead(
        organisation=organisation, role=role, version=found.number, workers=len(person_ids), not_sharing=not_sharing,
        mean_readiness=round(float(scores.mean()), 4) if len(person_ids) else 0.0,
        ready=int((scores >= 1.0).sum()), demand=demand,
    )  # fmt: skip
