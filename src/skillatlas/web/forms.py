"""Reading HTML forms into plain values, and answering a bad form with the form again, every error beside its field."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.errors import FormErrors, SkillAtlasError
from skillatlas.validation import parse_input
from skillatlas.web.security import CSRF_FIELD
from skillatlas.web.templating import templates

M = TypeVar("M", bound=BaseModel)

# The skill picker (macros.html) posts parallel lists "<name>.uri" and "<name>.level".
PICKER_SUFFIXES = (".uri", ".level")


async def form_values(request: Request, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted fields; empty ones dropped so defaults apply, `lists` (and skill pickers) read as lists."""
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        if key == CSRF_FIELD:  # checked by web.deps.current_actor, not part of any input
            continue
        if key.endswith(PICKER_SUFFIXES):
            # kept whole, blanks included, so that uris and levels stay paired by position
            values[key] = [v.strip() if isinstance(v, str) else "" for v in form.getlist(key)]
        elif key in lists:
            values[key] = [v for v in form.getlist(key) if isinstance(v, str) and v.strip()]
        else:
            value = form.get(key)
            if isinstance(value, str) and value.strip():
                values[key] = value.strip()
    return values


def skills_from_form(
    values: dict[str, Any], name: str = "skills", default_level: str | None = None
) -> list[dict]:
    """The skills a picker posted, in order, each once: [{"uri", "level"}] ("level" left out when not asked)."""
    uris = values.get(f"{name}.uri", [])
    levels = values.get(f"{name}.level", [])
    picked: list[dict] = []
    seen: set[str] = set()
    for position, uri in enumerate(uris):
        if not uri or uri in seen:
            continue
        seen.add(uri)
        level = levels[position] if position < len(levels) and levels[position] else default_level
        picked.append({"uri": uri, "level": level} if level else {"uri": uri})
    return picked


def picked_skills(db: Session, skills: list[dict]) -> list[dict]:
    """The picker's rows again, with each skill's label: what the form shows after a failed submit or for an edit."""
    from skillatlas.taxonomy.models import Skill

    uris = [s["uri"] for s in skills if s.get("uri")]
    labels = dict(db.execute(select(Skill.uri, Skill.preferred_label).where(Skill.uri.in_(uris))).all())
    return [{**s, "label": labels.get(s["uri"], "unknown skill")} for s in skills if s.get("uri")]


def validate_form(model: type[M], data: dict[str, Any]) -> M:
    """The model, or FormErrors naming every bad field in plain words (see validation.friendly_message)."""
    return parse_input(model, data)


def errors_of(error: SkillAtlasError) -> dict[str, str]:
    """Field -> message for the form; a message that names no field goes to the top of the form."""
    if isinstance(error, FormErrors):
        return dict(error.errors)
    if error.field:
        message = error.message
        prefix = f"{error.field}: "
        if message.startswith(prefix):
            message = message[len(prefix) :]
        return {error.field: message}
    return {}


def form_again(
    request: Request, db: Session, template: str, error: SkillAtlasError, context: dict[str, Any]
) -> HTMLResponse:
    """The same form with every message beside its field and what was typed kept; the failed attempt is undone."""
    db.rollback()
    errors = errors_of(error)
    return templates.TemplateResponse(
        request,
        template,
        {
            **context,
            "errors": errors,
            # a message that belongs to no field of the form is shown above it
            "error": None if errors else error.message,
            "error_field": error.field,
        },
        status_code=error.status_code if error.status_code >= 400 else 422,
    )
