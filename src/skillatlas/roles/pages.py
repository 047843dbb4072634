"""HTML pages of job roles: the list, a version's requirements, the editor, review and publishing.

The editor chooses skills and occupations with the picker (never by URI): each skill with its required level
and weight in one select ("practitioner|essential").
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.alliance import service as alliance_service
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.errors import FormErrors, InvalidInput, SkillAtlasError
from skillatlas.people.models import SkillLevel
from skillatlas.roles import service
from skillatlas.roles.models import SkillWeight
from skillatlas.roles.schemas import RoleCreate, RoleVersionIn
from skillatlas.taxonomy.models import Occupation
from skillatlas.web.deps import DB, Actor
from skillatlas.web.forms import form_again, form_values, picked_skills, skills_from_form, validate_form
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)


#: The picker's one select per skill carries the required level and the weight: "practitioner|essential".
LEVEL_WEIGHTS = [
    (f"{level.value}|{weight.value}", f"{level.value.capitalize()}, {weight.value}")
    for weight in SkillWeight
    for level in SkillLevel
]


def _occupation_rows(db: Session, uris: list[str]) -> list[dict[str, str]]:
    """The occupation picker's rows, labelled, in the order given."""
    if not uris:
        return []
    rows = db.execute(select(Occupation.uri, Occupation.preferred_label).where(Occupation.uri.in_(uris)))
    labels = {uri: label for uri, label in rows}
    return [{"uri": u, "label": labels.get(u, "unknown occupation")} for u in uris]


def _picked(db: Session, values: dict[str, Any]) -> dict[str, Any]:
    """What the two pickers show: the skills with their level and weight, the occupations."""
    return {
        "picked": picked_skills(db, skills_from_form(values, "skills")),
        "occupations": _occupation_rows(db, [o["uri"] for o in skills_from_form(values, "occupations")]),
    }


def _form_input(db: Session, values: dict[str, Any], model: type[RoleVersionIn]) -> RoleVersionIn:
    """The role from the form; every problem named beside its field, in words."""
    errors: dict[str, str] = {}
    picked = skills_from_form(values, "skills")
    labels = {s["uri"]: s["label"] for s in picked_skills(db, picked)}
    skills, unclear = [], []
    for item in picked:
        level, _, weight = (item.get("level") or "").partition("|")
        if level not in {lv.value for lv in SkillLevel} or weight not in {w.value for w in SkillWeight}:
            unclear.append(labels.get(item["uri"], "a skill"))
            continue
        skills.append({"uri": item["uri"], "level": level, "weight": weight})
    if unclear:
        errors["skills"] = f"Choose the level and weight required for {', '.join(unclear)}."
    elif not skills:
        errors["skills"] = "Pick at least one skill the role requires."
    fields = {"title", "description", "change_note"} | ({"slug", "group"} if model is RoleCreate else set())
    data = {k: v for k, v in values.items() if k in fields}
    data["skills"] = skills
    data["occupations"] = [o["uri"] for o in skills_from_form(values, "occupations")]
    try:
        parsed = validate_form(model, data)
    except FormErrors as exc:
        raise FormErrors({**exc.errors, **errors}) from exc
    if errors:
        raise FormErrors(errors)
    return parsed


def _in_words(exc: SkillAtlasError) -> SkillAtlasError:
    """The service names an unknown skill or occupation by its URI; the page says it in words."""
    if isinstance(exc, InvalidInput) and exc.field in {"skills", "occupations"} and "URI" in exc.message:
        thing = "skill" if exc.field == "skills" else "occupation"
        return FormErrors(
            {exc.field: f"A chosen {thing} is no longer in the taxonomy: remove it and pick another."}
        )
    return exc


def _context(db: Session, values: dict[str, Any], slug: str | None, picked: dict[str, Any]) -> dict[str, Any]:
    groups = [(g.slug, g.name) for g in alliance_service.list_groups(db=db)] if slug is None else []
    return {"values": values, "slug": slug, "levels": LEVEL_WEIGHTS, "groups": groups, **picked}


@router.get("/roles", response_class=HTMLResponse)
def roles(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The alliance's job roles."""
    return templates.TemplateResponse(
        request, "roles/list.html", {"roles": service.list_roles(db=db, actor=actor)}
    )


@router.get("/roles/new", response_class=HTMLResponse)
def new_role(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The form for a new role (the office and the leads of groups)."""
    authorize(actor, "roles.create")
    context = _context(db, {}, None, {"picked": [], "occupations": []})
    return templates.TemplateResponse(request, "roles/form.html", context)


@router.post("/roles", response_class=HTMLResponse, response_model=None)
async def create_role(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Creates the role's first version, a draft, or shows the form again with what is wrong."""
    values = await form_values(request)
    try:
        data = _form_input(db, values, RoleCreate)
        version = service.create_role(db=db, actor=actor, data=data)  # type: ignore[arg-type]
    except SkillAtlasError as exc:
        context = _context(db, values, None, _picked(db, values))
        return form_again(request, db, "roles/form.html", _in_words(exc), context)
    return RedirectResponse(f"/roles/{version.role.slug}?version={version.number}", status_code=303)


def _can(actor: Principal, role: Any) -> dict[str, bool]:
    facts = service.role_facts(role)
    return {"edit": allowed(actor, "roles.edit", **facts), "review": allowed(actor, "roles.review", **facts)}


@router.get("/roles/{slug}", response_class=HTMLResponse)
def role(request: Request, db: DB, actor: Actor, slug: str, version: int | None = None) -> HTMLResponse:
    """A version of a role: its required skills, the occupations it refines, its other versions."""
    found = service.get_version(db=db, actor=actor, slug=slug, number=version)
    role = found.role
    return templates.TemplateResponse(
        request,
        "roles/view.html",
        {
            "read": service.version_read(db=db, version=found),
            "versions": role.versions,
            "may": _can(actor, role),
        },
    )


@router.get("/roles/{slug}/edit", response_class=HTMLResponse)
def edit_form(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """The editor, filled with the newest version (a published one is changed into a new version)."""
    role = service.get_role(db=db, slug=slug)
    authorize(actor, "roles.edit", **service.role_facts(role))
    read = service.version_read(db=db, version=role.versions[-1])
    values = {"title": read.title, "description": read.description}
    picked = {
        "picked": [{"uri": s.uri, "label": s.label, "level": f"{s.level.value}|{s.weight.value}"}
                   for s in read.skills],
        "occupations": [{"uri": o.uri, "label": o.label} for o in read.occupations],
    }  # fmt: skip
    return templates.TemplateResponse(request, "roles/form.html", _context(db, values, slug, picked))


@router.post("/roles/{slug}", response_class=HTMLResponse, response_model=None)
async def edit_role(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse | RedirectResponse:
    """Saves the change: the draft, or a new version when the newest was published."""
    values = await form_values(request)
    try:
        data = _form_input(db, values, RoleVersionIn)
        version = service.edit_role(db=db, actor=actor, slug=slug, data=data)
    except SkillAtlasError as exc:
        context = _context(db, values, slug, _picked(db, values))
        return form_again(request, db, "roles/form.html", _in_words(exc), context)
    return RedirectResponse(f"/roles/{slug}?version={version.number}", status_code=303)


@router.post("/roles/{slug}/submit", response_model=None)
def submit(db: DB, actor: Actor, slug: str) -> RedirectResponse:
    """Puts the draft in review by the role's group."""
    version = service.submit(db=db, actor=actor, slug=slug)
    return RedirectResponse(f"/roles/{slug}?version={version.number}", status_code=303)


@router.post("/roles/{slug}/publish", response_model=None)
def publish(db: DB, actor: Actor, slug: str) -> RedirectResponse:
    """Publishes the version in review."""
    version = service.publish(db=db, actor=actor, slug=slug)
    return RedirectResponse(f"/roles/{slug}?version={version.number}", status_code=303)
