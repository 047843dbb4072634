"""Input and output shapes of persons and their skills."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from skillatlas.people.models import PersonKind, SkillLevel, SkillSource


class PersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    email: str | None
    kind: PersonKind
    country: str | None


class PersonSkillIn(BaseModel):
    """A skill to record for a person, by its taxonomy URI."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uri: str = Field(min_length=3, max_length=200)
    level: SkillLevel
    source: SkillSource = SkillSource.CLAIMED
    evidence: str = Field(default="", max_length=500)
    years: int | None = Field(default=None, ge=0, le=60)


class PersonSkillRead(BaseModel):
    skill_id: int
    uri: str
    label: str
    level: SkillLevel
    source: SkillSource
    evidence: str
    years: int | None
