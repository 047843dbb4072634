"""The personal home page (`/home`): what waits for me, and my own pages, for every role."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from skillatlas.errors import NotAuthenticated
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.home import inbox
from skillatlas.web.nav import menu
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)

ROLE_NAMES = {
    "alliance_office": "Alliance office",
    "committee_lead": "Committee lead",
    "group_lead": "Group lead",
    "organisation_manager": "Organisation manager",
    "expert": "Expert",
    "worker": "Worker",
    "trainer": "Trainer",
}


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, db: DB, actor: Actor, now: Now) -> HTMLResponse:
    """What waits for the logged-in person, and the links to their own pages and, for the office, its desk."""
    if actor.user_id is None:
        raise NotAuthenticated("log in to see your home page")
    items = inbox(db, actor, now)
    groups = dict(menu(actor, getattr(request.state, "user", None)))
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "todo": [i for i in items if i.kind == "todo"],
            "news": [i for i in items if i.kind != "todo"],
            "mine": [e for e in groups.get("Mine", []) if e[1] != "/home"],
            "office": groups.get("Office", []),
            "roles": sorted({ROLE_NAMES.get(r.value, r.value) for r in actor.roles()}),
        },
    )
