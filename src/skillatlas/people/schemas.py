"""Output shapes of persons."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from skillatlas.people.models import PersonKind


class PersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    email: str | None
    kind: PersonKind
    country: str | None
