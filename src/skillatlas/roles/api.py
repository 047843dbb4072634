"""REST API of job roles: list, read a version, create, edit (a new version when published), submit, publish."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from skillatlas.roles import service
from skillatlas.roles.schemas import RoleCreate, RoleSummary, RoleVersionIn, RoleVersionRead
from skillatlas.web.deps import DB, Actor

router = APIRouter(prefix="/api/roles", tags=["roles"])


@router.get("", response_model=list[RoleSummary])
def list_roles(db: DB, actor: Actor) -> list[RoleSummary]:
    """Roles with a published version, and the drafts the caller may edit."""
    return service.list_roles(db=db, actor=actor)


@router.get("/{slug}", response_model=RoleVersionRead)
def get_role(
    db: DB, actor: Actor, slug: str, version: Annotated[int | None, Query(ge=1)] = None
) -> RoleVersionRead:
    """A version of a role (default: the newest published); drafts only for their editors."""
    return service.version_read(
        db=db, version=service.get_version(db=db, actor=actor, slug=slug, number=version)
    )


@router.post("", response_model=RoleVersionRead, status_code=status.HTTP_201_CREATED)
def create_role(db: DB, actor: Actor, data: RoleCreate) -> RoleVersionRead:
    """A new role, its first version a draft (the office, or a lead of the reviewing group)."""
    return service.version_read(db=db, version=service.create_role(db=db, actor=actor, data=data))


@router.put("/{slug}", response_model=RoleVersionRead)
def edit_role(db: DB, actor: Actor, slug: str, data: RoleVersionIn) -> RoleVersionRead:
    """Changes the draft, or starts a new version when the newest is published."""
    return service.version_read(db=db, version=service.edit_role(db=db, actor=actor, slug=slug, data=data))


@router.post("/{slug}/submit", response_model=RoleVersionRead)
def submit_role(db: DB, actor: Actor, slug: str) -> RoleVersionRead:
    """Puts the draft in review by the role's group."""
    return service.version_read(db=db, version=service.submit(db=db, actor=actor, slug=slug))


@router.post("/{slug}/publish", response_model=RoleVersionRead)
def publish_role(db: DB, actor: Actor, slug: str) -> RoleVersionRead:
    """Publishes the version in review."""
    return service.version_read(db=db, version=service.publish(db=db, actor=actor, slug=slug))
