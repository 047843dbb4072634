"""REST API of the expert database: profiles, requests, shortlists, proposals and the needs report."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from skillatlas.experts import files, service
from skillatlas.experts.schemas import (
    DerivedSkillsReview,
    ExpertiseRequestIn,
    ExpertiseRequestRead,
    ExpertProfileIn,
    ExpertProfileRead,
    NeededField,
    ProposalIn,
    ProposalRead,
    ProposalStep,
    ShortlistEntry,
)
from skillatlas.web.deps import DB, Actor, Now

router = APIRouter(prefix="/api/experts", tags=["experts"])


def engine(request: Request) -> service.MatchingEngine:
    """The process's matching engine for the configured data directory and embedding backend."""
    settings = request.app.state.settings
    return service.engine_for(settings.data_dir, settings.embedding_backend)


def extractor(request: Request, db: DB) -> service.SkillFinder:
    """Finds skills in a text with the shared skill extractor (`service.skill_finder`, as every door does)."""
    settings = request.app.state.settings
    return service.skill_finder(db, settings.data_dir, settings.embedding_backend)


@router.put("/profiles/{person_id}", response_model=ExpertProfileRead)
def save_profile(
    request: Request, db: DB, actor: Actor, at: Now, person_id: int, data: ExpertProfileIn
) -> ExpertProfileRead:
    """Registers or updates an expert profile (the expert or the office); `consent: false` unlists it.

    A new or changed headline and bio are read for skills: they appear in `skills` with source `derived` and
    their evidence sentence, for the expert to confirm or remove (`POST .../derived-skills`)."""
    service.save_profile(
        db=db, actor=actor, person_id=person_id, data=data, now=at, find=extractor(request, db)
    )
    return service.get_profile(db=db, actor=actor, person_id=person_id)


@router.post("/profiles/{person_id}/derived-skills", response_model=ExpertProfileRead)
def review_derived(db: DB, actor: Actor, person_id: int, data: DerivedSkillsReview) -> ExpertProfileRead:
    """Confirms skills found in the bio (they become the expert's own claims) or removes them."""
    service.review_derived(db=db, actor=actor, person_id=person_id, confirm=data.confirm, remove=data.remove)
    return service.get_profile(db=db, actor=actor, person_id=person_id)


@router.get("/profiles/{person_id}", response_model=ExpertProfileRead)
def get_profile(db: DB, actor: Actor, person_id: int) -> ExpertProfileRead:
    """The full profile, with skills: for the expert and the office."""
    return service.get_profile(db=db, actor=actor, person_id=person_id)


@router.delete("/profiles/{person_id}/consent", response_model=ExpertProfileRead)
def withdraw_consent(db: DB, actor: Actor, at: Now, person_id: int) -> ExpertProfileRead:
    """Withdraws the consent to be listed: the expert disappears from matching."""
    service.withdraw_consent(db=db, actor=actor, person_id=person_id, now=at)
    return service.get_profile(db=db, actor=actor, person_id=person_id)


@router.post("/requests", response_model=ExpertiseRequestRead, status_code=status.HTTP_201_CREATED)
def create_request(
    request: Request, db: DB, actor: Actor, at: Now, data: ExpertiseRequestIn
) -> ExpertiseRequestRead:
    """Posts an expertise request (the office or the company's managers)."""
    extract = extractor(request, db) if data.extract_skills or not data.skills else None
    created = service.create_request(db=db, actor=actor, data=data, now=at, extract=extract)
    return ExpertiseRequestRead.model_validate(created)


@router.get("/requests", response_model=list[ExpertiseRequestRead])
def list_requests(db: DB, actor: Actor) -> list[ExpertiseRequestRead]:
    """Requests: all of them for the office, their own organisations' for managers."""
    return [ExpertiseRequestRead.model_validate(r) for r in service.list_requests(db=db, actor=actor)]


@router.get("/requests/{request_id}", response_model=ExpertiseRequestRead)
def get_request(db: DB, actor: Actor, request_id: int) -> ExpertiseRequestRead:
    """One request."""
    return ExpertiseRequestRead.model_validate(service.get_request(db=db, actor=actor, request_id=request_id))


@router.get("/requests/{request_id}/shortlist", response_model=list[ShortlistEntry])
def shortlist(
    request: Request,
    db: DB,
    actor: Actor,
    at: Now,
    request_id: int,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[ShortlistEntry]:
    """The ranked, pseudonymous shortlist with each expert's score and reasons."""
    return service.shortlist(
        db=db, actor=actor, request_id=request_id, engine=engine(request), today=at.date(), k=k
    )


@router.post(
    "/requests/{request_id}/proposals", response_model=ProposalRead, status_code=status.HTTP_201_CREATED
)
def propose(
    request: Request, db: DB, actor: Actor, at: Now, request_id: int, data: ProposalIn
) -> ProposalRead:
    """Proposes an expert from the shortlist."""
    proposal = service.propose(db=db, actor=actor, request_id=request_id, expert_id=data.expert_id,
                               engine=engine(request), now=at)  # fmt: skip
    return service.proposal_read(proposal)


@router.get("/requests/{request_id}/proposals", response_model=list[ProposalRead])
def request_proposals(db: DB, actor: Actor, request_id: int) -> list[ProposalRead]:
    """A request's proposals; contact details appear once the expert accepted."""
    return [
        service.proposal_read(p)
        for p in service.proposals_for_request(db=db, actor=actor, request_id=request_id)
    ]


@router.post("/proposals/{proposal_id}/status", response_model=ProposalRead)
def step(db: DB, actor: Actor, at: Now, proposal_id: int, data: ProposalStep) -> ProposalRead:
    """Accept or decline (the expert); deploy, complete with feedback, or cancel (the company)."""
    return service.proposal_read(service.step(db=db, actor=actor, proposal_id=proposal_id, data=data, now=at))


@router.get("/people/{person_id}/proposals", response_model=list[ProposalRead])
def expert_proposals(db: DB, actor: Actor, person_id: int) -> list[ProposalRead]:
    """The proposals made to an expert (the expert and the office)."""
    return [
        service.proposal_read(p)
        for p in service.proposals_for_expert(db=db, actor=actor, person_id=person_id)
    ]


@router.get("/report/needs", response_model=list[NeededField])
def needs(
    db: DB, actor: Actor, country: Annotated[str | None, Query(max_length=2)] = None
) -> list[NeededField]:
    """The most needed fields of expertise: often requested, little covered, by country and month."""
    return service.needs_report(db=db, actor=actor, country=country)


@router.get("/export", response_class=Response)
def export(db: DB, actor: Actor, format: Literal["csv", "xlsx"] = "csv") -> Response:
    """Every expert in the import template's columns (consent included), to edit and import again: the office."""
    rows = service.export_rows(db=db, actor=actor)
    return Response(
        files.export(rows, service.IMPORT_COLUMNS, format),
        media_type=files.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="experts.{format}"'},
    )
