"""REST API of the applications to join a group: apply, read, and the lead's steps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from skillatlas.alliance import service as alliance_service
from skillatlas.applications import service
from skillatlas.applications.models import ApplicationState
from skillatlas.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    DeclineIn,
    IntakeIn,
    IntakeRead,
    InterviewIn,
    OutcomeIn,
)
from skillatlas.auth.permissions import authorize
from skillatlas.web.deps import DB, Actor

router = APIRouter(prefix="/api", tags=["applications"])


class CandidateRead(BaseModel):
    person_id: int
    full_name: str
    organisation: str | None


@router.get("/applications", response_model=list[ApplicationRead])
def list_applications(
    db: DB,
    actor: Actor,
    group: Annotated[str | None, Query(max_length=80)] = None,
    state: ApplicationState | None = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[ApplicationRead]:
    """The applications you may see: your own, those to the groups you lead, every one for the office."""
    found = service.list_applications(
        db=db, actor=actor, group_slug=group, state=state, mine=mine, limit=limit
    )
    return [service.application_read(a) for a in found]


@router.get("/applications/{application_id}", response_model=ApplicationRead)
def get_application(db: DB, actor: Actor, application_id: int) -> ApplicationRead:
    """One application (the applicant, the group's leads, the office)."""
    return service.application_read(
        service.get_application(db=db, actor=actor, application_id=application_id)
    )


@router.post(
    "/groups/{slug}/applications", response_model=ApplicationRead, status_code=status.HTTP_201_CREATED
)
def apply(db: DB, actor: Actor, slug: str, data: ApplicationCreate) -> ApplicationRead:
    """Apply to join the group (a logged-in person, for themselves; the group must take applications)."""
    return service.application_read(service.apply(db=db, actor=actor, group_slug=slug, data=data))


@router.get("/groups/{slug}/intake", response_model=IntakeRead)
def get_intake(db: DB, slug: str) -> IntakeRead:
    """Whether the group takes applications, and its badge."""
    return service.intake_read(db, alliance_service.get_group(db=db, slug=slug))


@router.put("/groups/{slug}/intake", response_model=IntakeRead)
def set_intake(db: DB, actor: Actor, slug: str, data: IntakeIn) -> IntakeRead:
    """Open or close the group to applications, name its badge (the office, the group's leads)."""
    service.set_intake(db=db, actor=actor, group_slug=slug, data=data)
    return service.intake_read(db, alliance_service.get_group(db=db, slug=slug))


@router.get("/groups/{slug}/panel-candidates", response_model=list[CandidateRead])
def panel_candidates(db: DB, actor: Actor, slug: str) -> list[CandidateRead]:
    """Who may sit on the group's interview panels: the persons of its member organisations (the leads)."""
    group = alliance_service.get_group(db=db, slug=slug)
    authorize(actor, "application.list_group", **alliance_service.group_facts(group))
    return [
        CandidateRead(
            person_id=p.id, full_name=p.full_name, organisation=p.employer.name if p.employer else None
        )
        for p in service.panel_candidates(db, group)
    ]


@router.post("/applications/{application_id}/shortlist", response_model=ApplicationRead)
def shortlist(db: DB, actor: Actor, application_id: int) -> ApplicationRead:
    """Put a submitted application on the shortlist."""
    return service.application_read(service.shortlist(db=db, actor=actor, application_id=application_id))


@router.post("/applications/{application_id}/decline", response_model=ApplicationRead)
def decline(db: DB, actor: Actor, application_id: int, data: DeclineIn) -> ApplicationRead:
    """Decline an open application, with the reason the applicant reads."""
    return service.application_read(
        service.decline(db=db, actor=actor, application_id=application_id, data=data)
    )


@router.post("/applications/{application_id}/interview", response_model=ApplicationRead)
def schedule_interview(db: DB, actor: Actor, application_id: int, data: InterviewIn) -> ApplicationRead:
    """Set or move the interview: time (UTC), place or video link, panel (person ids of panel-candidates)."""
    return service.application_read(
        service.schedule_interview(db=db, actor=actor, application_id=application_id, data=data)
    )


@router.post("/applications/{application_id}/outcome", response_model=ApplicationRead)
def record_outcome(db: DB, actor: Actor, application_id: int, data: OutcomeIn) -> ApplicationRead:
    """The interview's outcome: accepted (the applicant's organisation joins the group) or not accepted."""
    return service.application_read(
        service.record_outcome(db=db, actor=actor, application_id=application_id, data=data)
    )


@router.post("/applications/{application_id}/certification", response_model=ApplicationRead)
def record_certification(db: DB, actor: Actor, application_id: int) -> ApplicationRead:
    """The accepted member passed the certification: the group's badge is issued."""
    return service.application_read(
        service.record_certification(db=db, actor=actor, application_id=application_id)
    )


@router.post("/applications/{application_id}/withdraw", response_model=ApplicationRead)
def withdraw(db: DB, actor: Actor, application_id: int) -> ApplicationRead:
    """The applicant withdraws their application."""
    return service.application_read(service.withdraw(db=db, actor=actor, application_id=application_id))
