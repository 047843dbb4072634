"""HTML pages of personal-data rights: your consents, your data as a download, erasing your data."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from skillatlas.auth.permissions import Principal
from skillatlas.errors import NotAuthenticated, SkillAtlasError
from skillatlas.people.models import Person
from skillatlas.privacy import service
from skillatlas.privacy.models import ConsentPurpose
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.security import SESSION_COOKIE
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)
PersonId = Annotated[int, Path(ge=1, le=2**63 - 1)]  # larger numbers cannot be database ids

PURPOSES = {
    ConsentPurpose.LISTED_AS_EXPERT: "Be listed as an expert that requesters can find and contact",
    ConsentPurpose.SHARE_KPIS: "Have my outcomes counted in reports shared outside the alliance office",
    ConsentPurpose.SHARE_SKILLS_WITH_EMPLOYER: "Let my employer's managers see my record of skills",
    ConsentPurpose.CONTACT_BY_EMAIL: "Receive e-mails about events, courses and expert requests",
    ConsentPurpose.NAME_ON_CREDENTIALS: (
        "Show my name in plain words in the credentials I receive from now on (otherwise they carry it "
        "only as a salted hash, which whoever I tell my name can check)"
    ),
}


def _context(db: Session, actor: Principal, person_id: int) -> dict[str, Any]:
    states = service.consents_of(db=db, actor=actor, person_id=person_id)
    return {
        "person": db.get(Person, person_id),
        "states": states,
        "purposes": PURPOSES,
        "is_self": actor.person_id == person_id,
        "erased": service.is_erased(db=db, person_id=person_id),
        "values": {},
    }


@router.get("/account/privacy", response_model=None)
def own_privacy(actor: Actor) -> Response:
    """Your own privacy page."""
    if actor.person_id is None:
        raise NotAuthenticated("log in to see your personal data", field="session")
    return RedirectResponse(f"/people/{actor.person_id}/privacy", status_code=303)


@router.get("/people/{person_id}/privacy", response_class=HTMLResponse)
def privacy_page(request: Request, db: DB, actor: Actor, person_id: PersonId) -> HTMLResponse:
    """Consents, the download of all data, and erasure (the person, the office)."""
    return templates.TemplateResponse(request, "privacy/person.html", _context(db, actor, person_id))


@router.post("/people/{person_id}/privacy/consents", response_class=HTMLResponse, response_model=None)
async def set_consent(request: Request, db: DB, actor: Actor, now: Now, person_id: PersonId) -> Response:
    """Gives or withdraws one consent."""
    values = await form_values(request)
    try:
        service.set_consent(
            db=db,
            actor=actor,
            person_id=person_id,
            purpose=values.get("purpose", ""),
            given=values.get("given") == "yes",
            now=now,
        )
    except SkillAtlasError as exc:
        return form_again(request, db, "privacy/person.html", exc, _context(db, actor, person_id))
    return RedirectResponse(f"/people/{person_id}/privacy", status_code=303)


@router.get("/people/{person_id}/privacy/data.json")
def download(db: DB, actor: Actor, now: Now, person_id: PersonId) -> Response:
    """All the person's data as a JSON file."""
    data = service.export(db=db, actor=actor, person_id=person_id, now=now)
    return Response(
        json.dumps(data.model_dump(mode="json"), ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="personal-data-{person_id}.json"'},
    )


@router.post("/people/{person_id}/privacy/erase", response_class=HTMLResponse, response_model=None)
async def erase(request: Request, db: DB, actor: Actor, now: Now, person_id: PersonId) -> Response:
    """Erases the person's data; the person confirms with their password."""
    values = await form_values(request)
    try:
        # Argon2 is slow on purpose: the check runs in the thread pool, not on the event loop.
        await run_in_threadpool(
            service.erase, db=db, actor=actor, person_id=person_id, now=now, password=values.get("password")
        )
    except SkillAtlasError as exc:
        return form_again(request, db, "privacy/person.html", exc, _context(db, actor, person_id))
    if actor.person_id == person_id:  # their session ended with the erasure
        response = RedirectResponse("/?erased=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response
    return RedirectResponse(f"/people/{person_id}/privacy", status_code=303)
