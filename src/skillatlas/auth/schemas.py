"""Input and output shapes of accounts: sign-up, users, grants, API tokens, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from skillatlas.auth.models import Role, TokenScope
from skillatlas.geo import normalise_country

Password = Annotated[str, Field(min_length=10, max_length=200)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SignUp(Input):
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    email: EmailStr
    password: Password
    country: str | None = None

    @model_validator(mode="after")
    def _country(self) -> Self:
        if self.country:
            try:
                self.country = normalise_country(self.country)
            except ValueError as exc:
                raise ValueError(f"country: {exc}") from exc
        return self


class UserCreate(Input):
    email: EmailStr
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    password: Password
    organisation: str | None = Field(default=None, max_length=80, description="Slug of the employer.")


class UserInvite(Input):
    """An account the office opens for someone, who then chooses their own password from a mailed link."""

    email: EmailStr
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    organisation: str | None = Field(default=None, max_length=80, description="Slug of the employer.")


# Which scope each role needs: a lead leads something, a manager manages some organisation.
ROLE_SCOPE: dict[Role, str | None] = {
    Role.ALLIANCE_OFFICE: None,
    Role.COMMITTEE_LEAD: "committee",
    Role.GROUP_LEAD: "group",
    Role.ORGANISATION_MANAGER: "organisation",
    Role.EXPERT: None,
    Role.WORKER: None,
    Role.TRAINER: None,
}


class GrantIn(Input):
    role: Role
    organisation: str | None = Field(default=None, max_length=80)
    group: str | None = Field(default=None, max_length=80)
    committee: str | None = Field(default=None, max_length=80)

    @model_validator(mode="after")
    def _scope_fits_the_role(self) -> Self:
        needed = ROLE_SCOPE[self.role]
        given = {name for name in ("organisation", "group", "committee") if getattr(self, name)}
        if needed and needed not in given:
            raise ValueError(f"{needed}: the role {self.role.value} needs a {needed}")
        extra = given - {needed}
        if extra:
            name = sorted(extra)[0]
            raise ValueError(f"{name}: the role {self.role.value} takes no {name}")
        return self


class Invitation(UserInvite):
    """An invitation with the roles to give at once."""

    grants: list[GrantIn] = Field(default_factory=list, max_length=20)


class GrantRead(Output):
    role: Role
    organisation: str | None = None
    group: str | None = None
    committee: str | None = None


class UserRead(Output):
    id: int
    email: str
    full_name: str
    person_id: int | None
    organisation: str | None
    grants: list[GrantRead]
    is_active: bool = True
    last_login_at: dt.datetime | None = None


class TokenCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    scopes: list[TokenScope] = Field(default_factory=lambda: [TokenScope.READ], min_length=1)
    expires_in_days: int = Field(default=90, ge=1, le=365)


class TokenRead(Output):
    id: int
    name: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret: shown this once, stored only as its hash.")


class PasswordForgotten(Input):
    email: EmailStr


class PasswordNew(Input):
    token: Annotated[str, Field(min_length=10, max_length=200)]
    password: Password


class AuditRead(Output):
    id: int
    user_id: int | None
    action: str
    object_type: str | None
    object_id: str | None
    at: dt.datetime
    ip: str | None
    details: dict[str, Any]
