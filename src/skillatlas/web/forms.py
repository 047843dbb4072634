"""Reading HTML forms into plain values, and answering a bad form with the form again."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from skillatlas.errors import SkillAtlasError
from skillatlas.web.security import CSRF_FIELD
from skillatlas.web.templating import templates


async def form_values(request: Request, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted fields; empty ones dropped so defaults apply, `lists` read as lists."""
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        if key == CSRF_FIELD:  # checked by web.deps.current_actor, not part of any input
            continue
        if key in lists:
            values[key] = [v for v in form.getlist(key) if isinstance(v, str) and v.strip()]
        else:
            value = form.get(key)
            if isinstance(value, str) and value.strip():
                values[key] = value.strip()
    return values


def form_again(
    request: Request, db: Session, template: str, error: SkillAtlasError, context: dict[str, Any]
) -> HTMLResponse:
    """The same form with the message beside the field; whatever the failed attempt wrote is undone."""
    db.rollback()
    return templates.TemplateResponse(
        request,
        template,
        {**context, "error": error.message, "error_field": error.field},
        status_code=error.status_code if error.status_code >= 400 else 422,
    )
