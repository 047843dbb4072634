"""HTML pages of accounts: log in and out, sign up, forgotten password, the user's account, the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from skillatlas.alliance import service as alliance_service
from skillatlas.auth import service
from skillatlas.auth.schemas import PasswordForgotten, PasswordNew, SignUp, TokenCreate
from skillatlas.errors import SkillAtlasError
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.security import SESSION_COOKIE, cookie_flags
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None, default: str = "/") -> str:
    # Only a path on this site: "//evil.example" or "https://..." would make the login an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _with_session(request: Request, target: str, token: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(service.SESSION_LIFETIME.total_seconds()),
        **cookie_flags(request.url.scheme),  # type: ignore[arg-type]
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None, reset: bool = False) -> HTMLResponse:
    """The login form."""
    return templates.TemplateResponse(
        request, "auth/login.html", {"values": {}, "next": _safe_next(next, default="/home"), "reset": reset}
    )


@router.post("/login", response_class=HTMLResponse, response_model=None)
async def login(request: Request, db: DB, actor: Actor, at: Now) -> Response:
    """Logs in; a wrong password is counted (five in a row lock the account for 15 minutes)."""
    values = await form_values(request)
    target = _safe_next(values.get("next"), default="/home")  # the personal home: what waits for me
    throttle = request.app.state.login_throttle
    try:
        throttle.check(actor.ip, at)
        # Argon2 is slow on purpose: it runs in the thread pool, not on the event loop.
        _user, token = await run_in_threadpool(
            service.log_in,
            db=db,
            actor=actor,
            email=values.get("email", ""),
            password=values.get("password", ""),
            now=at,
            user_agent=request.headers.get("user-agent"),
        )
    except SkillAtlasError as exc:
        throttle.failed(actor.ip, at)
        # No rollback: the failed-attempt count and the audit entry must be kept.
        return templates.TemplateResponse(
            request,
            "auth/login.html",
            {
                "values": {"email": values.get("email", "")},
                "next": target,
                "error": exc.message,
                "error_field": exc.field,
            },
            status_code=exc.status_code,
        )
    return _with_session(request, target, token)


@router.post("/logout", response_model=None)
def logout(request: Request, db: DB, actor: Actor) -> RedirectResponse:
    """Ends the session and forgets the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.log_out(db=db, actor=actor, token=token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request) -> HTMLResponse:
    """The sign-up form: a worker account for yourself."""
    return templates.TemplateResponse(request, "auth/signup.html", {"values": {}})


@router.post("/signup", response_class=HTMLResponse, response_model=None)
async def signup(request: Request, db: DB, actor: Actor, at: Now) -> Response:
    """Opens a worker account linked to a new Person, and logs it in."""
    values = await form_values(request)
    try:
        data = parse_input(SignUp, values)
        user = await run_in_threadpool(service.sign_up, db=db, actor=actor, data=data, now=at)
    except SkillAtlasError as exc:
        values.pop("password", None)
        return form_again(request, db, "auth/signup.html", exc, {"values": values})
    token = service.start_session(
        db=db, actor=actor, user=user, now=at, user_agent=request.headers.get("user-agent")
    )
    return _with_session(request, "/account", token)


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_form(request: Request) -> HTMLResponse:
    """Asks for the e-mail address to send a reset link to."""
    return templates.TemplateResponse(request, "auth/password_forgot.html", {"values": {}})


@router.post("/password/forgot", response_class=HTMLResponse, response_model=None)
async def forgot(request: Request, db: DB, actor: Actor, at: Now) -> Response:
    """Writes a reset link to the outbox; says the same whether or not the address has an account."""
    values = await form_values(request)
    throttle = request.app.state.login_throttle
    try:
        # Each request counts like a failed login: nobody fills someone's mailbox from one address.
        throttle.check(actor.ip, at)
        throttle.failed(actor.ip, at)
        data = parse_input(PasswordForgotten, values)
    except SkillAtlasError as exc:
        return form_again(request, db, "auth/password_forgot.html", exc, {"values": values})
    service.request_password_reset(
        db=db, actor=actor, email=str(data.email), base_url=str(request.base_url), now=at
    )
    return templates.TemplateResponse(
        request, "auth/password_forgot.html", {"values": {}, "sent_to": str(data.email)}
    )


@router.get("/password/reset", response_class=HTMLResponse)
def reset_form(request: Request, token: str = "") -> HTMLResponse:
    """The form to choose a new password, reached from the link in the e-mail."""
    return templates.TemplateResponse(request, "auth/password_reset.html", {"values": {"token": token}})


@router.post("/password/reset", response_class=HTMLResponse, response_model=None)
async def reset(request: Request, db: DB, actor: Actor, at: Now) -> Response:
    """Sets the new password and sends the user to the login page."""
    values = await form_values(request)
    try:
        data = parse_input(PasswordNew, values)
        await run_in_threadpool(
            service.reset_password, db=db, actor=actor, secret=data.token, password=data.password, now=at
        )
    except SkillAtlasError as exc:
        return form_again(
            request, db, "auth/password_reset.html", exc, {"values": {"token": values.get("token", "")}}
        )
    return RedirectResponse("/login?reset=1", status_code=303)


def _account_context(db: DB, actor: Actor) -> dict[str, Any]:
    user = service.me(db=db, actor=actor)
    return {
        "user": user,
        "read": service.user_read(db=db, user=user),
        "registrations": alliance_service.own_registrations(db=db, actor=actor),
        "tokens": service.list_tokens(db=db, actor=actor, user_id=user.id),
        "values": {},
    }


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, db: DB, actor: Actor, at: Now) -> HTMLResponse:
    """Your account: your roles, your registrations, your API tokens."""
    return templates.TemplateResponse(
        request, "auth/account.html", {**_account_context(db, actor), "now": at}
    )


@router.post("/account/tokens", response_class=HTMLResponse, response_model=None)
async def create_token(request: Request, db: DB, actor: Actor, at: Now) -> Response:
    """Makes an API token and shows its secret this once."""
    values = await form_values(request, lists=("scopes",))
    try:
        user = service.me(db=db, actor=actor)
        _token, secret = service.create_token(
            db=db, actor=actor, user=user, data=parse_input(TokenCreate, values), now=at
        )
    except SkillAtlasError as exc:
        context = {**_account_context(db, actor), "now": at}
        return form_again(request, db, "auth/account.html", exc, {**context, "values": values})
    return templates.TemplateResponse(
        request,
        "auth/account.html",
        {**_account_context(db, actor), "now": at, "new_token": secret},
        status_code=201,
    )


@router.post("/account/tokens/{token_id}/revoke", response_model=None)
def revoke_token(db: DB, actor: Actor, at: Now, token_id: int) -> RedirectResponse:
    """Revokes one of your API tokens."""
    service.revoke_token(db=db, actor=actor, token_id=token_id, now=at)
    return RedirectResponse("/account", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request, db: DB, actor: Actor, action: str | None = None, page: int = 1
) -> HTMLResponse:
    """The audit log, newest first (the alliance office)."""
    page = max(page, 1)
    entries = service.audit_entries(
        db=db, actor=actor, action=action or None, limit=100, offset=(page - 1) * 100
    )
    return templates.TemplateResponse(
        request, "auth/audit.html", {"entries": entries, "action": action or "", "page": page}
    )
