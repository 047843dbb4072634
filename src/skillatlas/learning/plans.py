"""Personal development plans: agreed by a worker and their employer, followed course by course to completion."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.auth import audit
from skillatlas.auth.permissions import SYSTEM, Principal, allowed, authorize
from skillatlas.db import utcnow
from skillatlas.errors import Conflict, InvalidInput, NotFound
from skillatlas.learning import policy as _policy  # noqa: F401  (registers the rules)
from skillatlas.learning.models import (
    Course,
    CourseSkill,
    DevelopmentPlan,
    Outcome,
    PlanCourse,
    PlanState,
)
from skillatlas.learning.schemas import OutcomeIn, PlanEdit, PlanIn, PlanRead
from skillatlas.mail import notify as mail_notify
from skillatlas.people import service as people_service
from skillatlas.people.models import PersonSkill, SkillLevel, SkillSource
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.roles import service as roles_service
from skillatlas.taxonomy.models import Skill

EDITABLE = {PlanState.DRAFT, PlanState.PROPOSED, PlanState.AGREED}


def plan_facts(plan: DevelopmentPlan) -> dict[str, int | None]:
    return {"person_id": plan.person_id, "organisation_id": plan.employer_id,
            "trainer_person_id": plan.trainer_person_id}  # fmt: skip


def get_plan(*, db: Session, actor: Principal, plan_id: int) -> DevelopmentPlan:
    """The plan, for the worker, their employer's managers, the plan's trainer and the office."""
    plan = db.get(DevelopmentPlan, plan_id)
    if plan is None:
        raise NotFound(f"no development plan {plan_id}", field="plan_id")
    authorize(actor, "learning.plan.read", **plan_facts(plan))
    return plan


def _set_courses(db: Session, plan: DevelopmentPlan, course_ids: list[int]) -> None:
    if len(set(course_ids)) != len(course_ids):
        raise InvalidInput("a course is listed twice", field="courses")
    found = set(db.scalars(select(Course.id).where(Course.id.in_(course_ids))))
    missing = [c for c in course_ids if c not in found]
    if missing:
        raise InvalidInput(f"no course with id {missing[0]}", field="courses")
    plan.courses = [PlanCourse(course_id=c, position=i) for i, c in enumerate(course_ids)]


def _check_milestones(milestones: list[dict[str, str]]) -> list[dict[str, str]]:
    for m in milestones:
        if not m.get("title"):
            raise InvalidInput("every milestone needs a title", field="milestones")
        if m.get("due_on"):
            try:
                dt.date.fromisoformat(m["due_on"])
            except ValueError as exc:
                raise InvalidInput(
                    f"milestone {m['title']!r}: due_on is not a date", field="milestones"
                ) from exc
    return milestones


def _count(db: Session, plan: DevelopmentPlan, kind: str, skills: list[str] | None = None) -> None:
    """Adds the outcome to the KPI ledger (kpi.service), in the same transaction as the change it counts."""
    from skillatlas.alliance.models import Organisation
    from skillatlas.kpi import service as kpi_service
    from skillatlas.kpi.models import OutcomeEvent

    if kind == "development_plan" and db.scalar(  # agreed again after an edit: still one plan
        select(OutcomeEvent.id)
        .where(OutcomeEvent.source_ref == f"plan:{plan.id}", OutcomeEvent.kind == kind)
        .limit(1)
    ):
        return
    person = people_service.get(db=db, person_id=plan.person_id)
    employer = db.get(Organisation, plan.employer_id)
    country = person.country or (employer.country if employer else None)
    if country is None:
        return
    kpi_service.record_event(
        db=db, kind=kind, occurred_on=utcnow().date(), country=country, nuts_region=person.nuts_region,
        organisation_id=plan.employer_id, person_id=person.id, skills=skills or [], source="learning",
        source_ref=f"plan:{plan.id}",
    )  # fmt: skip


def create_plan(*, db: Session, actor: Principal, data: PlanIn) -> DevelopmentPlan:
    """A draft plan for a worker against a role version (the newest published one unless numbered)."""
    person = people_service.get(db=db, person_id=data.person_id)
    if person.employer_id is None:
        raise InvalidInput("the worker has no employer to agree a plan with", field="person_id")
    plan = DevelopmentPlan(person_id=person.id, employer_id=person.employer_id)
    # Checked before the trainer is named: naming yourself the trainer must not open someone's plan to you.
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    plan.trainer_person_id = data.trainer_person_id
    if data.trainer_person_id is not None:
        people_service.get(db=db, person_id=data.trainer_person_id)
    version = roles_service.get_version(db=db, actor=actor, slug=data.role, number=data.version)
    plan.role_version_id, plan.goals = version.id, data.goals
    plan.milestones = _check_milestones(data.milestones)
    _set_courses(db, plan, data.courses)
    db.add(plan)
    db.flush()
    audit.record(
        db=db, actor=actor, action="learning.plan.create", object_type="development_plan", object_id=plan.id
    )
    return plan


def edit_plan(*, db: Session, actor: Principal, plan_id: int, data: PlanEdit) -> DevelopmentPlan:
    """Changes goals, courses or milestones. An agreed plan goes back to proposed (both must agree again);
    a plan that only one side has agreed to is refused: that side withdraws first, so nobody's agreement
    silently covers a text they never saw."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    if plan.state not in EDITABLE:
        raise Conflict(f"the plan is {plan.state.value}: it can no longer be changed", field="state")
    one_side = (plan.worker_agreed_at is None) != (plan.employer_agreed_at is None)
    if plan.state == PlanState.PROPOSED and one_side:
        side = "the worker" if plan.worker_agreed_at else "the employer"
        raise Conflict(f"{side} has agreed to this plan as it stands: withdraw that agreement before changing it",
                       field="state")  # fmt: skip
    if data.goals is not None:
        plan.goals = data.goals
    if data.milestones is not None:
        plan.milestones = _check_milestones(data.milestones)
    if data.courses is not None:
        _set_courses(db, plan, data.courses)
    if plan.state == PlanState.AGREED:
        plan.state = PlanState.PROPOSED
        plan.worker_agreed_at = plan.worker_agreed_by = plan.employer_agreed_at = plan.employer_agreed_by = (
            None
        )
    db.flush()
    audit.record(
        db=db, actor=actor, action="learning.plan.edit", object_type="development_plan", object_id=plan.id
    )
    return plan


def propose(*, db: Session, actor: Principal, plan_id: int) -> DevelopmentPlan:
    """draft -> proposed: the plan is put to both sides."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    if plan.state != PlanState.DRAFT:
        raise Conflict(f"the plan is {plan.state.value}, not a draft", field="state")
    plan.state = PlanState.PROPOSED
    db.flush()
    mail_notify.plan_step(db, plan, "proposed")
    return plan


def _side(actor: Principal, plan: DevelopmentPlan) -> str:
    if allowed(actor, "learning.plan.agree_worker", **plan_facts(plan)) and not actor.is_system:
        return "worker"
    authorize(actor, "learning.plan.agree_employer", **plan_facts(plan))
    return "employer"


def agree(*, db: Session, actor: Principal, plan_id: int, side: str | None = None) -> DevelopmentPlan:
    """The worker or an employer's manager agrees; when both have, the plan is agreed."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    side = side if actor.is_system and side else _side(actor, plan)
    if plan.state != PlanState.PROPOSED:
        raise Conflict(f"the plan is {plan.state.value}: only a proposed plan can be agreed", field="state")
    now = utcnow()
    if side == "worker":
        plan.worker_agreed_at, plan.worker_agreed_by = now, actor.user_id
    else:
        plan.employer_agreed_at, plan.employer_agreed_by = now, actor.user_id
    if plan.worker_agreed_at and plan.employer_agreed_at:
        plan.state = PlanState.AGREED
        _count(db, plan, "development_plan")
        mail_notify.plan_step(db, plan, "agreed")
    db.flush()
    audit.record(db=db, actor=actor, action=f"learning.plan.agree_{side}", object_type="development_plan",
                 object_id=plan.id)  # fmt: skip
    return plan


def withdraw(*, db: Session, actor: Principal, plan_id: int) -> DevelopmentPlan:
    """A side takes back its agreement to a proposed plan (so that it can be changed)."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    side = _side(actor, plan)
    if plan.state != PlanState.PROPOSED:
        raise Conflict(f"the plan is {plan.state.value}: nothing to withdraw", field="state")
    if side == "worker":
        plan.worker_agreed_at = plan.worker_agreed_by = None
    else:
        plan.employer_agreed_at = plan.employer_agreed_by = None
    db.flush()
    return plan


def start(*, db: Session, actor: Principal, plan_id: int) -> DevelopmentPlan:
    """agreed -> in progress."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    if plan.state != PlanState.AGREED:
        raise Conflict(
            f"the plan is {plan.state.value}: both sides must agree before it starts", field="state"
        )
    plan.state = PlanState.IN_PROGRESS
    db.flush()
    return plan


def abandon(*, db: Session, actor: Principal, plan_id: int) -> DevelopmentPlan:
    """Any open plan may be abandoned by a party to it."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    if plan.state in {PlanState.COMPLETED, PlanState.ABANDONED}:
        raise Conflict(f"the plan is {plan.state.value} already", field="state")
    plan.state = PlanState.ABANDONED
    db.flush()
    return plan


def record_outcome(*, db: Session, actor: Principal, plan_id: int, data: OutcomeIn) -> DevelopmentPlan:
    """Records a course's outcome; a pass adds its skills to the worker's record as assessed (never lowering
    a level or a stronger source). When every course is passed, the plan is completed."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.record_outcome", **plan_facts(plan))
    if plan.state != PlanState.IN_PROGRESS:
        raise Conflict(
            f"the plan is {plan.state.value}: outcomes are recorded while it is in progress", field="state"
        )
    item = next((pc for pc in plan.courses if pc.course_id == data.course_id), None)
    if item is None:
        raise InvalidInput(f"course {data.course_id} is not on this plan", field="course_id")
    item.outcome, item.certificate, item.completed_at = data.outcome, data.certificate, utcnow()
    if data.outcome == Outcome.PASSED:
        taught = db.execute(
            select(Skill.uri, CourseSkill.skill_id, CourseSkill.level)
            .join(Skill, Skill.id == CourseSkill.skill_id)
            .where(CourseSkill.course_id == data.course_id, CourseSkill.confirmed.is_(True))
        ).all()
        current = {
            ps.skill_id: ps
            for ps in db.scalars(select(PersonSkill).where(PersonSkill.person_id == plan.person_id))
        }
        code = db.scalar(select(Course.code).where(Course.id == data.course_id))
        updates = []
        for uri, skill_id, level in taught:
            have = current.get(skill_id)
            if have is not None and (
                have.level.rank > SkillLevel(level).rank or have.source == SkillSource.CREDENTIALED
            ):
                continue
            evidence = f"passed course {code} (development plan {plan.id})" + (
                f", {data.certificate}" if data.certificate else ""
            )
            updates.append(
                PersonSkillIn(
                    uri=uri, level=SkillLevel(level), source=SkillSource.ASSESSED, evidence=evidence[:500]
                )
            )
        if updates:
            people_service.set_skills(db=db, actor=SYSTEM, person_id=plan.person_id, skills=updates)
        if data.certificate:
            _count(db, plan, "certification", [uri for uri, _, _ in taught])
    if all(pc.outcome == Outcome.PASSED for pc in plan.courses):
        plan.state = PlanState.COMPLETED
        version = roles_service.get_version_by_id(db=db, version_id=plan.role_version_id)
        uris = list(db.scalars(select(Skill.uri).where(Skill.id.in_([s.skill_id for s in version.skills]))))
        _count(db, plan, "upskilled", uris)
        mail_notify.plan_step(db, plan, "completed")
    db.flush()
    audit.record(db=db, actor=actor, action="learning.plan.record_outcome", object_type="development_plan",
                 object_id=plan.id, details={"course_id": data.course_id, "outcome": data.outcome.value})  # fmt: skip
    return plan


def plan_read(*, db: Session, plan: DevelopmentPlan) -> PlanRead:
    version = roles_service.get_version_by_id(db=db, version_id=plan.role_version_id)
    courses = {
        c.id: c
        for c in db.scalars(select(Course).where(Course.id.in_([pc.course_id for pc in plan.courses])))
    }
    from skillatlas.alliance.models import Organisation

    employer = db.get(Organisation, plan.employer_id)
    return PlanRead(
        id=plan.id, person_id=plan.person_id, employer=employer.slug if employer else "", trainer_person_id=plan.trainer_person_id,
        role=version.role.slug, version=version.number, state=plan.state, goals=plan.goals,
        milestones=list(plan.milestones or []), worker_agreed_at=plan.worker_agreed_at,
        employer_agreed_at=plan.employer_agreed_at,
        courses=[{"course_id": pc.course_id, "code": courses[pc.course_id].code, "title": courses[pc.course_id].title,
                  "due_on": pc.due_on.isoformat() if pc.due_on else None,
                  "outcome": pc.outcome.value if pc.outcome else None, "certificate": pc.certificate}
                 for pc in plan.courses],
    )  # fmt: skip
