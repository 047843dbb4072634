"""Learning's permission-matrix entries: the catalogue is public; providers write; a gap is the person's and their employer's."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.learning import plans, service
from skillatlas.learning.schemas import CourseIn, PlanIn
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


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as db:
        ensure_published(db)
        course = service.create_course(
            db=db, actor=SYSTEM, provider=ORG_X,
            data=CourseIn(code="M-1", title="Matrix course", skills=[{"uri": BMS, "level": "expert"}], price_eur=10),
        )  # fmt: skip
        world.extra["learning.course"] = course.id
        worker = world.person_ids["worker"]

        def plan(state: str) -> int:
            made = plans.create_plan(
                db=db, actor=SYSTEM, data=PlanIn(person_id=worker, role=ROLE, courses=[course.id])
            )
            if state in {"proposed", "in_progress"}:
                plans.propose(db=db, actor=SYSTEM, plan_id=made.id)
            if state == "in_progress":
                plans.agree(db=db, actor=SYSTEM, plan_id=made.id, side="worker")
                plans.agree(db=db, actor=SYSTEM, plan_id=made.id, side="employer")
                plans.start(db=db, actor=SYSTEM, plan_id=made.id)
            return made.id

        world.extra["learning.plan"] = plan("draft")
        for role in ALL_ROLES:
            world.extra[f"learning.plan.proposed.{role}"] = plan("proposed")
            world.extra[f"learning.plan.running.{role}"] = plan("in_progress")
            world.extra[f"learning.plan.page.{role}"] = plan("proposed")


def _gap(role: str, world: World) -> str:
    return f"/api/people/{world.person_ids['worker']}/gap?role={ROLE}"


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
    ("GET", "/api/people/{person_id}/gap"): Case(SELF_AND_STAFF, _gap),
    ("POST", "/api/people/{person_id}/path"): Case(
        SELF_AND_STAFF,
        lambda role, world: f"/api/people/{world.person_ids['worker']}/path?role={ROLE}",
        json=lambda role, world: {"cost": "hours"},
    ),
    ("GET", "/api/organisations/{slug}/workforce-gap"): Case(
        STAFF, fixed(f"/api/organisations/{ORG_X}/workforce-gap?role={ROLE}")
    ),
    ("POST", "/api/plans"): Case(
        SELF_AND_STAFF,
        fixed("/api/plans"),
        json=lambda role, world: {"person_id": world.person_ids["worker"], "role": ROLE},
    ),
    ("GET", "/api/plans/{plan_id}"): Case(
        SELF_AND_STAFF, lambda role, world: f"/api/plans/{world.extra['learning.plan']}"
    ),
    ("PUT", "/api/plans/{plan_id}"): Case(
        SELF_AND_STAFF,
        lambda role, world: f"/api/plans/{world.extra['learning.plan']}",
        json=lambda role, world: {"goals": f"Goals by {role}"},
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
    ("GET", "/courses/{course_id}"): Case(
        EVERYONE, lambda role, world: f"/courses/{world.extra['learning.course']}"
    ),
    ("POST", "/courses/{course_id}/suggest"): Case(
        STAFF,
        lambda role, world: f"/courses/{world.extra['learning.course']}/suggest",
        form=lambda role, world: {},
    ),
    ("POST", "/courses/{course_id}/confirm"): Case(
        STAFF,
        lambda role, world: f"/courses/{world.extra['learning.course']}/confirm",
        form=lambda role, world: {},
    ),
    ("GET", "/my/path"): Case(USERS, fixed(f"/my/path?role={ROLE}")),
    # Roles without an employer (committee lead, expert, trainer) are told so: 422, nothing saved.
    ("POST", "/plans"): Case(
        USERS, fixed("/plans"), form=lambda role, world: {"role": ROLE}, ok=frozenset({303, 422})
    ),
    ("GET", "/plans/{plan_id}"): Case(
        SELF_AND_STAFF, lambda role, world: f"/plans/{world.extra['learning.plan']}"
    ),
    ("POST", "/plans/{plan_id}/agree"): Case(
        frozenset({"worker", "org_manager"}),
        lambda role, world: f"/plans/{world.extra[f'learning.plan.page.{role}']}/agree",
        form=lambda role, world: {},
    ),
    ("GET", "/organisations/{slug}/workforce"): Case(
        STAFF, fixed(f"/organisations/{ORG_X}/workforce?role={ROLE}")
    ),
}
