"""HTML pages of mail: the address confirmation link, and the outbox for the alliance office."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from skillatlas.errors import SkillAtlasError
from skillatlas.mail import accounts, service
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.nav import add_nav, may
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100


@router.get("/signup/confirm", response_class=HTMLResponse)
def confirm(request: Request, db: DB, actor: Actor, at: Now, token: str = "") -> HTMLResponse:
    """Confirms the account's address from the link mailed at sign-up."""
    try:
        user = accounts.confirm_address(db=db, actor=actor, secret=token, now=at)
    except SkillAtlasError as exc:
        return templates.TemplateResponse(
            request, "mail/confirmed.html", {"failed": exc.message}, status_code=exc.status_code
        )
    return templates.TemplateResponse(request, "mail/confirmed.html", {"confirmed": user.email})


@router.post("/signup/confirm/resend", response_class=HTMLResponse)
def resend(request: Request, db: DB, actor: Actor, at: Now) -> HTMLResponse:
    """Mails the logged-in user a new link to confirm their address."""
    try:
        user = accounts.resend_confirmation(db=db, actor=actor, now=at)
    except SkillAtlasError as exc:
        db.rollback()
        return templates.TemplateResponse(
            request, "mail/confirmed.html", {"failed": exc.message}, status_code=exc.status_code
        )
    return templates.TemplateResponse(request, "mail/confirmed.html", {"resent": user.email})


@router.get("/office/outbox", response_class=HTMLResponse)
def outbox(
    request: Request,
    db: DB,
    actor: Actor,
    state: str = "",
    to: str = "",
    page: int = 1,
    sent: int | None = None,
) -> HTMLResponse:
    """Every message the platform wrote, newest first: waiting, failed (with the server's answer) or sent."""
    state = state if state in service.STATES else ""
    page = max(page, 1)
    counts = service.outbox_counts(db=db, actor=actor)
    messages = service.list_outbox(
        db=db, actor=actor, state=state or None, to=to, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    settings = service.settings_of(db)
    return templates.TemplateResponse(
        request,
        "mail/outbox.html",
        {
            "messages": messages,
            "counts": counts,
            "state": state,
            "to": to,
            "page": page,
            "page_size": PAGE_SIZE,
            "smtp": settings.smtp_url is not None,
            "queued": sent,
        },
    )


@router.post("/office/outbox/send", response_model=None)
def send_waiting(db: DB, actor: Actor) -> Response:
    """Sends every message not sent yet (they go when this request's transaction commits)."""
    queued = service.send_waiting(db=db, actor=actor)
    return RedirectResponse(f"/office/outbox?sent={queued}", status_code=303)


@router.get("/office/outbox/{message_id}", response_class=HTMLResponse)
def message(request: Request, db: DB, actor: Actor, message_id: int) -> HTMLResponse:
    """One message as its recipient reads it: the text, and the HTML version."""
    found = service.get_message(db=db, actor=actor, message_id=message_id)
    return templates.TemplateResponse(request, "mail/message.html", {"message": found})


add_nav("Outbox", "/office/outbox", "Office", may("mail.outbox.read"), order=85)
