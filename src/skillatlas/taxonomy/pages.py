"""HTML pages of the taxonomy: browse and search skills and occupations."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from skillatlas.taxonomy import service
from skillatlas.web.deps import DB
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/skills", response_class=HTMLResponse)
def skills(request: Request, db: DB, q: str = "", automotive: str = "", page: int = 1) -> HTMLResponse:
    """Search the skills; the automotive part first when asked."""
    page = max(1, page)
    only_automotive = True if automotive == "1" else None
    found = service.search_skill_matches(
        db=db, query=q[:200], automotive=only_automotive, limit=PAGE + 1, offset=(page - 1) * PAGE
    )
    return templates.TemplateResponse(
        request,
        "taxonomy/skills.html",
        {"skills": [s for s, _ in found[:PAGE]], "matched": {s.id: alt for s, alt in found if alt},
         "more": len(found) > PAGE, "q": q, "automotive": automotive, "page": page,
         "counts": service.counts(db=db)},
    )  # fmt: skip


@router.get("/skills/{skill_id}", response_class=HTMLResponse)
def skill(request: Request, db: DB, skill_id: int) -> HTMLResponse:
    """A skill: labels, description, hierarchy, occupations."""
    read = service.skill_read(db=db, skill=service.get_skill(db=db, skill_id=skill_id))
    return templates.TemplateResponse(request, "taxonomy/skill.html", {"skill": read})


@router.get("/occupations", response_class=HTMLResponse)
def occupations(request: Request, db: DB, q: str = "", page: int = 1) -> HTMLResponse:
    """Search the occupations."""
    page = max(1, page)
    found = service.search_occupations(db=db, query=q[:200], limit=PAGE + 1, offset=(page - 1) * PAGE)
    return templates.TemplateResponse(
        request,
        "taxonomy/occupations.html",
        {"occupations": found[:PAGE], "more": len(found) > PAGE, "q": q, "page": page},
    )


@router.get("/occupations/{occupation_id}", response_class=HTMLResponse)
def occupation(request: Request, db: DB, occupation_id: int) -> HTMLResponse:
    """An occupation with its skills."""
    read = service.occupation_read(
        db=db, occupation=service.get_occupation(db=db, occupation_id=occupation_id)
    )
    return templates.TemplateResponse(request, "taxonomy/occupation.html", {"occupation": read})
