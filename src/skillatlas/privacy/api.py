"""REST API of personal-data rights: a person's consents, their data as JSON, erasure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from skillatlas.privacy import service
from skillatlas.privacy.models import ConsentPurpose
from skillatlas.privacy.schemas import ConsentIn, ConsentState, ErasureIn, ErasureRead, PersonalData
from skillatlas.web.deps import DB, Actor, Now

router = APIRouter(prefix="/api/people", tags=["privacy"])
# A database id: larger numbers cannot be stored, so they are refused (422) before any query.
PersonId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/{person_id}/consents", response_model=list[ConsentState])
def consents(db: DB, actor: Actor, person_id: PersonId) -> list[ConsentState]:
    """The current state of each consent purpose (the person, the office)."""
    return service.consents_of(db=db, actor=actor, person_id=person_id)


@router.put("/{person_id}/consents/{purpose}", response_model=ConsentState)
def set_consent(
    db: DB, actor: Actor, now: Now, person_id: PersonId, purpose: ConsentPurpose, data: ConsentIn
) -> ConsentState:
    """Gives (`{"given": true}`) or withdraws (`{"given": false}`) a consent; the history is kept."""
    return service.set_consent(
        db=db, actor=actor, person_id=person_id, purpose=purpose, given=data.given, now=now, source="api"
    )


@router.get("/{person_id}/personal-data", response_model=PersonalData)
def personal_data(db: DB, actor: Actor, now: Now, person_id: PersonId) -> PersonalData:
    """Everything the platform holds about the person, as one JSON document (the person, the office)."""
    return service.export(db=db, actor=actor, person_id=person_id, now=now)


@router.post("/{person_id}/erase", response_model=ErasureRead)
def erase(db: DB, actor: Actor, now: Now, person_id: PersonId, data: ErasureIn) -> ErasureRead:
    """Erases the person's personal data (themselves with their password, or the office); counts stay."""
    return service.erase(db=db, actor=actor, person_id=person_id, now=now, password=data.password)
