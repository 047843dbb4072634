"""REST API of the taxonomy: skills and occupations, searchable, with their relations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from skillatlas.taxonomy import service
from skillatlas.taxonomy.models import SkillType
from skillatlas.taxonomy.schemas import (
    AllianceSkillCreate,
    OccupationRead,
    OccupationSummary,
    SkillMatch,
    SkillRead,
    SkillReview,
    SkillSummary,
    TaxonomyCounts,
)
from skillatlas.web.deps import DB, Actor

router = APIRouter(prefix="/api/taxonomy", tags=["taxonomy"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=2**63 - 1)]  # beyond a database integer: 422, on every path


@router.get("", response_model=TaxonomyCounts)
def counts(db: DB) -> TaxonomyCounts:
    """How many skills, automotive skills, occupations and skill groups are loaded."""
    return service.counts(db=db)


@router.get("/skills", response_model=list[SkillMatch])
def search_skills(
    db: DB,
    q: Annotated[str, Query(max_length=200)] = "",
    automotive: bool | None = None,
    skill_type: SkillType | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[SkillMatch]:
    """Skills whose preferred or alternative label contains `q`; `automotive=true` for the automotive part.

    Preferred-label matches first; `matched_label` names the alternative label when only that one matched.
    """
    found = service.search_skill_matches(
        db=db, query=q, automotive=automotive, skill_type=skill_type, limit=limit, offset=offset
    )
    return [SkillMatch.model_validate({**SkillSummary.model_validate(s).model_dump(), "matched_label": alt})
            for s, alt in found]  # fmt: skip


@router.get("/skills/by-uri", response_model=SkillRead)
def skill_by_uri(db: DB, uri: Annotated[str, Query(max_length=200)]) -> SkillRead:
    """One skill by its ESCO (or alliance) URI."""
    return service.skill_read(db=db, skill=service.get_skill(db=db, uri=uri))


@router.get("/skills/{skill_id}", response_model=SkillRead)
def get_skill(db: DB, skill_id: int) -> SkillRead:
    """One skill with its hierarchy and the occupations that need it."""
    return service.skill_read(db=db, skill=service.get_skill(db=db, skill_id=skill_id))


@router.post("/skills", response_model=SkillRead, status_code=201)
def propose_skill(db: DB, actor: Actor, data: AllianceSkillCreate) -> SkillRead:
    """Proposes a skill the alliance needs that ESCO lacks; it gets its own URI and awaits review."""
    return service.skill_read(db=db, skill=service.propose_skill(db=db, actor=actor, data=data))


@router.post("/skills/{skill_id}/review", response_model=SkillRead)
def review_skill(db: DB, actor: Actor, skill_id: int, data: SkillReview) -> SkillRead:
    """Moves an alliance skill to in review, approved (then used by search and extraction) or rejected."""
    skill = service.review_skill(db=db, actor=actor, skill_id=skill_id, state=data.state)
    return service.skill_read(db=db, skill=skill)


@router.get("/occupations", response_model=list[OccupationSummary])
def search_occupations(
    db: DB, q: Annotated[str, Query(max_length=200)] = "", limit: Limit = 50, offset: Offset = 0
) -> list[OccupationSummary]:
    """Occupations whose label contains `q`."""
    return [
        OccupationSummary.model_validate(o)
        for o in service.search_occupations(db=db, query=q, limit=limit, offset=offset)
    ]


@router.get("/occupations/{occupation_id}", response_model=OccupationRead)
def get_occupation(db: DB, occupation_id: int) -> OccupationRead:
    """One occupation with its essential and optional skills."""
    return service.occupation_read(
        db=db, occupation=service.get_occupation(db=db, occupation_id=occupation_id)
    )
