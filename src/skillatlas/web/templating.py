"""The Jinja2 environment shared by every page, with who is logged in and the CSRF token in every page."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from skillatlas import __version__
from skillatlas.auth.permissions import ANONYMOUS, allowed
from skillatlas.geo import country_name
from skillatlas.web.nav import menu
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
        # the menu: only what this person can use (web.nav)
        # filled by the form macros while the page renders: field name -> its label, for the error summary
        "form_labels": {},
        "nav_groups": lambda: menu(actor, getattr(request.state, "user", None)),
    }


def field_id(name: str) -> str:
    """The HTML id of a form field: `f-` and the name with dots and brackets as dashes."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


def field_title(name: str) -> str:
    """A field's name as words, for the error summary: "availability.0.starts_on" -> "Availability, line 1, starts on"."""
    words = []
    for part in name.split("."):
        words.append(f"line {int(part) + 1}" if part.isdigit() else part.replace("_", " "))
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


def error_title(name: str, labels: Any = None) -> str:
    """The error summary's name for a field: the label the form gave it, else its name as words."""
    base, _, rest = name.partition(".")
    if isinstance(labels, dict) and base in labels:
        label = str(labels[base]).rstrip(" :")
        return f"{label}, {field_title(rest)[:1].lower()}{field_title(rest)[1:]}" if rest else label
    return field_title(name)


def field_error(errors: Any, name: str) -> str | None:
    """The message for field `name` (or for any part of it: "availability.0.starts_on" belongs to "availability")."""
    if not isinstance(errors, dict) or not errors:
        return None
    if name in errors:
        return errors[name]
    for key, message in errors.items():
        if key.startswith(name + "."):
            rest = key[len(name) + 1 :]
            return f"{field_title(rest)}: {message}" if rest else message
    return None


def country_options() -> list[tuple[str, str]]:
    """(code, name) for a country list: the EU's countries first, then every other, each part by name."""
    import pycountry

    from skillatlas.geo import EU_COUNTRIES

    eu = sorted(((c, country_name(c)) for c in EU_COUNTRIES), key=lambda x: x[1])
    rest = sorted(
        ((c.alpha_2, c.name) for c in pycountry.countries if c.alpha_2 not in EU_COUNTRIES),
        key=lambda x: x[1],
    )
    return eu + rest


def number(value: Any, digits: int = 0) -> str:
    """1234567.8 -> "1,234,568" (digits after the point as asked); None -> "–"."""
    if value is None or value == "":
        return "–"
    try:
        return f"{float(value):,.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


def money(value: Any, currency: str = "€") -> str:
    """1200.0 -> "€1,200"; 99.5 -> "€99.50"; None -> "–"."""
    if value is None or value == "":
        return "–"
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    return f"{currency}{text}"


def percent(value: Any, digits: int = 0) -> str:
    """A share 0..1 as a percentage: 0.4567 -> "46%"."""
    if value is None or value == "":
        return "–"
    try:
        return f"{float(value) * 100:.{digits}f}%"
    except (TypeError, ValueError):
        return str(value)


templates = Jinja2Templates(
    directory=str(resources.files("skillatlas.web") / "templates"), context_processors=[_who]
)
templates.env.globals["version"] = __version__
templates.env.globals["field_error"] = field_error
templates.env.globals["field_id"] = field_id
templates.env.globals["field_title"] = field_title
templates.env.globals["error_title"] = error_title
templates.env.globals["country_options"] = country_options
templates.env.filters["money"] = money
templates.env.filters["number"] = number
templates.env.filters["percent"] = percent
templates.env.filters["country"] = country_name
templates.env.filters["label"] = lambda value: str(getattr(value, "value", value)).replace("_", " ")
