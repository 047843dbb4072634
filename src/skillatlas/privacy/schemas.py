"""Input and output of personal-data rights: consents, the erasure request, the export."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from skillatlas.privacy.models import ConsentPurpose


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given: bool


class ConsentState(BaseModel):
    """The current state of one purpose: never asked (given false, at null), given, or withdrawn."""

    purpose: ConsentPurpose
    given: bool
    at: dt.datetime | None = None
    by_user_id: int | None = None


class ConsentEvent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    purpose: ConsentPurpose
    given: bool
    at: dt.datetime
    by_user_id: int | None
    source: str


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The person's own password when they erase themselves; the office leaves it out.
    password: Annotated[str | None, Field(max_length=1000)] = None


class ErasureRead(BaseModel):
    person_id: int
    erased_at: dt.datetime
    requested_by: str
    sessions_ended: int
    tokens_revoked: int
    credentials_revoked: int = 0  # revoked "at the holder's request"; their public pages say so


class PersonalData(BaseModel):
    """Everything the platform holds about one person (see privacy.service.export)."""

    model_config = ConfigDict(extra="allow")

    format: str = "skillatlas-personal-data/1"
    exported_at: dt.datetime
    person: dict[str, Any]
    account: dict[str, Any] | None
    skills: list[dict[str, Any]]
    registrations: list[dict[str, Any]]
    credentials: list[dict[str, Any]]
    consents: dict[str, Any]
    audit: list[dict[str, Any]]
    other: dict[str, Any] = Field(default_factory=dict)
