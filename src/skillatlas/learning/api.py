"""REST API of learning: the catalogue, a person's gap and training path, a workforce's demand, development plans."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, UploadFile, status
from starlette.concurrency import run_in_threadpool

from skillatlas.learning import plans, service
from skillatlas.learning.models import CourseMode, PlanState
from skillatlas.learning.schemas import (
    ConfirmSkills,
    CourseIn,
    CourseRead,
    CourseSkillRead,
    GapRead,
    ImportReport,
    LearnerOutcomeIn,
    LearnerRead,
    MilestoneTick,
    OutcomeIn,
    PathPreferences,
    PathRead,
    PlanEdit,
    PlanIn,
    PlanRead,
    PlanSummary,
    WorkforceRead,
)
from skillatlas.learning.workforce import workforce_gap
from skillatlas.web.deps import DB, Actor

router = APIRouter(prefix="/api", tags=["learning"])
PlanAction = Literal["propose", "agree", "withdraw", "start", "abandon"]


@router.get("/courses", response_model=list[CourseRead])
def list_courses(
    request: Request,
    db: DB,
    q: Annotated[str | None, Query(max_length=200)] = None,
    skill: Annotated[str | None, Query(max_length=200, description="skill URI or label")] = None,
    language: Annotated[str | None, Query(max_length=2)] = None,
    mode: CourseMode | None = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    max_price: Annotated[float | None, Query(ge=0)] = None,
    provider: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CourseRead]:
    """The catalogue, filtered by skill, language, mode, country, price, provider and free text."""
    found = service.search_courses(
        db=db, q=q, skill=skill, language=language, mode=mode, country=country, max_price=max_price,
        provider=provider, backend=request.app.state.settings.embedding_backend, limit=limit, offset=offset,
    )  # fmt: skip
    return [service.course_read(db=db, course=c) for c in found]


@router.get("/courses/{course_id}", response_model=CourseRead)
def get_course(db: DB, course_id: int) -> CourseRead:
    """One course."""
    return service.course_read(db=db, course=service.get_course(db=db, course_id=course_id))


@router.post("/organisations/{slug}/courses", response_model=CourseRead, status_code=status.HTTP_201_CREATED)
def create_course(db: DB, actor: Actor, slug: str, data: CourseIn) -> CourseRead:
    """Adds (or updates, by code) a course of the provider (the office, or the provider's managers)."""
    return service.course_read(
        db=db, course=service.create_course(db=db, actor=actor, provider=slug, data=data)
    )


@router.put("/courses/{course_id}", response_model=CourseRead)
def update_course(db: DB, actor: Actor, course_id: int, data: CourseIn) -> CourseRead:
    """Changes a course, its code included (the office, the provider's managers and trainers)."""
    return service.course_read(
        db=db, course=service.update_course(db=db, actor=actor, course_id=course_id, data=data)
    )


@router.get("/courses/{course_id}/learners", response_model=list[LearnerRead])
def course_learners(db: DB, actor: Actor, course_id: int) -> list[LearnerRead]:
    """Who takes the course in an agreed development plan, with their results (for the course's provider)."""
    return plans.course_learners(db=db, actor=actor, course_id=course_id)


@router.post("/courses/{course_id}/learners/{plan_id}", response_model=LearnerRead)
def record_learner_outcome(
    db: DB, actor: Actor, course_id: int, plan_id: int, data: LearnerOutcomeIn
) -> LearnerRead:
    """The provider records a learner's result (passed or failed, with a certificate number); the plan must
    be in progress. A pass adds the course's skills to the learner's record."""
    plans.record_learner_outcome(db=db, actor=actor, course_id=course_id, plan_id=plan_id, data=data)
    found = plans.course_learners(db=db, actor=actor, course_id=course_id)
    return next(row for row in found if row.plan_id == plan_id)


@router.post("/organisations/{slug}/courses/import", response_model=ImportReport)
async def import_courses(
    db: DB, actor: Actor, slug: str, file: UploadFile, dry_run: bool = False
) -> ImportReport:  # fmt: skip
    """Imports the provider's courses from CSV (UTF-8) or XLSX in one transaction; `dry_run` saves nothing.

    Every row is checked first; a file with problems saves nothing and the 422 body's `errors` names each
    (`row N: field`). The report lists every row (`rows`) with what it does (new or update).

    Columns: code, title, description, skills ("URI|level; URI|level"), learning_outcomes and prerequisites
    (";"-separated), eqf_level, hours, ects, language, mode, country, city, starts_on, ends_on, price_eur, award.
    """
    content = await file.read()
    # Reading a workbook is CPU work: in the thread pool, never on the event loop (issue 18).
    return await run_in_threadpool(service.import_courses, db=db, actor=actor, provider=slug,
                                   name=file.filename or "courses.csv", content=content, dry_run=dry_run)  # fmt: skip


@router.post("/courses/{course_id}/suggest-skills", response_model=list[CourseSkillRead])
def suggest_skills(request: Request, db: DB, actor: Actor, course_id: int) -> list[CourseSkillRead]:
    """Adds the skills the description suggests (SkillExtractor), unconfirmed, for the provider to confirm."""
    from skillatlas.intelligence.engine import engine_for

    settings = request.app.state.settings
    extractor = engine_for(settings.data_dir, settings.embedding_backend).skill_extractor(db)
    return service.suggest_skills(db=db, actor=actor, course_id=course_id, extractor=extractor)


@router.post("/courses/{course_id}/confirm-skills", response_model=list[CourseSkillRead])
def confirm_skills(db: DB, actor: Actor, course_id: int, data: ConfirmSkills) -> list[CourseSkillRead]:
    """The provider keeps the suggested skills it names (URIs); the other suggestions are dropped."""
    return service.confirm_skills(db=db, actor=actor, course_id=course_id, keep=data.keep)


@router.get("/people/{person_id}/gap", response_model=GapRead)
def person_gap(
    db: DB, actor: Actor, person_id: int, role: Annotated[str, Query(max_length=80)],
    version: Annotated[int | None, Query(ge=1)] = None,
) -> GapRead:  # fmt: skip
    """The person's skills against a role version: have, partly or missing per skill, and a readiness score."""
    return service.gap_for(db=db, actor=actor, person_id=person_id, role=role, version=version)[0]


@router.post("/people/{person_id}/path", response_model=PathRead)
def person_path(
    db: DB, actor: Actor, person_id: int, role: Annotated[str, Query(max_length=80)],
    prefs: PathPreferences | None = None, version: Annotated[int | None, Query(ge=1)] = None,
) -> PathRead:  # fmt: skip
    """The gap and the cheapest courses closing it (an integer program), within the learner's preferences."""
    return service.path_for(db=db, actor=actor, person_id=person_id, role=role, version=version, prefs=prefs)


@router.get("/organisations/{slug}/workforce-gap", response_model=WorkforceRead)
def organisation_workforce_gap(
    db: DB, actor: Actor, slug: str, role: Annotated[str, Query(max_length=80)],
    version: Annotated[int | None, Query(ge=1)] = None,
) -> WorkforceRead:  # fmt: skip
    """The whole workforce against a role: readiness and training demand per skill (office, the employer's managers)."""
    return workforce_gap(db=db, actor=actor, organisation=slug, role=role, version=version)


# --- personal development plans ----------------------------------------------------------------


@router.get("/plans", response_model=list[PlanSummary])
def list_plans(db: DB, actor: Actor, state: PlanState | None = None) -> list[PlanSummary]:
    """The plans I may read: my own, my organisation's (managers), those I train; every plan for the office."""
    return plans.list_plans(db=db, actor=actor, state=state)


@router.post("/plans", response_model=PlanRead, status_code=status.HTTP_201_CREATED)
def create_plan(db: DB, actor: Actor, data: PlanIn) -> PlanRead:
    """A draft plan for a worker (the worker, their employer's managers, the office); one open plan per
    worker and role: a second is refused (409) and the message names the open one."""
    return plans.plan_read(db=db, plan=plans.create_plan(db=db, actor=actor, data=data))


@router.get("/plans/{plan_id}", response_model=PlanRead)
def get_plan(db: DB, actor: Actor, plan_id: int) -> PlanRead:
    """A plan, for its parties."""
    return plans.plan_read(db=db, plan=plans.get_plan(db=db, actor=actor, plan_id=plan_id))


@router.put("/plans/{plan_id}", response_model=PlanRead)
def edit_plan(db: DB, actor: Actor, plan_id: int, data: PlanEdit) -> PlanRead:
    """Changes goals, courses, due dates (`due_dates`: course id -> date) or milestones; whoever changes it
    agrees to it as changed; an agreed plan goes back to proposed; one agreed by the other side only is refused."""
    return plans.plan_read(db=db, plan=plans.edit_plan(db=db, actor=actor, plan_id=plan_id, data=data))


@router.post("/plans/{plan_id}/outcomes", response_model=PlanRead)
def record_outcome(db: DB, actor: Actor, plan_id: int, data: OutcomeIn) -> PlanRead:
    """A course's outcome; a pass records its skills for the worker (source: assessed)."""
    return plans.plan_read(db=db, plan=plans.record_outcome(db=db, actor=actor, plan_id=plan_id, data=data))


@router.post("/plans/{plan_id}/milestones/{index}", response_model=PlanRead)
def tick_milestone(db: DB, actor: Actor, plan_id: int, index: int, data: MilestoneTick) -> PlanRead:
    """Marks milestone `index` (0-based) of an agreed or running plan done today, or not done."""
    return plans.plan_read(
        db=db, plan=plans.tick_milestone(db=db, actor=actor, plan_id=plan_id, index=index, done=data.done)
    )


@router.post("/plans/{plan_id}/{action}", response_model=PlanRead)
def plan_action(db: DB, actor: Actor, plan_id: int, action: PlanAction) -> PlanRead:
    """propose (which is also the proposer's agreement), agree (as the worker or as the employer), withdraw an
    agreement, start or abandon."""
    act = {"propose": plans.propose, "agree": plans.agree, "withdraw": plans.withdraw, "start": plans.start,
           "abandon": plans.abandon}[action]  # fmt: skip
    return plans.plan_read(db=db, plan=act(db=db, actor=actor, plan_id=plan_id))
