"""Learning's permission-matrix entries: the catalogue is public; providers keep their courses; a gap is the
person's and their employer's; a plan is its parties'.

A worker has one open plan per job role, so every plan arranged here is towards a job role of its own.
"""

from __future__ import annotations

from itertools import count

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.learning import plans, service
from skillatlas.learning.schemas import CourseIn, MilestoneIn, PlanIn
from skillatlas.roles import service as roles_service
from skillatlas.roles.schemas import RoleCreate
from tests.auth.matrix_support import (
    ALL_ROLES,
    EVERYONE,
    ORG_X,
    SELF_AND_STAFF,
    STAFF,
    USERS,
    Case,
    World,
    fixed,
    public,
)
from tests.learning.conftest import BMS
from tests.roles.matrix import PUBLISHED, ensure_published

ROLE = PUBLISHED
PAGE_ROLE = "matrix-page-role"  # the role the page's "propose a plan" posts (nobody has a plan towards it)


def _publish(db: Session, slug: str) -> None:
    roles_service.create_role(db=db, actor=SYSTEM, data=RoleCreate(slug=slug, title=f"Role {slug}",
                                                                   skills=[{"uri": BMS}]))  # fmt: skip
    roles_service.submit(db=db, actor=SYSTEM, slug=slug)
    roles_service.publish(db=db, actor=SYSTEM, slug=slug)


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as db:
        ensure_published(db)
        _publish(db, PAGE_ROLE)
        course = service.create_course(
            db=db, actor=SYSTEM, provider=ORG_X,
            data=CourseIn(code="M-1", title="Matrix course", skills=[{"uri": BMS, "level": "expert"}], price_eur=10),
        )  # fmt: skip
        world.extra["learning.course"] = course.id
        edited = service.create_course(db=db, actor=SYSTEM, provider=ORG_X,
                                       data=CourseIn(code="M-EDIT", title="Matrix course to edit"))  # fmt: skip
        world.extra["learning.course.edit"] = edited.id
        worker = world.person_ids["worker"]
        numbers = count(1)

        def plan(state: str) -> int:
            role = f"matrix-plan-role-{next(numbers)}"
            _publish(db, role)
            made = plans.create_plan(
                db=db, actor=SYSTEM,
                data=PlanIn(person_id=worker, role=role, courses=[course.id], milestones=[MilestoneIn(title="First")]),
            )  # fmt: skip
            if state in {"proposed", "agreed", "in_progress"}:
                plans.propose(db=db, actor=SYSTEM, plan_id=made.id)
            if state in {"agreed", "in_progress"}:
                plans.agree(db=db, actor=SYSTEM, plan_id=made.id, side="worker")
                plans.agree(db=db, actor=SYSTEM, plan_id=made.id, side="employer")
            if state == "in_progress":
                plans.start(db=db, actor=SYSTEM, plan_id=made.id)
            return made.id

        world.extra["learning.plan"] = plan("draft")
        world.extra["learning.plan.agreed"] = plan("agreed")
        for role in ALL_ROLES:
            world.extra[f"learning.plan.proposed.{role}"] = plan("proposed")
            world.extra[f"learning.plan.running.{role}"] = plan("in_progress")
            world.extra[f"learning.plan.page.{role}"] = plan("proposed")
            world.extra[f"learning.plan.page_running.{role}"] = plan("in_progress")
            world.extra[f"learning.plan.learner.{role}"] = plan("in_progress")
            world.extra[f"learning.plan.page_learner.{role}"] = plan("in_progress")


def _gap(role: str, world: World) -> str:
    return f"/api/people/{world.person_ids['worker']}/gap?role={ROLE}"


def _course(suffix: str = "", key: str = "learning.course"):
    return lambda role, world: f"/courses/{world.extra[key]}{suffix}"


def _plan(suffix: str = "", key: str = "learning.plan", per_role: bool = False):
    return lambda role, world: f"/plans/{world.extra[f'{key}.{role}' if per_role else key]}{suffix}"


ENTRIES: dict[tuple[str, str], Case] = {
    ("GET", "/api/courses"): public("/api/courses?q=matrix"),
    ("GET", "/api/courses/{course_id}"): Case(
        public("/").allowed, lambda role, world: f"/api/courses/{world.extra['learning.course']}"
    ),
    ("POST", "/api/organisations/{slug}/courses"): Case(
        STAFF,
        fixed(f"/api/organisations/{ORG_X}/courses"),
        json=lambda role, world: {"code": f"M-{role}", "title": "A course", "price_eur": 5},
    ),
    ("PUT", "/api/courses/{course_id}"): Case(
        STAFF,
        lambda role, world: f"/api/courses/{world.extra['learning.course.edit']}",
        json=lambda role, world: {"code": "M-EDIT", "title": f"Edited by {role}", "price_eur": 5},
    ),
    ("GET", "/api/courses/{course_id}/learners"): Case(
        STAFF, lambda role, world: f"/api/courses/{world.extra['learning.course']}/learners"
    ),
    ("POST", "/api/courses/{course_id}/learners/{plan_id}"): Case(
        STAFF,
        lambda role, world: (
            f"/api/courses/{world.extra['learning.course']}/learners/{world.extra[f'learning.plan.learner.{role}']}"
        ),
        json=lambda role, world: {"outcome": "failed"},
    ),
    ("GET", "/api/people/{person_id}/gap"): Case(SELF_AND_STAFF, _gap),
    ("POST", "/api/people/{person_id}/path"): Case(
        SELF_AND_STAFF,
        lambda role, world: f"/api/people/{world.person_ids['worker']}/path?role={ROLE}",
        json=lambda role, world: {"cost": "hours"},
    ),
    ("GET", "/api/organisations/{slug}/workforce-gap"): Case(
        STAFF, fixed(f"/api/organisations/{ORG_X}/workforce-gap?role={ROLE}")
    ),
    # Each logged-in user lists the plans they may read (the test of what each sees is in test_plan_pages).
    ("GET", "/api/plans"): Case(USERS, fixed("/api/plans")),
    # One open plan per worker and role: whoever is allowed first makes it, the next ones get 409.
    ("POST", "/api/plans"): Case(
        SELF_AND_STAFF,
        fixed("/api/plans"),
        json=lambda role, world: {"person_id": world.person_ids["worker"], "role": ROLE},
        ok=frozenset({201, 409}),
    ),
    ("GET", "/api/plans/{plan_id}"): Case(
        SELF_AND_STAFF, lambda role, world: f"/api/plans/{world.extra['learning.plan']}"
    ),
    ("PUT", "/api/plans/{plan_id}"): Case(
        SELF_AND_STAFF,
        lambda role, world: f"/api/plans/{world.extra['learning.plan']}",
        json=lambda role, world: {
            "goals": f"Goals by {role}",
            "due_dates": {world.extra["learning.course"]: "2026-09-01"},
        },
    ),
    # The worker agrees as the worker, a manager of the employer as the employer; nobody else may.
    ("POST", "/api/plans/{plan_id}/{action}"): Case(
        frozenset({"worker", "org_manager"}),
        lambda role, world: f"/api/plans/{world.extra[f'learning.plan.proposed.{role}']}/agree",
    ),
    ("POST", "/api/plans/{plan_id}/outcomes"): Case(
        STAFF,
        lambda role, world: f"/api/plans/{world.extra[f'learning.plan.running.{role}']}/outcomes",
        json=lambda role, world: {"course_id": world.extra["learning.course"], "outcome": "passed"},
    ),
    ("POST", "/api/plans/{plan_id}/milestones/{index}"): Case(
        SELF_AND_STAFF,
        lambda role, world: f"/api/plans/{world.extra['learning.plan.agreed']}/milestones/0",
        json=lambda role, world: {"done": True},
    ),
    ("POST", "/api/courses/{course_id}/suggest-skills"): Case(
        STAFF, lambda role, world: f"/api/courses/{world.extra['learning.course']}/suggest-skills"
    ),
    ("POST", "/api/courses/{course_id}/confirm-skills"): Case(
        STAFF,
        lambda role, world: f"/api/courses/{world.extra['learning.course']}/confirm-skills",
        json=lambda role, world: {"keep": []},
    ),
    ("POST", "/api/organisations/{slug}/courses/import"): Case(
        STAFF,
        fixed(f"/api/organisations/{ORG_X}/courses/import?dry_run=true"),
        files=lambda role, world: {
            "file": ("c.csv", b"code,title,price_eur\nIMP-M,Imported,5\n", "text/csv")
        },
    ),
    # pages
    ("GET", "/courses"): public("/courses?q=matrix&language=en&max_price=100"),
    ("GET", "/courses/{course_id}"): Case(EVERYONE, _course()),
    ("POST", "/courses/{course_id}/suggest"): Case(STAFF, _course("/suggest"), form=lambda role, world: {}),
    ("POST", "/courses/{course_id}/confirm"): Case(STAFF, _course("/confirm"), form=lambda role, world: {}),
    # A reload after a course page's button: back to the course, for anyone.
    ("GET", "/courses/{course_id}/{action}"): Case(EVERYONE, _course("/confirm"), ok=frozenset({303})),
    # Everyone with an account has the page (it says whose courses they keep, if any).
    ("GET", "/my/courses"): Case(USERS, fixed("/my/courses")),
    ("GET", "/my/courses/new"): Case(STAFF, fixed(f"/my/courses/new?provider={ORG_X}")),
    ("POST", "/my/courses/new"): Case(
        STAFF,
        fixed("/my/courses/new"),
        form=lambda role, world: {
            "provider": ORG_X,
            "code": f"PAGE-{role}",
            "title": "A course from the page",
        },
    ),
    ("GET", "/courses/{course_id}/edit"): Case(STAFF, _course("/edit", "learning.course.edit")),
    ("POST", "/courses/{course_id}/edit"): Case(
        STAFF,
        _course("/edit", "learning.course.edit"),
        form=lambda role, world: {"code": "M-EDIT", "title": f"Edited on the page by {role}"},
    ),
    ("GET", "/my/courses/import"): Case(STAFF, fixed(f"/my/courses/import?provider={ORG_X}")),
    ("POST", "/my/courses/import"): Case(
        STAFF,
        fixed("/my/courses/import"),
        form=lambda role, world: {"provider": ORG_X, "step": "check"},
        files=lambda role, world: {"file": ("c.csv", b"code,title\nIMP-P,Imported\n", "text/csv")},
    ),
    ("GET", "/courses/{course_id}/learners"): Case(STAFF, _course("/learners")),
    ("POST", "/courses/{course_id}/learners"): Case(
        STAFF,
        _course("/learners"),
        form=lambda role, world: {
            "plan_id": world.extra[f"learning.plan.page_learner.{role}"],
            "outcome": "failed",
        },
    ),
    ("GET", "/my/path"): Case(USERS, fixed(f"/my/path?role={ROLE}")),
    # Roles without an employer (committee lead, expert, trainer) are told so: 422, nothing saved.
    ("POST", "/plans"): Case(
        USERS, fixed("/plans"), form=lambda role, world: {"role": PAGE_ROLE}, ok=frozenset({303, 422})
    ),
    # A reload after proposing: to my plans.
    ("GET", "/plans"): Case(EVERYONE, fixed("/plans"), ok=frozenset({303})),
    ("GET", "/my/plans"): Case(USERS, fixed("/my/plans")),
    ("GET", "/plans/{plan_id}"): Case(SELF_AND_STAFF, _plan()),
    ("POST", "/plans/{plan_id}/due-dates"): Case(
        SELF_AND_STAFF,
        _plan("/due-dates"),
        form=lambda role, world: {f"due.{world.extra['learning.course']}": "2026-10-01"},
    ),
    ("POST", "/plans/{plan_id}/milestones"): Case(
        SELF_AND_STAFF, _plan("/milestones"), form=lambda role, world: {"title": f"Milestone by {role}"}
    ),
    ("POST", "/plans/{plan_id}/milestones/{index}"): Case(
        SELF_AND_STAFF, _plan("/milestones/0", "learning.plan.agreed"), form=lambda role, world: {"done": "1"}
    ),
    ("GET", "/plans/{plan_id}/milestones/{index}"): Case(
        EVERYONE, _plan("/milestones/0", "learning.plan.agreed"), ok=frozenset({303})
    ),
    ("POST", "/plans/{plan_id}/outcomes"): Case(
        STAFF,
        _plan("/outcomes", "learning.plan.page_running", per_role=True),
        form=lambda role, world: {"course_id": world.extra["learning.course"], "outcome": "passed"},
    ),
    ("POST", "/plans/{plan_id}/{action}"): Case(
        frozenset({"worker", "org_manager"}),
        _plan("/agree", "learning.plan.page", per_role=True),
        form=lambda role, world: {},
    ),
    # A reload after any of the plan page's forms: back to the plan, for anyone (the plan checks who reads).
    ("GET", "/plans/{plan_id}/{action}"): Case(EVERYONE, _plan("/agree"), ok=frozenset({303})),
    ("GET", "/organisations/{slug}/workforce"): Case(
        STAFF, fixed(f"/organisations/{ORG_X}/workforce?role={ROLE}")
    ),
}
