"""Input and output of learning: courses, gap analysis, training paths, workforce demand, plans."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from skillatlas.learning.gap import GapStatus
from skillatlas.learning.models import Award, CourseMode, Outcome, PlanState
from skillatlas.people.models import SkillLevel


class CourseSkillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uri: str = Field(min_length=1, max_length=200)
    level: SkillLevel = SkillLevel.PRACTITIONER


class CourseIn(BaseModel):
    """A course as its provider describes it; `code` is the provider's own, unique per provider."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._-]+$")
    title: str = Field(min_length=2, max_length=300)
    description: str = Field(default="", max_length=20000)
    skills: list[CourseSkillIn] = Field(default_factory=list, max_length=100)
    learning_outcomes: list[str] = Field(default_factory=list, max_length=50)
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    hours: float = Field(default=0.0, ge=0, le=10000)
    ects: float | None = Field(default=None, ge=0, le=300)
    language: str = Field(default="en", min_length=2, max_length=2, pattern=r"^[a-z]{2}$")
    mode: CourseMode = CourseMode.ONLINE
    country: str | None = Field(default=None, min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")
    city: str | None = Field(default=None, max_length=100)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    price_eur: float = Field(default=0.0, ge=0, le=1_000_000)
    award: Award = Award.NONE
    prerequisites: list[str] = Field(
        default_factory=list, max_length=20, description="codes of the provider's courses"
    )

    @field_validator("skills")
    @classmethod
    def _unique(cls, value: list[CourseSkillIn]) -> list[CourseSkillIn]:
        if len({s.uri for s in value}) != len(value):
            raise ValueError("a skill is listed twice")
        return value

    @model_validator(mode="after")
    def _dates(self) -> CourseIn:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on: the course ends before it starts")
        if self.code in self.prerequisites:
            raise ValueError("prerequisites: a course cannot require itself")
        return self


class CourseSkillRead(BaseModel):
    skill_id: int
    uri: str
    label: str
    level: SkillLevel
    confirmed: bool


class CourseRead(BaseModel):
    id: int
    code: str
    provider: str
    provider_name: str
    title: str
    description: str
    learning_outcomes: list[str]
    eqf_level: int | None
    hours: float
    ects: float | None
    language: str
    mode: CourseMode
    country: str | None
    city: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    price_eur: float
    award: Award
    skills: list[CourseSkillRead]
    prerequisites: list[str]


class ConfirmSkills(BaseModel):
    """The suggested skills the provider keeps, by URI."""

    model_config = ConfigDict(extra="forbid")

    keep: list[str] = Field(default_factory=list, max_length=100)


class ImportRowRead(BaseModel):
    """One row of an import file as the check saw it: what it would do, and every problem found in it."""

    line: int = Field(description="the line of the file (the header is line 1)")
    code: str
    title: str
    action: Literal["new", "update"]
    problems: list[str] = Field(default_factory=list)


class ImportReport(BaseModel):
    dry_run: bool
    created: int
    updated: int
    codes: list[str]
    rows: list[ImportRowRead] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list, description="problems of the file as a whole")


class PathPreferences(BaseModel):
    """What the learner accepts, and how cost is counted: euros, hours, or a weighted mix."""

    model_config = ConfigDict(extra="forbid")

    cost: Literal["price", "hours", "mix"] = "price"
    euro_per_hour: float = Field(
        default=20.0, ge=0, le=10000, description="in the mix: one hour costs this many euros"
    )
    languages: list[str] = Field(default_factory=list, max_length=10)
    modes: list[CourseMode] = Field(default_factory=list)
    countries: list[str] = Field(
        default_factory=list, max_length=30, description="for on-site and blended courses"
    )
    start_after: dt.date | None = None
    finish_by: dt.date | None = None
    max_price: float | None = Field(default=None, ge=0)


class SkillGapRead(BaseModel):
    uri: str
    label: str
    weight: str
    required_level: SkillLevel
    current_level: SkillLevel | None
    status: GapStatus


class GapRead(BaseModel):
    person_id: int
    role: str
    version: int
    readiness: float
    skills: list[SkillGapRead]


class PathCourseRead(BaseModel):
    id: int
    code: str
    title: str
    provider: str
    price_eur: float
    hours: float
    cost: float
    why: str


class PathRead(BaseModel):
    gap: GapRead
    cost_basis: str
    courses: list[PathCourseRead]
    total_cost: float
    total_price_eur: float
    total_hours: float
    uncovered: list[str]
    method: str
    optimality_gap: float | None
    greedy_cost: float


class DemandRead(BaseModel):
    uri: str
    label: str
    required_level: SkillLevel
    workers_with_gap: int
    course: str | None


class WorkforceRead(BaseModel):
    organisation: str
    role: str
    version: int
    workers: int  # the workers counted: for an employer's managers, those who let them see their skills
    mean_readiness: float
    ready: int
    demand: list[DemandRead]
    # Left out of every figure: workers who do not let their employer see their skills (0 for the office).
    not_sharing: int = 0


class MilestoneIn(BaseModel):
    """A step of a plan that is not a course: a title, when it is due, and (once ticked) when it was done."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    due_on: dt.date | None = None
    done_on: dt.date | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("every milestone needs a title")
        return value.strip()


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    role: str = Field(max_length=80)
    version: int | None = None
    goals: str = Field(default="", max_length=5000)
    courses: list[int] = Field(default_factory=list, max_length=50)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=50)
    trainer_person_id: int | None = None


class PlanEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goals: str | None = Field(default=None, max_length=5000)
    courses: list[int] | None = Field(default=None, max_length=50)
    milestones: list[MilestoneIn] | None = Field(default=None, max_length=50)
    due_dates: dict[int, dt.date | None] | None = Field(
        default=None, description="course id -> the date the course is due (null: no due date)"
    )


class MilestoneTick(BaseModel):
    """A milestone done (today), or not done after all."""

    model_config = ConfigDict(extra="forbid")

    done: bool = True


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    course_id: int
    outcome: Outcome
    certificate: str = Field(default="", max_length=300)


class LearnerOutcomeIn(BaseModel):
    """A provider records the result of one learner on one of its courses."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    certificate: str = Field(default="", max_length=300)


class MilestoneRead(BaseModel):
    title: str
    due_on: dt.date | None = None
    done_on: dt.date | None = None


class PlanRead(BaseModel):
    id: int
    person_id: int
    worker_name: str
    employer: str
    employer_name: str
    trainer_person_id: int | None
    role: str
    role_title: str
    version: int
    state: PlanState
    goals: str
    milestones: list[MilestoneRead]
    worker_agreed_at: dt.datetime | None
    employer_agreed_at: dt.datetime | None
    courses: list[dict[str, object]]


class PlanSummary(BaseModel):
    """A plan in a list: whose, towards which role, where it stands and who must act next."""

    id: int
    person_id: int
    worker_name: str
    employer: str
    employer_name: str
    role: str
    role_title: str
    state: PlanState
    worker_agreed: bool
    employer_agreed: bool
    courses: int
    passed: int
    waiting_for: str
    updated_at: dt.datetime


class LearnerRead(BaseModel):
    """A person taking one of the provider's courses in a development plan."""

    plan_id: int
    person_id: int
    worker_name: str
    employer_name: str
    plan_state: PlanState
    due_on: dt.date | None
    outcome: Outcome | None
    certificate: str
    completed_at: dt.datetime | None
