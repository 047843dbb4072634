"""REST API of persons: their record of skills."""

from __future__ import annotations

from fastapi import APIRouter, status

from skillatlas.people import service
from skillatlas.people.schemas import PersonSkillIn, PersonSkillRead
from skillatlas.web.deps import DB, Actor

router = APIRouter(prefix="/api/people", tags=["people"])


@router.get("/{person_id}/skills", response_model=list[PersonSkillRead])
def skills(db: DB, actor: Actor, person_id: int) -> list[PersonSkillRead]:
    """A person's skills with level, source and evidence (the person, the office, their employer's managers)."""
    return service.skills_of(db=db, actor=actor, person_id=person_id)


@router.put("/{person_id}/skills", response_model=list[PersonSkillRead])
def set_skills(db: DB, actor: Actor, person_id: int, data: list[PersonSkillIn]) -> list[PersonSkillRead]:
    """Records or updates skills; an unknown skill URI refuses the whole list."""
    return service.set_skills(db=db, actor=actor, person_id=person_id, skills=data)


@router.delete("/{person_id}/skills", status_code=status.HTTP_204_NO_CONTENT)
def remove_skill(db: DB, actor: Actor, person_id: int, uri: str) -> None:
    """Removes one skill (by URI) from the record."""
    service.remove_skill(db=db, actor=actor, person_id=person_id, uri=uri)
