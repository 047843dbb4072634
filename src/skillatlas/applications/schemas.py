"""Input and output of the applications: what an applicant sends, what a lead decides, what both read."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from skillatlas.applications.models import ApplicationState

MAX_TEXT = 20_000


class PickedSkill(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uri: str = Field(min_length=1, max_length=300)
    level: Literal["awareness", "practitioner", "expert"] = "practitioner"


class ApplicationCreate(BaseModel):
    """An application to join a group: why, the CV, and the skills the applicant brings."""

    model_config = ConfigDict(extra="forbid")

    motivation: str = Field(min_length=20, max_length=MAX_TEXT)
    cv_text: str = Field(default="", max_length=MAX_TEXT)
    skills: list[PickedSkill] = Field(default_factory=list, max_length=100)

    @field_validator("motivation", "cv_text")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=5_000)


class InterviewIn(BaseModel):
    """When (UTC), where (a place or a video link) and who interviews (persons of the group's members)."""

    model_config = ConfigDict(extra="forbid")

    at: dt.datetime
    place: str = Field(min_length=3, max_length=300)
    panel: list[int] = Field(min_length=1, max_length=20)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["accepted", "not_accepted"]
    notes: str = Field(default="", max_length=MAX_TEXT)


class IntakeIn(BaseModel):
    """A group's intake: whether it takes applications, and its badge (an achievement's slug)."""

    model_config = ConfigDict(extra="forbid")

    accepts_applications: bool
    achievement: str | None = Field(default=None, max_length=80)
    badge_on_acceptance: bool = False


class IntakeRead(BaseModel):
    group: str
    accepts_applications: bool
    achievement: str | None
    achievement_name: str | None
    badge_on_acceptance: bool


class PanelistRead(BaseModel):
    person_id: int
    full_name: str
    organisation: str | None


class StepRead(BaseModel):
    from_state: ApplicationState | None
    to_state: ApplicationState
    note: str
    at: dt.datetime


class SkillRead(BaseModel):
    uri: str
    label: str
    level: str


class ApplicationRead(BaseModel):
    id: int
    group: str
    group_name: str
    person_id: int
    applicant: str
    organisation: str | None
    state: ApplicationState
    motivation: str
    cv_text: str
    skills: list[SkillRead]
    decline_reason: str
    interview_at: dt.datetime | None
    interview_place: str
    panel: list[PanelistRead]
    outcome_notes: str
    certified_at: dt.datetime | None
    credential: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    steps: list[StepRead]
