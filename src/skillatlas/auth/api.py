"""REST API of accounts: who am I, my registrations, my API tokens, and the audit log (the office)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.schemas import RegistrationRead
from skillatlas.auth import service
from skillatlas.auth.models import Role
from skillatlas.auth.schemas import (
    AuditRead,
    GrantIn,
    Invitation,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserRead,
)
from skillatlas.web.deps import DB, Actor, Now

router = APIRouter(prefix="/api", tags=["accounts"])


@router.get("/me", response_model=UserRead)
def me(db: DB, actor: Actor) -> UserRead:
    """The account behind the session or the token, with its roles."""
    return service.user_read(db=db, user=service.me(db=db, actor=actor))


@router.get("/me/registrations", response_model=list[RegistrationRead])
def my_registrations(db: DB, actor: Actor) -> list[RegistrationRead]:
    """Your own event registrations."""
    return [
        alliance_service.registration_read(db=db, registration=r)
        for r in alliance_service.own_registrations(db=db, actor=actor)
    ]


@router.get("/me/tokens", response_model=list[TokenRead])
def my_tokens(db: DB, actor: Actor) -> list[TokenRead]:
    """Your API tokens (never their secrets)."""
    user = service.me(db=db, actor=actor)
    return [TokenRead.model_validate(t) for t in service.list_tokens(db=db, actor=actor, user_id=user.id)]


@router.post("/me/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(db: DB, actor: Actor, at: Now, data: TokenCreate) -> TokenCreated:
    """A new API token; its secret is in this answer only. Only from a logged-in browser session."""
    user = service.me(db=db, actor=actor)
    token, secret = service.create_token(db=db, actor=actor, user=user, data=data, now=at)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.post("/me/tokens/{token_id}/revoke", response_model=TokenRead)
def revoke_token(db: DB, actor: Actor, at: Now, token_id: int) -> TokenRead:
    """Revokes a token at once."""
    return TokenRead.model_validate(service.revoke_token(db=db, actor=actor, token_id=token_id, now=at))


@router.get("/users", response_model=list[UserRead])
def list_users(
    db: DB,
    actor: Actor,
    q: Annotated[str | None, Query(max_length=200)] = None,
    role: Role | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[UserRead]:
    """Accounts with their roles, by a piece of the name or e-mail address, a role, open or closed (the office)."""
    found = service.search_users(
        db=db, actor=actor, query=q, role=role, active=active, limit=limit, offset=offset
    )
    return [service.user_read(db=db, user=u) for u in found]


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def invite_user(request: Request, db: DB, actor: Actor, at: Now, data: Invitation) -> UserRead:
    """Opens an account with its roles and mails its owner a link to choose a password (the office)."""
    user = service.invite_user(
        db=db, actor=actor, data=data, grants=data.grants, base_url=str(request.base_url), now=at
    )
    return service.user_read(db=db, user=user)


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(db: DB, actor: Actor, user_id: int) -> UserRead:
    """One account with its roles (the office)."""
    return service.user_read(db=db, user=service.read_user(db=db, actor=actor, user_id=user_id))


@router.post("/users/{user_id}/invitation", response_model=UserRead)
def resend_invitation(request: Request, db: DB, actor: Actor, at: Now, user_id: int) -> UserRead:
    """Mails the account's owner a new link to choose a password (the office)."""
    user = service.read_user(db=db, actor=actor, user_id=user_id)
    service.send_invitation(db=db, actor=actor, user=user, base_url=str(request.base_url), now=at)
    return service.user_read(db=db, user=user)


@router.post("/users/{user_id}/grants", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def grant_role(db: DB, actor: Actor, at: Now, user_id: int, data: GrantIn) -> UserRead:
    """Gives the account a role, with its organisation, group or committee (the office)."""
    user = service.read_user(db=db, actor=actor, user_id=user_id)
    service.grant_role(db=db, actor=actor, user=user, grant=data, now=at)
    return service.user_read(db=db, user=user)


@router.post("/users/{user_id}/grants/revoke", response_model=UserRead)
def revoke_role(db: DB, actor: Actor, at: Now, user_id: int, data: GrantIn) -> UserRead:
    """Takes a role (with that scope) away from the account (the office)."""
    user = service.read_user(db=db, actor=actor, user_id=user_id)
    service.revoke_role(db=db, actor=actor, user=user, grant=data, now=at)
    return service.user_read(db=db, user=user)


@router.post("/users/{user_id}/deactivate", response_model=UserRead)
def deactivate_user(db: DB, actor: Actor, user_id: int) -> UserRead:
    """Closes the account: its sessions end and its API tokens stop working; its data stays (the office)."""
    user = service.read_user(db=db, actor=actor, user_id=user_id)
    return service.user_read(db=db, user=service.set_active(db=db, actor=actor, user=user, active=False))


@router.post("/users/{user_id}/reactivate", response_model=UserRead)
def reactivate_user(db: DB, actor: Actor, user_id: int) -> UserRead:
    """Opens a closed account again (the office)."""
    user = service.read_user(db=db, actor=actor, user_id=user_id)
    return service.user_read(db=db, user=service.set_active(db=db, actor=actor, user=user, active=True))


@router.get("/audit", response_model=list[AuditRead])
def audit_log(
    db: DB,
    actor: Actor,
    action: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditRead]:
    """The audit log, newest first (the alliance office)."""
    entries = service.audit_entries(db=db, actor=actor, action=action, limit=limit, offset=offset)
    return [AuditRead.model_validate(e) for e in entries]
