"""Job roles' permission-matrix entries: published versions are public; the office and the group's leads edit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.roles import service
from skillatlas.roles.models import JobRole
from skillatlas.roles.schemas import RoleCreate
from skillatlas.taxonomy import service as taxonomy
from tests.auth.matrix_support import ALL_ROLES, GROUP_A, LEADS, Case, World, fixed, public
from tests.learning.conftest import BMS, FIXTURE

PUBLISHED = "matrix-role"


def _s(role: str) -> str:
    return role.replace("_", "-")


def _create(db: Session, slug: str, group: str | None) -> None:
    service.create_role(db=db, actor=SYSTEM, data=RoleCreate(slug=slug, title=f"Role {slug}", group=group,
                                                             skills=[{"uri": BMS}]))  # fmt: skip


def ensure_published(db: Session) -> None:
    """The ESCO extract and the published role that roles' and learning's matrix entries use (idempotent)."""
    if taxonomy.is_empty(db=db):
        taxonomy.import_esco(db=db, directory=FIXTURE)
    if db.scalar(select(JobRole.id).where(JobRole.slug == PUBLISHED)) is None:
        _create(db, PUBLISHED, None)
        service.submit(db=db, actor=SYSTEM, slug=PUBLISHED)
        service.publish(db=db, actor=SYSTEM, slug=PUBLISHED)


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as db:
        ensure_published(db)
        for role in ALL_ROLES:
            _create(db, f"mx-{_s(role)}", GROUP_A)  # a draft of group A, for editing and submitting
            _create(db, f"my-{_s(role)}", GROUP_A)  # in review, for publishing
            service.submit(db=db, actor=SYSTEM, slug=f"my-{_s(role)}")
            _create(db, f"px-{_s(role)}", GROUP_A)  # the same two for the pages
            _create(db, f"py-{_s(role)}", GROUP_A)
            service.submit(db=db, actor=SYSTEM, slug=f"py-{_s(role)}")


ENTRIES: dict[tuple[str, str], Case] = {
    ("GET", "/api/roles"): public("/api/roles"),
    ("GET", "/api/roles/{slug}"): public(f"/api/roles/{PUBLISHED}"),
    ("POST", "/api/roles"): Case(
        LEADS,
        fixed("/api/roles"),
        json=lambda role, world: {"slug": f"new-{_s(role)}", "title": "A new role", "skills": [{"uri": BMS}]},
    ),
    ("PUT", "/api/roles/{slug}"): Case(
        LEADS,
        lambda role, world: f"/api/roles/mx-{_s(role)}",
        json=lambda role, world: {"title": "Changed role", "skills": [{"uri": BMS, "level": "expert"}]},
    ),
    ("POST", "/api/roles/{slug}/submit"): Case(LEADS, lambda role, world: f"/api/roles/mx-{_s(role)}/submit"),
    ("POST", "/api/roles/{slug}/publish"): Case(
        LEADS, lambda role, world: f"/api/roles/my-{_s(role)}/publish"
    ),
    # pages
    ("GET", "/roles"): public("/roles"),
    ("GET", "/roles/{slug}"): public(f"/roles/{PUBLISHED}"),
    ("GET", "/roles/new"): Case(LEADS, fixed("/roles/new")),
    ("POST", "/roles"): Case(
        LEADS,
        fixed("/roles"),
        form=lambda role, world: {
            "slug": f"page-{_s(role)}",
            "title": "A page role",
            "skills.uri": BMS,
            "skills.level": "expert|essential",
        },
    ),
    ("GET", "/roles/{slug}/edit"): Case(LEADS, lambda role, world: f"/roles/px-{_s(role)}/edit"),
    ("POST", "/roles/{slug}"): Case(
        LEADS,
        lambda role, world: f"/roles/px-{_s(role)}",
        form=lambda role, world: {
            "title": "Changed on the page",
            "skills.uri": BMS,
            "skills.level": "awareness|optional",
        },
    ),
    ("POST", "/roles/{slug}/submit"): Case(
        LEADS, lambda role, world: f"/roles/px-{_s(role)}/submit", form=lambda r, w: {}
    ),
    ("POST", "/roles/{slug}/publish"): Case(
        LEADS, lambda role, world: f"/roles/py-{_s(role)}/publish", form=lambda r, w: {}
    ),
}
