"""HTML pages of job roles: the list, a version's requirements, the editor, review and publishing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.errors import SkillAtlasError
from skillatlas.people.models import SkillLevel
from skillatlas.roles import service
from skillatlas.roles.models import SkillWeight
from skillatlas.roles.schemas import RoleCreate, RoleVersionIn
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)


def parse_skill_lines(text: str) -> list[dict[str, str]]:
    """One skill a line: "URI [level] [essential|optional]"."""
    skills = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        item = {"uri": parts[0]}
        for word in parts[1:]:
            if word in {lv.value for lv in SkillLevel}:
                item["level"] = word
            elif word in {w.value for w in SkillWeight}:
                item["weight"] = word
        skills.append(item)
    return skills


def _form_input(values: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in values.items() if k in {"slug", "title", "description", "group", "change_note"}}
    data["skills"] = parse_skill_lines(values.get("skills", ""))
    data["occupations"] = values.get("occupations", "").split()
    return data


@router.get("/roles", response_class=HTMLResponse)
def roles(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The alliance's job roles."""
    return templates.TemplateResponse(
        request, "roles/list.html", {"roles": service.list_roles(db=db, actor=actor)}
    )


@router.get("/roles/new", response_class=HTMLResponse)
def new_role(request: Request, actor: Actor) -> HTMLResponse:
    """The form for a new role (the office and the leads of groups)."""
    authorize(actor, "roles.create")
    return templates.TemplateResponse(request, "roles/form.html", {"values": {}, "slug": None})


@router.post("/roles", response_class=HTMLResponse, response_model=None)
async def create_role(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Creates the role's first version, a draft, or shows the form again with what is wrong."""
    values = await form_values(request)
    try:
        version = service.create_role(db=db, actor=actor, data=parse_input(RoleCreate, _form_input(values)))
    except SkillAtlasError as exc:
        return form_again(request, db, "roles/form.html", exc, {"values": values, "slug": None})
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
    values = {
        "title": read.title,
        "description": read.description,
        "skills": "\n".join(f"{s.uri} {s.level.value} {s.weight.value}" for s in read.skills),
        "occupations": "\n".join(o.uri for o in read.occupations),
    }
    return templates.TemplateResponse(request, "roles/form.html", {"values": values, "slug": slug})


@router.post("/roles/{slug}", response_class=HTMLResponse, response_model=None)
async def edit_role(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse | RedirectResponse:
    """Saves the change: the draft, or a new version when the newest was published."""
    values = await form_values(request)
    try:
        data = _form_input(values)
        data.pop("slug", None)
        data.pop("group", None)
        version = service.edit_role(db=db, actor=actor, slug=slug, data=parse_input(RoleVersionIn, data))
    except SkillAtlasError as exc:
        return form_again(request, db, "roles/form.html", exc, {"values": values, "slug": slug})
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
