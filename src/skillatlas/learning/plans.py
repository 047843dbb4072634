"""Personal development plans: agreed by a worker and their employer, followed course by course to completion."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from skillatlas.auth import audit
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SYSTEM, Principal, allowed, authorize
from skillatlas.db import utcnow
from skillatlas.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from skillatlas.learning import policy as _policy  # noqa: F401  (registers the rules)
from skillatlas.learning.models import (
    Course,
    CourseSkill,
    DevelopmentPlan,
    Outcome,
    PlanCourse,
    PlanState,
)
from skillatlas.learning.schemas import (
    LearnerOutcomeIn,
    LearnerRead,
    MilestoneIn,
    OutcomeIn,
    PlanEdit,
    PlanIn,
    PlanRead,
    PlanSummary,
)
from skillatlas.mail import notify as mail_notify
from skillatlas.people import service as people_service
from skillatlas.people.models import Person, PersonSkill, SkillLevel, SkillSource
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.roles import service as roles_service
from skillatlas.roles.models import JobRoleVersion
from skillatlas.taxonomy.models import Skill

EDITABLE = {PlanState.DRAFT, PlanState.PROPOSED, PlanState.AGREED}
OPEN = {PlanState.DRAFT, PlanState.PROPOSED, PlanState.AGREED, PlanState.IN_PROGRESS}


class DuplicatePlan(AlreadyExists):
    """The worker has an open plan towards this role already; `plan_id` names it, so pages can link to it."""

    def __init__(self, plan_id: int, role_title: str) -> None:
        super().__init__(
            f"there is already an open development plan towards {role_title} for this worker "
            f"(plan {plan_id}, /plans/{plan_id}): change that one, or abandon it first",
            field="role",
        )
        self.plan_id = plan_id


def state_words(plan: DevelopmentPlan) -> str:
    return plan.state.value.replace("_", " ")


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
    due = {pc.course_id: pc.due_on for pc in plan.courses}
    plan.courses = [PlanCourse(course_id=c, position=i, due_on=due.get(c)) for i, c in enumerate(course_ids)]


def _milestones(items: list[MilestoneIn]) -> list[dict[str, str | None]]:
    """Milestones as stored (JSON): title, due date and done date as ISO strings."""
    return [
        {"title": m.title, "due_on": m.due_on.isoformat() if m.due_on else None,
         "done_on": m.done_on.isoformat() if m.done_on else None}
        for m in items
    ]  # fmt: skip


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


def open_plan_for(db: Session, person_id: int, role_id: int) -> int | None:
    """The id of the worker's open plan (not completed, not abandoned) towards any version of the role."""
    return db.scalar(
        select(DevelopmentPlan.id)
        .join(JobRoleVersion, JobRoleVersion.id == DevelopmentPlan.role_version_id)
        .where(
            DevelopmentPlan.person_id == person_id,
            JobRoleVersion.role_id == role_id,
            DevelopmentPlan.state.in_(OPEN),
        )
        .order_by(DevelopmentPlan.id)
        .limit(1)
    )


def create_plan(*, db: Session, actor: Principal, data: PlanIn) -> DevelopmentPlan:
    """A draft plan for a worker against a role version (the newest published one unless numbered)."""
    person = people_service.get(db=db, person_id=data.person_id)
    if person.employer_id is None:
        raise InvalidInput(
            "a development plan is agreed between a worker and their employer, and no employer is recorded "
            "for this worker",
            field="person_id",
        )
    plan = DevelopmentPlan(person_id=person.id, employer_id=person.employer_id)
    # Checked before the trainer is named: naming yourself the trainer must not open someone's plan to you.
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    plan.trainer_person_id = data.trainer_person_id
    if data.trainer_person_id is not None:
        people_service.get(db=db, person_id=data.trainer_person_id)
    version = roles_service.get_version(db=db, actor=actor, slug=data.role, number=data.version)
    existing = open_plan_for(db, person.id, version.role_id)
    if existing is not None:
        raise DuplicatePlan(existing, version.title)
    plan.role_version_id, plan.goals = version.id, data.goals
    plan.milestones = _milestones(data.milestones)
    _set_courses(db, plan, data.courses)
    db.add(plan)
    db.flush()
    audit.record(
        db=db, actor=actor, action="learning.plan.create", object_type="development_plan", object_id=plan.id
    )
    return plan


def side_of(actor: Principal, plan: DevelopmentPlan) -> str | None:
    """The side the actor agrees for: "worker" (the worker themselves), "employer" (a manager of the
    employer), or None (the office, a trainer, the system)."""
    if actor.is_system:
        return None
    if allowed(actor, "learning.plan.agree_worker", **plan_facts(plan)):
        return "worker"
    if allowed(actor, "learning.plan.agree_employer", **plan_facts(plan)):
        return "employer"
    return None


def _agree_as(plan: DevelopmentPlan, side: str, actor: Principal) -> None:
    now = utcnow()
    if side == "worker":
        plan.worker_agreed_at, plan.worker_agreed_by = now, actor.user_id
    else:
        plan.employer_agreed_at, plan.employer_agreed_by = now, actor.user_id


def _clear_agreements(plan: DevelopmentPlan) -> None:
    plan.worker_agreed_at = plan.worker_agreed_by = plan.employer_agreed_at = plan.employer_agreed_by = None


def edit_plan(*, db: Session, actor: Principal, plan_id: int, data: PlanEdit) -> DevelopmentPlan:
    """Changes goals, courses, their due dates or milestones.

    Whoever changes the plan agrees to the plan as changed (when they agree for a side). An agreed plan goes
    back to proposed: the other side must agree again. A plan that only the *other* side has agreed to is
    refused: that side withdraws first, so nobody's agreement silently covers a text they never saw.
    """
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    if plan.state not in EDITABLE:
        raise Conflict(f"the plan is {state_words(plan)}: it can no longer be changed",
                       field="state")  # fmt: skip
    mine = side_of(actor, plan)
    agreed = {
        side for side, at in (("worker", plan.worker_agreed_at), ("employer", plan.employer_agreed_at)) if at
    }
    if plan.state == PlanState.PROPOSED and len(agreed) == 1 and agreed != {mine}:
        side = "the worker" if "worker" in agreed else "the employer"
        raise Conflict(f"{side} has agreed to this plan as it stands: withdraw that agreement before changing it",
                       field="state")  # fmt: skip
    if data.goals is not None:
        plan.goals = data.goals
    if data.milestones is not None:
        plan.milestones = _milestones(data.milestones)
    if data.courses is not None:
        _set_courses(db, plan, data.courses)
    if data.due_dates is not None:
        by_course = {pc.course_id: pc for pc in plan.courses}
        unknown = [c for c in data.due_dates if c not in by_course]
        if unknown:
            raise InvalidInput(f"course {unknown[0]} is not on this plan", field="due_dates")
        for course_id, due_on in data.due_dates.items():
            by_course[course_id].due_on = due_on
    if plan.state == PlanState.AGREED:
        plan.state = PlanState.PROPOSED
    if plan.state == PlanState.PROPOSED:
        _clear_agreements(plan)
        if mine is not None:
            _agree_as(plan, mine, actor)
    db.flush()
    audit.record(
        db=db, actor=actor, action="learning.plan.edit", object_type="development_plan", object_id=plan.id
    )
    return plan


def propose(*, db: Session, actor: Principal, plan_id: int) -> DevelopmentPlan:
    """draft -> proposed: the plan is put to both sides; proposing it is the proposer's side agreeing."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    if plan.state != PlanState.DRAFT:
        raise Conflict(f"the plan is {state_words(plan)}, not a draft", field="state")
    plan.state = PlanState.PROPOSED
    side = side_of(actor, plan)
    if side is not None:
        _agree_as(plan, side, actor)
    db.flush()
    mail_notify.plan_step(db, plan, "proposed")
    audit.record(db=db, actor=actor, action="learning.plan.propose", object_type="development_plan",
                 object_id=plan.id, details={"agreed_as": side})  # fmt: skip
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
        raise Conflict(f"the plan is {state_words(plan)}: only a proposed plan can be agreed", field="state")
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
        raise Conflict(f"the plan is {state_words(plan)}: nothing to withdraw", field="state")
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
            f"the plan is {state_words(plan)}: both sides must agree before it starts", field="state"
        )
    plan.state = PlanState.IN_PROGRESS
    db.flush()
    return plan


def abandon(*, db: Session, actor: Principal, plan_id: int) -> DevelopmentPlan:
    """Any open plan may be abandoned by a party to it."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    if plan.state in {PlanState.COMPLETED, PlanState.ABANDONED}:
        raise Conflict(f"the plan is {state_words(plan)} already", field="state")
    plan.state = PlanState.ABANDONED
    db.flush()
    return plan


def tick_milestone(
    *, db: Session, actor: Principal, plan_id: int, index: int, done: bool = True
) -> DevelopmentPlan:
    """Marks a milestone done (today) or not done; progress, not a change of the plan: agreements stand."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.write", **plan_facts(plan))
    if plan.state not in {PlanState.AGREED, PlanState.IN_PROGRESS}:
        raise Conflict(f"the plan is {state_words(plan)}: milestones are ticked once both sides have agreed",
                       field="state")  # fmt: skip
    milestones = [dict(m) for m in plan.milestones or []]
    if not 0 <= index < len(milestones):
        raise NotFound(f"the plan has no milestone {index + 1}", field="index")
    milestones[index]["done_on"] = utcnow().date().isoformat() if done else None
    plan.milestones = milestones  # a new list: the JSON column sees the change
    db.flush()
    audit.record(db=db, actor=actor, action="learning.plan.tick_milestone", object_type="development_plan",
                 object_id=plan.id, details={"index": index, "done": done})  # fmt: skip
    return plan


def _record(db: Session, actor: Principal, plan: DevelopmentPlan, data: OutcomeIn) -> DevelopmentPlan:
    """Records a course's outcome; a pass adds its skills to the worker's record as assessed (never lowering
    a level or a stronger source). When every course is passed, the plan is completed."""
    if plan.state != PlanState.IN_PROGRESS:
        raise Conflict(f"the plan is {state_words(plan)}: results are recorded while the plan is in progress",
                       field="state")  # fmt: skip
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


def record_outcome(*, db: Session, actor: Principal, plan_id: int, data: OutcomeIn) -> DevelopmentPlan:
    """A party to the plan (the employer's managers, the plan's trainer, the office) records a result."""
    plan = get_plan(db=db, actor=actor, plan_id=plan_id)
    authorize(actor, "learning.plan.record_outcome", **plan_facts(plan))
    return _record(db, actor, plan, data)


def _learner_plan(db: Session, course_id: int, plan_id: int) -> DevelopmentPlan:
    plan = db.get(DevelopmentPlan, plan_id)
    if plan is None or all(pc.course_id != course_id for pc in plan.courses):
        raise NotFound(f"no development plan {plan_id} with this course", field="plan_id")
    return plan


def record_learner_outcome(
    *, db: Session, actor: Principal, course_id: int, plan_id: int, data: LearnerOutcomeIn
) -> DevelopmentPlan:
    """The course's provider (its trainers and managers, or the office) records a learner's result."""
    course = db.get(Course, course_id)
    if course is None:
        raise NotFound(f"no course with id {course_id}", field="course_id")
    authorize(actor, "learning.course.record_outcome", organisation_id=course.provider_id)
    plan = _learner_plan(db, course_id, plan_id)
    return _record(db, actor, plan, OutcomeIn(course_id=course_id, **data.model_dump()))


def course_learners(*, db: Session, actor: Principal, course_id: int) -> list[LearnerRead]:
    """Who takes the course in a development plan (not drafts, not abandoned), with their results."""
    from skillatlas.alliance.models import Organisation

    course = db.get(Course, course_id)
    if course is None:
        raise NotFound(f"no course with id {course_id}", field="course_id")
    authorize(actor, "learning.course.learners", organisation_id=course.provider_id)
    rows = db.execute(
        select(PlanCourse, DevelopmentPlan, Person.full_name, Organisation.name)
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanCourse.plan_id)
        .join(Person, Person.id == DevelopmentPlan.person_id)
        .join(Organisation, Organisation.id == DevelopmentPlan.employer_id)
        .where(
            PlanCourse.course_id == course_id,
            DevelopmentPlan.state.in_([PlanState.AGREED, PlanState.IN_PROGRESS, PlanState.COMPLETED]),
        )
        .order_by(PlanCourse.outcome.is_not(None), PlanCourse.due_on, Person.full_name, DevelopmentPlan.id)
    ).all()
    return [
        LearnerRead(plan_id=plan.id, person_id=plan.person_id, worker_name=name, employer_name=employer,
                    plan_state=plan.state, due_on=pc.due_on, outcome=pc.outcome, certificate=pc.certificate,
                    completed_at=pc.completed_at)
        for pc, plan, name, employer in rows
    ]  # fmt: skip


def waiting_for(plan: DevelopmentPlan) -> str:
    """Who must act next, in words."""
    if plan.state == PlanState.DRAFT:
        return "to be proposed"
    if plan.state == PlanState.PROPOSED:
        missing = [side for side, at in (("the worker", plan.worker_agreed_at),
                                         ("the employer", plan.employer_agreed_at)) if at is None]  # fmt: skip
        return "agreement of " + " and ".join(missing) if missing else "agreement"
    if plan.state == PlanState.AGREED:
        return "to be started"
    if plan.state == PlanState.IN_PROGRESS:
        return "course results"
    return "nothing"


def steps_waiting(db: Session, actor: Principal, limit: int = 10) -> list[tuple[int, str, PlanState]]:
    """(plan id, role title, state) of the actor's plans that wait for a step other than an agreement
    (the personal home shows those): drafts to propose, agreed plans to start."""
    scopes = []
    if actor.person_id is not None:
        scopes.append(DevelopmentPlan.person_id == actor.person_id)
    managed = [g.organisation_id for g in actor.grants
               if g.role == Role.ORGANISATION_MANAGER and g.organisation_id is not None]  # fmt: skip
    if managed:
        scopes.append(DevelopmentPlan.employer_id.in_(managed))
    if not scopes:
        return []
    rows = db.execute(
        select(DevelopmentPlan.id, JobRoleVersion.title, DevelopmentPlan.state)
        .join(JobRoleVersion, JobRoleVersion.id == DevelopmentPlan.role_version_id)
        .where(or_(*scopes), DevelopmentPlan.state.in_([PlanState.DRAFT, PlanState.AGREED]))
        .order_by(DevelopmentPlan.id)
        .limit(limit)
    ).all()
    return [(i, t, st) for i, t, st in rows]


def list_plans(
    *,
    db: Session,
    actor: Principal,
    state: PlanState | None = None,
    person_id: int | None = None,
    organisation_id: int | None = None,
    limit: int = 200,
) -> list[PlanSummary]:
    """The plans the actor may read: their own, their organisation's (managers), those they train, and
    every plan for the office (and the system)."""
    from skillatlas.alliance.models import Organisation

    authorize(actor, "learning.plan.list")
    statement = select(DevelopmentPlan)
    if not (actor.is_system or actor.has(Role.ALLIANCE_OFFICE)):
        scopes = []
        if actor.person_id is not None:
            scopes += [DevelopmentPlan.person_id == actor.person_id,
                       DevelopmentPlan.trainer_person_id == actor.person_id]  # fmt: skip
        managed = [g.organisation_id for g in actor.grants
                   if g.role == Role.ORGANISATION_MANAGER and g.organisation_id is not None]  # fmt: skip
        if managed:
            scopes.append(DevelopmentPlan.employer_id.in_(managed))
        if not scopes:
            return []
        statement = statement.where(or_(*scopes))
    if state is not None:
        statement = statement.where(DevelopmentPlan.state == state)
    if person_id is not None:
        statement = statement.where(DevelopmentPlan.person_id == person_id)
    if organisation_id is not None:
        statement = statement.where(DevelopmentPlan.employer_id == organisation_id)
    found = list(db.scalars(statement.order_by(DevelopmentPlan.updated_at.desc(), DevelopmentPlan.id.desc())
                            .limit(limit)))  # fmt: skip
    if not found:
        return []
    names = dict(db.execute(select(Person.id, Person.full_name).where(
        Person.id.in_({p.person_id for p in found}))).all())  # fmt: skip
    employers = {o.id: o for o in db.scalars(select(Organisation).where(
        Organisation.id.in_({p.employer_id for p in found})))}  # fmt: skip
    versions = {v.id: v for v in db.scalars(select(JobRoleVersion).where(
        JobRoleVersion.id.in_({p.role_version_id for p in found})))}  # fmt: skip
    passed = dict(db.execute(
        select(PlanCourse.plan_id, func.count()).where(PlanCourse.plan_id.in_([p.id for p in found]),
                                                       PlanCourse.outcome == Outcome.PASSED)
        .group_by(PlanCourse.plan_id)).all())  # fmt: skip
    return [
        PlanSummary(
            id=p.id, person_id=p.person_id, worker_name=names.get(p.person_id, ""),
            employer=employers[p.employer_id].slug, employer_name=employers[p.employer_id].name,
            role=versions[p.role_version_id].role.slug, role_title=versions[p.role_version_id].title,
            state=p.state, worker_agreed=p.worker_agreed_at is not None,
            employer_agreed=p.employer_agreed_at is not None, courses=len(p.courses), passed=passed.get(p.id, 0),
            waiting_for=waiting_for(p), updated_at=p.updated_at,
        )
        for p in found
    ]  # fmt: skip


def plan_read(*, db: Session, plan: DevelopmentPlan) -> PlanRead:
    from skillatlas.alliance.models import Organisation

    version = roles_service.get_version_by_id(db=db, version_id=plan.role_version_id)
    courses = {
        c.id: c
        for c in db.scalars(select(Course).where(Course.id.in_([pc.course_id for pc in plan.courses])))
    }
    employer = db.get(Organisation, plan.employer_id)
    worker = db.get(Person, plan.person_id)
    return PlanRead(
        id=plan.id, person_id=plan.person_id, worker_name=worker.full_name if worker else "",
        employer=employer.slug if employer else "", employer_name=employer.name if employer else "",
        trainer_person_id=plan.trainer_person_id, role=version.role.slug, role_title=version.title,
        version=version.number, state=plan.state, goals=plan.goals,
        milestones=list(plan.milestones or []), worker_agreed_at=plan.worker_agreed_at,
        employer_agreed_at=plan.employer_agreed_at,
        courses=[{"course_id": pc.course_id, "code": courses[pc.course_id].code, "title": courses[pc.course_id].title,
                  "provider_id": courses[pc.course_id].provider_id,
                  "due_on": pc.due_on.isoformat() if pc.due_on else None,
                  "outcome": pc.outcome.value if pc.outcome else None, "certificate": pc.certificate}
                 for pc in plan.courses],
    )  # fmt: skip
