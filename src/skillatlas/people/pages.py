"""My skills (`/my/skills`): every person's own record of skills, with level, how each is known and the evidence.

A person adds skills with the skill picker (or has them suggested from their CV), changes the level of what
they claim, and removes a claim with one click; what others assessed or certified stays, and the page says why.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from skillatlas.auth.permissions import Principal
from skillatlas.errors import FormErrors, InvalidInput, NotAuthenticated, NotFound, SkillAtlasError
from skillatlas.people import service
from skillatlas.people.models import SkillLevel, SkillSource
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.web.deps import DB, Actor
from skillatlas.web.forms import form_again, form_values, picked_skills, skills_from_form
from skillatlas.web.nav import add_nav, logged_in
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)

add_nav("My skills", "/my/skills", "Mine", logged_in, order=20)

#: How a skill is known, in words (the record stores claimed / assessed / credentialed).
SOURCE_WORDS = {
    SkillSource.CLAIMED: "Claimed by me",
    SkillSource.ASSESSED: "Assessed",
    SkillSource.CREDENTIALED: "Proven by a credential",
    SkillSource.DERIVED: "Found in my bio, not yet confirmed",
}
LEVEL_WORDS = ", ".join(level.value for level in SkillLevel)


def _me(actor: Principal) -> int:
    if actor.user_id is None or actor.person_id is None:
        raise NotAuthenticated("log in to see your skills")
    return actor.person_id


def claims_from_form(db: Session, values: dict[str, Any], name: str = "skills") -> list[PersonSkillIn]:
    """The picker's skills as claims; a missing or unknown level is named beside the picker, in words."""
    picked = skills_from_form(values, name)
    labels = {s["uri"]: s["label"] for s in picked_skills(db, picked)}
    claims, problems = [], []
    for item in picked:
        label = labels.get(item["uri"], "a skill")
        if item.get("level") not in {level.value for level in SkillLevel}:
            problems.append(f"choose a level for {label} ({LEVEL_WORDS})")
            continue
        claims.append(PersonSkillIn(uri=item["uri"], level=item["level"]))
    if problems:
        raise FormErrors({name: "; ".join(problems).capitalize() + "."})
    return claims


def unknown_skill(exc: SkillAtlasError, name: str = "skills") -> SkillAtlasError:
    """The service names an unknown skill by its URI; a page names the problem in words instead."""
    if isinstance(exc, InvalidInput) and exc.field == "skills" and "URI" in exc.message:
        return FormErrors({name: "A chosen skill is no longer in the taxonomy: remove it and pick another."})
    return exc


def _context(db: DB, actor: Principal, person_id: int, values: dict[str, Any] | None) -> dict[str, Any]:
    skills = service.skills_of(db=db, actor=actor, person_id=person_id)
    if values is None:  # the form as saved: the claims, each at its level
        picked = [{"uri": s.uri, "label": s.label, "level": s.level.value}
                  for s in skills if s.source == SkillSource.CLAIMED]  # fmt: skip
    else:  # the form as sent, kept after an error
        picked = picked_skills(db, skills_from_form(values))
    return {
        "skills": skills,
        "picked": picked,
        "sources": SOURCE_WORDS,
        "kept": service.KEPT,
        "values": values or {},
    }


@router.get("/my/skills", response_class=HTMLResponse)
def my_skills(request: Request, db: DB, actor: Actor, added: int = 0, saved: int = 0) -> HTMLResponse:
    """The logged-in person's skills: level, how each is known, the evidence; add, change, remove."""
    person_id = _me(actor)
    context = _context(db, actor, person_id, None)
    return templates.TemplateResponse(
        request, "people/my_skills.html", {**context, "added": max(added, 0), "saved": saved}
    )


@router.post("/my/skills", response_class=HTMLResponse, response_model=None)
async def save_my_skills(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Saves the claims as the picker shows them: new ones added, levels changed, claims left out removed."""
    person_id = _me(actor)
    values = await form_values(request)
    try:
        claims = claims_from_form(db, values)
        service.save_claims(db=db, actor=actor, person_id=person_id, skills=claims, replace=True)
    except SkillAtlasError as exc:
        return form_again(
            request, db, "people/my_skills.html", unknown_skill(exc), _context(db, actor, person_id, values)
        )
    return RedirectResponse("/my/skills?saved=1", status_code=303)


@router.post("/my/skills/remove", response_model=None)
async def remove_my_skill(request: Request, db: DB, actor: Actor) -> RedirectResponse:
    """Removes one claimed skill, in one click; assessed and credentialed skills stay (the service refuses)."""
    person_id = _me(actor)
    values = await form_values(request)
    uri = str(values.get("uri", ""))
    if not uri:
        raise InvalidInput("uri: choose a skill to remove", field="uri")
    try:
        service.remove_skill(db=db, actor=actor, person_id=person_id, uri=uri)
    except NotFound as exc:  # its message names the URI; the page says it in words
        raise NotFound("this skill is not on your record (any more)", field="uri") from exc
    return RedirectResponse("/my/skills", status_code=303)
