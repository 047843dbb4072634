"""HTML pages of accounts: log in and out, sign up, forgotten password, the user's account, the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from skillatlas.alliance import service as alliance_service
from skillatlas.auth import service
from skillatlas.auth.models import Role, User
from skillatlas.auth.permissions import Principal
from skillatlas.auth.schemas import GrantIn, PasswordForgotten, PasswordNew, SignUp, TokenCreate, UserInvite
from skillatlas.auth.service import TooManyAttempts
from skillatlas.errors import FormErrors, NotFound, SkillAtlasError
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.forms import form_again, form_values
from skillatlas.web.nav import add_nav, may
from skillatlas.web.security import SESSION_COOKIE, LoginThrottle, cookie_flags
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
def login_form(
    request: Request, next: str | None = None, reset: bool = False, signed_up: bool = False
) -> HTMLResponse:
    """The login form (after signing up it says a message was sent)."""
    return templates.TemplateResponse(
        request,
        "auth/login.html",
        {"values": {}, "next": _safe_next(next, default="/home"), "reset": reset, "signed_up": signed_up},
    )


def _attempt_login(
    db: Session,
    actor: Principal,
    throttle: LoginThrottle,
    email: str,
    password: str,
    at: Any,
    agent: str | None,
) -> str:
    """Back-off first (web/security.LoginThrottle), then the password; the session's token.

    A plain function run in the thread pool: Argon2 and the database stay off the event loop.
    """
    try:
        throttle.check(
            account=email,
            ip=actor.ip,
            now=at,
            known=lambda: service.known_address(db=db, email=email, ip=actor.ip),
        )
    except TooManyAttempts as exc:
        service.login_refused(db=db, actor=actor, email=email, wait=exc.message)
        raise
    try:
        _user, token = service.log_in(
            db=db, actor=actor, email=email, password=password, now=at, user_agent=agent
        )
    except SkillAtlasError:
        throttle.failed(account=email, ip=actor.ip, now=at)
        raise
    throttle.succeeded(account=email, ip=actor.ip)
    return token


@router.post("/login", response_class=HTMLResponse, response_model=None)
async def login(request: Request, db: DB, actor: Actor, at: Now) -> Response:
    """Logs in; wrong passwords slow down the address that sends them, never lock the account."""
    values = await form_values(request)
    target = _safe_next(values.get("next"), default="/home")  # the personal home: what waits for me
    try:
        token = await run_in_threadpool(
            _attempt_login,
            db,
            actor,
            request.app.state.login_throttle,
            values.get("email", ""),
            values.get("password", ""),
            at,
            request.headers.get("user-agent"),
        )
    except SkillAtlasError as exc:
        # No rollback: the audit entry of the failure must be kept.
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
    """Opens a worker account linked to a new Person and mails the address a link to confirm it.

    The same answer whether or not the address is known (then its owner is mailed instead): so it does
    not log in; the login page says a message was sent, and the new account logs in with its password.
    """
    values = await form_values(request)
    try:
        data = parse_input(SignUp, values)
        await run_in_threadpool(
            service.sign_up,
            db=db,
            actor=actor,
            data=data,
            now=at,
            base_url=str(request.base_url),
            mail_owner=request.app.state.login_throttle.allow_mail(str(data.email), at),
        )
    except SkillAtlasError as exc:
        values.pop("password", None)
        return form_again(request, db, "auth/signup.html", exc, {"values": values})
    return RedirectResponse("/login?signed_up=1", status_code=303)


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
        # Each request counts like a failed login: nobody fills mailboxes from one address.
        throttle.count_request(actor.ip, at)
        data = parse_input(PasswordForgotten, values)
    except SkillAtlasError as exc:
        return form_again(request, db, "auth/password_forgot.html", exc, {"values": values})
    # At most a few reset mails an hour to one address, from anywhere; the page says the same regardless.
    if throttle.allow_mail(str(data.email), at):
        service.request_password_reset(
            db=db, actor=actor, email=str(data.email), base_url=str(request.base_url), now=at
        )
    return templates.TemplateResponse(
        request, "auth/password_forgot.html", {"values": {}, "sent_to": str(data.email)}
    )


@router.get("/password/reset", response_class=HTMLResponse)
def reset_form(request: Request, token: str = "", welcome: bool = False) -> HTMLResponse:
    """The form to choose a new password, reached from the link in the e-mail (or in the invitation)."""
    return templates.TemplateResponse(
        request, "auth/password_reset.html", {"values": {"token": token, "welcome": welcome}}
    )


@router.post("/password/reset", response_class=HTMLResponse, response_model=None)
async def reset(request: Request, db: DB, actor: Actor, at: Now) -> Response:
    """Sets the new password and sends the user to the login page."""
    values = await form_values(request)
    try:
        data = parse_input(PasswordNew, {k: v for k, v in values.items() if k in ("token", "password")})
        await run_in_threadpool(
            service.reset_password, db=db, actor=actor, secret=data.token, password=data.password, now=at
        )
    except SkillAtlasError as exc:
        kept = {"token": values.get("token", ""), "welcome": values.get("welcome") == "1"}
        return form_again(request, db, "auth/password_reset.html", exc, {"values": kept})
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


# --- the office: users and their roles ----------------------------------------------------------------

PAGE_SIZE = 50
ROLE_WORDS = {
    Role.ALLIANCE_OFFICE: "Alliance office",
    Role.COMMITTEE_LEAD: "Committee lead",
    Role.GROUP_LEAD: "Group lead",
    Role.ORGANISATION_MANAGER: "Organisation manager",
    Role.EXPERT: "Expert",
    Role.WORKER: "Worker",
    Role.TRAINER: "Trainer",
}
# Roles without a scope are ticked; a scoped role is given by choosing what it is limited to.
UNSCOPED = (Role.WORKER, Role.EXPERT, Role.TRAINER, Role.ALLIANCE_OFFICE)
SCOPED = {
    "manager_of": (Role.ORGANISATION_MANAGER, "organisation"),
    "group_lead_of": (Role.GROUP_LEAD, "group"),
    "committee_lead_of": (Role.COMMITTEE_LEAD, "committee"),
}
SCOPE_FIELD = {scope: name for name, (_role, scope) in SCOPED.items()}

add_nav("Users and roles", "/office/users", "Office", may("user.create"), order=10)


def _role_choices(db: Session) -> dict[str, Any]:
    return {
        "unscoped": [(r.value, ROLE_WORDS[r]) for r in UNSCOPED],
        "organisations": [(o.slug, o.name) for o in alliance_service.list_organisations(db=db)],
        "groups": [(g.slug, g.name) for g in alliance_service.list_groups(db=db)],
        "committees": [(c.slug, c.name) for c in alliance_service.list_committees(db=db)],
        "role_words": ROLE_WORDS,
    }


def _grants_from_form(values: dict[str, Any]) -> list[tuple[str, GrantIn]]:
    """(form field, grant) for each role ticked or scope chosen."""
    known = {r.value for r in UNSCOPED}
    ticked = values.get("roles", [])
    if any(r not in known for r in ticked):
        raise FormErrors({"roles": "Choose roles from the list."})
    grants = [("roles", GrantIn(role=Role(r))) for r in dict.fromkeys(ticked)]
    for name, (role, scope) in SCOPED.items():
        if values.get(name):
            grants.append((name, GrantIn(role=role, **{scope: values[name]})))
    return grants


def _give(db: Session, actor: Principal, user: User, grants: list[tuple[str, GrantIn]], at: Any) -> None:
    """Gives each grant; an error names the form field the grant came from."""
    for name, grant in grants:
        try:
            service.grant_role(db=db, actor=actor, user=user, grant=grant, now=at)
        except SkillAtlasError as exc:
            if exc.status_code in (401, 403) or isinstance(exc, FormErrors):
                raise
            raise type(exc)(exc.message, field=name) from exc


def _scope_errors(exc: SkillAtlasError) -> SkillAtlasError:
    """A scope the service could not find is named by the form field that chose it."""
    if not isinstance(exc, FormErrors) and exc.field in ("group", "committee"):
        return type(exc)(exc.message, field=SCOPE_FIELD[exc.field])
    return exc


@router.get("/office/users", response_class=HTMLResponse)
def office_users(
    request: Request, db: DB, actor: Actor, q: str = "", role: str = "", state: str = "", page: int = 1
) -> HTMLResponse:
    """Every account, searchable by name or e-mail address, a role, open or closed (the alliance office)."""
    page = max(page, 1)
    chosen = Role(role) if role in {r.value for r in Role} else None
    active = {"active": True, "closed": False}.get(state)
    users = service.search_users(
        db=db, actor=actor, query=q, role=chosen, active=active, limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )  # fmt: skip
    return templates.TemplateResponse(
        request,
        "office/users.html",
        {
            "users": users[:PAGE_SIZE],
            "more": len(users) > PAGE_SIZE,
            "labels": {u.id: [service.grant_label(db, g) for g in u.grants] for u in users},
            "q": q,
            "role": chosen.value if chosen else "",
            "state": state if active is not None else "",
            "page": page,
            "roles": [(r.value, ROLE_WORDS[r]) for r in Role],
        },
    )


@router.get("/office/users/new", response_class=HTMLResponse)
def invite_form(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The form to invite someone: name, address, employer and roles, each chosen from a list."""
    service.search_users(db=db, actor=actor, limit=1)  # the office only
    return templates.TemplateResponse(
        request, "office/user_invite.html", {**_role_choices(db), "values": {"roles": [Role.WORKER.value]}}
    )


@router.post("/office/users", response_class=HTMLResponse, response_model=None)
async def invite(request: Request, db: DB, actor: Actor, at: Now) -> Response:
    """Opens the account and mails its owner a link to choose a password; or the form again."""
    values = await form_values(request, lists=("roles",))
    try:
        errors: dict[str, str] = {}
        data = grants = None
        try:
            data = parse_input(
                UserInvite,
                {k: values.get(k) for k in ("full_name", "email", "organisation") if values.get(k)},
            )
        except FormErrors as exc:
            errors.update(exc.errors)
        try:
            grants = _grants_from_form(values)
        except FormErrors as exc:
            errors.update(exc.errors)
        if errors or data is None or grants is None:
            raise FormErrors(errors)
        user = await run_in_threadpool(
            service.invite_user,
            db=db,
            actor=actor,
            data=data,
            grants=[g for _name, g in grants],
            base_url=str(request.base_url),
            now=at,
        )
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        return form_again(
            request,
            db,
            "office/user_invite.html",
            _scope_errors(exc),
            {**_role_choices(db), "values": values},
        )
    return RedirectResponse(f"/office/users/{user.id}?saved=invited", status_code=303)


def _user_context(db: Session, actor: Principal, user_id: int) -> dict[str, Any]:
    user = service.read_user(db=db, actor=actor, user_id=user_id)
    return {
        **_role_choices(db),
        "user": user,
        "grants": [(g.id, service.grant_label(db, g)) for g in user.grants],
        "itself": actor.user_id == user.id,
        "values": {},
    }


@router.get("/office/users/{user_id}", response_class=HTMLResponse)
def office_user(request: Request, db: DB, actor: Actor, user_id: int) -> HTMLResponse:
    """One account: its roles (give, take away), closing and opening it, the invitation again."""
    context = _user_context(db, actor, user_id)
    return templates.TemplateResponse(
        request, "office/user.html", {**context, "saved": request.query_params.get("saved")}
    )


def _user_again(
    request: Request,
    db: Session,
    actor: Principal,
    user_id: int,
    exc: SkillAtlasError,
    values: dict[str, Any] | None = None,
) -> Response:
    if exc.status_code in (401, 403):
        raise exc
    db.rollback()
    context = {**_user_context(db, actor, user_id), "values": values or {}}
    return form_again(request, db, "office/user.html", _scope_errors(exc), context)


@router.post("/office/users/{user_id}/grants", response_class=HTMLResponse, response_model=None)
async def give_roles(request: Request, db: DB, actor: Actor, at: Now, user_id: int) -> Response:
    """Gives the roles ticked or chosen."""
    values = await form_values(request, lists=("roles",))
    try:
        user = service.read_user(db=db, actor=actor, user_id=user_id)
        grants = _grants_from_form(values)
        if not grants:
            raise FormErrors({"roles": "Tick a role, or choose what the person manages or leads."})
        _give(db, actor, user, grants, at)
    except SkillAtlasError as exc:
        return _user_again(request, db, actor, user_id, exc, values)
    return RedirectResponse(f"/office/users/{user_id}?saved=granted", status_code=303)


@router.post(
    "/office/users/{user_id}/grants/{grant_id}/revoke", response_class=HTMLResponse, response_model=None
)
def take_role(request: Request, db: DB, actor: Actor, at: Now, user_id: int, grant_id: int) -> Response:
    """Takes one role away."""
    try:
        user = service.read_user(db=db, actor=actor, user_id=user_id)
        found = next((g for g in user.grants if g.id == grant_id), None)
        if found is None:
            raise NotFound("this role was taken away already", field="role")
        grant = GrantIn(**service.grant_read(db, found).model_dump(exclude_none=True))
        service.revoke_role(db=db, actor=actor, user=user, grant=grant, now=at)
    except SkillAtlasError as exc:
        return _user_again(request, db, actor, user_id, exc)
    return RedirectResponse(f"/office/users/{user_id}?saved=revoked", status_code=303)


@router.post("/office/users/{user_id}/deactivate", response_class=HTMLResponse, response_model=None)
def close_account(request: Request, db: DB, actor: Actor, user_id: int) -> Response:
    """Closes the account: its sessions end, its API tokens stop working, its data stays."""
    try:
        user = service.read_user(db=db, actor=actor, user_id=user_id)
        service.set_active(db=db, actor=actor, user=user, active=False)
    except SkillAtlasError as exc:
        return _user_again(request, db, actor, user_id, exc)
    return RedirectResponse(f"/office/users/{user_id}?saved=closed", status_code=303)


@router.post("/office/users/{user_id}/reactivate", response_class=HTMLResponse, response_model=None)
def open_account(request: Request, db: DB, actor: Actor, user_id: int) -> Response:
    """Opens a closed account again."""
    try:
        user = service.read_user(db=db, actor=actor, user_id=user_id)
        service.set_active(db=db, actor=actor, user=user, active=True)
    except SkillAtlasError as exc:
        return _user_again(request, db, actor, user_id, exc)
    return RedirectResponse(f"/office/users/{user_id}?saved=opened", status_code=303)


@router.post("/office/users/{user_id}/invitation", response_class=HTMLResponse, response_model=None)
def invite_again(request: Request, db: DB, actor: Actor, at: Now, user_id: int) -> Response:
    """Mails a new link to choose a password."""
    try:
        user = service.read_user(db=db, actor=actor, user_id=user_id)
        service.send_invitation(db=db, actor=actor, user=user, base_url=str(request.base_url), now=at)
    except SkillAtlasError as exc:
        return _user_again(request, db, actor, user_id, exc)
    return RedirectResponse(f"/office/users/{user_id}?saved=invited-again", status_code=303)
