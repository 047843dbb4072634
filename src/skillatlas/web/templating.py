"""The Jinja2 environment shared by every page, with who is logged in and the CSRF token in every page."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from skillatlas import __version__
from skillatlas.auth.permissions import ANONYMOUS, allowed
from skillatlas.geo import country_name
from skillatlas.web.security import CSRF_COOKIE


def _who(request: Request) -> dict[str, Any]:
    # Set by web.deps.current_actor; an error raised before it ran leaves a visitor's view.
    actor = getattr(request.state, "actor", ANONYMOUS)
    csrf = getattr(request.state, "csrf_token", None)
    if csrf is None:
        csrf = request.cookies.get(CSRF_COOKIE) or request.scope.get("state", {}).get("csrf_cookie")
    return {
        "actor": actor,
        "current_user": getattr(request.state, "user", None),
        "csrf_token": csrf or "",
        # Pages show a button only to whoever may press it, asking the one permission check.
        "can": lambda action, **facts: allowed(actor, action, **facts),
    }


templates = Jinja2Templates(
    directory=str(resources.files("skillatlas.web") / "templates"), context_processors=[_who]
)
templates.env.globals["version"] = __version__
templates.env.filters["country"] = country_name
templates.env.filters["label"] = lambda value: str(getattr(value, "value", value)).replace("_", " ")
