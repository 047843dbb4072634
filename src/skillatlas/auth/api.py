"""REST API of accounts: who am I, my registrations, my API tokens, and the audit log (the office)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.schemas import RegistrationRead
from skillatlas.auth import service
from skillatlas.auth.schemas import AuditRead, TokenCreate, TokenCreated, TokenRead, UserRead
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
