"""What every route needs: a database session that is one transaction, today's date, and who acts."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from skillatlas.auth import service as auth_service
from skillatlas.auth.permissions import ANONYMOUS, Principal
from skillatlas.db import unit_of_work
from skillatlas.errors import NotAuthenticated, PermissionDenied
from skillatlas.web.security import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """What the pages show of the logged-in user: a plain copy, valid after the transaction ended."""

    id: int
    email: str
    full_name: str
    confirmed: bool = True  # False until the address mailed at sign-up is confirmed (skillatlas.mail)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def db_session(request: Request) -> Iterator[Session]:
    """One request, one transaction: committed before the response is sent, rolled back on error."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


def today(request: Request) -> dt.date:
    """The current date; tests may pin it through app.state.clock."""
    return request.app.state.clock().date()


def now(request: Request) -> dt.datetime:
    """The current time (UTC); tests may pin it through app.state.clock."""
    return request.app.state.clock()


DB = Annotated[Session, Depends(db_session, scope="function")]
Today = Annotated[dt.date, Depends(today)]
Now = Annotated[dt.datetime, Depends(now)]


def client_ip(request: Request) -> str | None:
    """The address the request came from (a configured proxy's X-Forwarded-For: security.TrustedProxies)."""
    return request.client.host if request.client else None


def anonymous_csrf(request: Request) -> str | None:
    """The visitor's double-submit CSRF value: their cookie, or the one CsrfCookie is setting now."""
    return request.cookies.get(CSRF_COOKIE) or request.scope.get("state", {}).get("csrf_cookie")


# Only documents the scheme in OpenAPI (Swagger's "Authorize" button); the header is read below.
_bearer_scheme = HTTPBearer(
    auto_error=False, description="An API token from /account or `skillatlas users tokens create`."
)


@dataclass(frozen=True, slots=True)
class _Identity:
    actor: Principal
    by_session: bool  # a logged-in browser session (a cookie the browser sends by itself)
    csrf_expected: str | None


def _identify(
    request: Request,
    db: DB,
    at: Now,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> _Identity:
    # A plain function, so FastAPI runs its database work in the thread pool, off the event loop.
    ip = client_ip(request)
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticated("use the header Authorization: Bearer <API token>", field="authorization")
        actor = auth_service.token_principal(db=db, secret=secret.strip(), now=at, ip=ip)
        request.state.actor, request.state.user = actor, None
        return _Identity(actor, by_session=False, csrf_expected=None)
    token = request.cookies.get(SESSION_COOKIE)
    session = auth_service.session_of(db=db, token=token, now=at) if token else None
    if session is None:
        actor = replace(ANONYMOUS, ip=ip)
        expected = anonymous_csrf(request)
        request.state.user = None
    else:
        user = session.user
        actor = auth_service.principal_for(user, via="session", ip=ip)
        expected = session.csrf_token
        request.state.user = CurrentUser(
            user.id, user.email, user.full_name, user.email_confirmed_at is not None
        )
    request.state.actor, request.state.csrf_token = actor, expected
    return _Identity(actor, by_session=session is not None, csrf_expected=expected)


async def current_actor(request: Request, identity: Annotated[_Identity, Depends(_identify)]) -> Principal:
    """Who acts: the Bearer token's user, the session cookie's user, or an anonymous visitor.

    Unsafe requests from a browser (cookie session, or a visitor's form) must carry the CSRF token, as the
    form field `csrf_token` or the `X-CSRF-Token` header. Bearer calls are exempt: a browser never adds
    that header by itself. Runs for every route (an app-wide dependency), so no POST can forget it.
    """
    if request.method not in UNSAFE_METHODS or identity.actor.via == "token":
        return identity.actor
    is_form = request.headers.get("content-type", "").startswith(FORM_TYPES)
    # A visitor's JSON call carries no credential a forger could borrow; a form or a session does.
    if identity.by_session or is_form:
        submitted = request.headers.get(CSRF_HEADER)
        if is_form:
            field = (await request.form()).get(CSRF_FIELD)
            submitted = field if isinstance(field, str) and field else submitted
        expected = identity.csrf_expected
        if not expected or not submitted or not hmac.compare_digest(expected, submitted):
            raise PermissionDenied(
                "the form was not sent from this site or has expired (CSRF check): reload the page and try again",
                field=CSRF_FIELD,
            )
    return identity.actor


Actor = Annotated[Principal, Depends(current_actor)]
