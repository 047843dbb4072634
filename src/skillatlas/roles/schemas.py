"""Input and output of job roles."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from skillatlas.people.models import SkillLevel
from skillatlas.roles.models import SkillWeight, VersionState


class RoleSkillIn(BaseModel):
    """A required skill, named by its taxonomy URI."""

    model_config = ConfigDict(extra="forbid")

    uri: str = Field(min_length=1, max_length=200)
    level: SkillLevel = SkillLevel.PRACTITIONER
    weight: SkillWeight = SkillWeight.ESSENTIAL


class RoleVersionIn(BaseModel):
    """The content of a role version: what changes between versions."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=2, max_length=200)
    description: str = Field(default="", max_length=5000)
    skills: list[RoleSkillIn] = Field(min_length=1, max_length=300)
    occupations: list[str] = Field(default_factory=list, max_length=50)
    change_note: str = Field(default="", max_length=500)

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[RoleSkillIn]) -> list[RoleSkillIn]:
        seen: set[str] = set()
        for item in value:
            if item.uri in seen:
                raise ValueError(f"the skill {item.uri} is listed twice")
            seen.add(item.uri)
        return value


class RoleCreate(RoleVersionIn):
    """A new role: its first version, and the group that reviews it."""

    slug: str | None = Field(default=None, max_length=80, pattern=r"^[a-z0-9-]+$")
    group: str | None = Field(default=None, max_length=80, description="slug of the reviewing group")


class RoleSkillRead(BaseModel):
    skill_id: int
    uri: str
    label: str
    level: SkillLevel
    weight: SkillWeight


class OccupationRef(BaseModel):
    uri: str
    label: str


class RoleVersionRead(BaseModel):
    role: str
    version: int
    title: str
    description: str
    state: VersionState
    change_note: str
    group: str | None
    created_at: dt.datetime
    published_at: dt.datetime | None
    skills: list[RoleSkillRead]
    occupations: list[OccupationRef]


class RoleSummary(BaseModel):
    slug: str
    title: str
    latest_version: int
    latest_state: VersionState
    published_version: int | None
    skills: int
