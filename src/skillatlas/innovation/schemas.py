"""Input and output of the innovation self-assessment."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from skillatlas.innovation.models import AssessmentState, Clause, Sector, SetState, Size
from skillatlas.people.models import SkillLevel

DEFAULT_LEVELS = ["Not in place", "Initial", "Developing", "Established", "Optimising"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClauseSkillIn(_Input):
    """A skill of the innovation agent role, by its taxonomy URI, at the level the clause needs."""

    uri: str = Field(min_length=1, max_length=200)
    level: SkillLevel = SkillLevel.PRACTITIONER


class ClauseIn(_Input):
    clause: Clause
    weight: float = Field(default=1.0, ge=0, le=10)
    description: str = Field(default="", max_length=2000)
    questions: list[str] = Field(min_length=1, max_length=30)
    skills: list[ClauseSkillIn] = Field(default_factory=list, max_length=30)

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: list[str]) -> list[str]:
        found = [q.strip() for q in value if q.strip()]
        if not found:
            raise ValueError("give at least one question")
        if any(len(q) > 1000 for q in found):
            raise ValueError("a question is longer than 1,000 characters")
        return found


class QuestionSetIn(_Input):
    """A version of the question set: every ISO 56002 clause once, with its questions, weight and skills."""

    title: str = Field(default="ASA innovation self-assessment", min_length=3, max_length=200)
    levels: list[str] = Field(default_factory=lambda: list(DEFAULT_LEVELS), min_length=2, max_length=11)
    role: str = Field(default="innovation-agent", min_length=1, max_length=80)
    change_note: str = Field(default="", max_length=500)
    clauses: list[ClauseIn] = Field(min_length=7, max_length=7)

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: list[str]) -> list[str]:
        names = [v.strip() for v in value]
        if any(not n or len(n) > 60 for n in names):
            raise ValueError("name every level of the scale in at most 60 characters")
        return names

    @model_validator(mode="after")
    def _every_clause_once(self) -> QuestionSetIn:
        given = [c.clause for c in self.clauses]
        if sorted(given) != sorted(Clause):
            raise ValueError("clauses: name each ISO 56002 clause exactly once")
        if sum(c.weight for c in self.clauses) <= 0:
            raise ValueError("clauses: at least one clause must weigh more than nothing")
        self.clauses.sort(key=lambda c: list(Clause).index(c.clause))
        return self


class QuestionRead(BaseModel):
    id: int
    position: int
    text: str


class ClauseSkillRead(BaseModel):
    uri: str
    label: str
    level: SkillLevel


class ClauseRead(BaseModel):
    clause: Clause
    number: int
    title: str
    weight: float
    description: str
    questions: list[QuestionRead]
    skills: list[ClauseSkillRead]


class QuestionSetRead(BaseModel):
    version: int
    title: str
    state: SetState
    levels: list[str]
    role: str
    change_note: str
    published_at: dt.datetime | None
    clauses: list[ClauseRead]


class AssessmentStart(_Input):
    organisation: str = Field(min_length=1, max_length=80, description="the organisation's slug")
    sector: Sector
    size: Size


class AnswerIn(_Input):
    question_id: int = Field(ge=1)
    level: int = Field(ge=0, le=10)
    evidence_text: str = Field(default="", max_length=5000)
    evidence_url: str | None = Field(default=None, max_length=500)

    @field_validator("evidence_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.lower().startswith(("https://", "http://")) or " " in value:
            raise ValueError("give a web address starting with https:// or http://")
        return value


class AnswersIn(_Input):
    answers: list[AnswerIn] = Field(max_length=400)


class AnswerRead(BaseModel):
    question_id: int
    position: int
    text: str
    level: int | None
    level_name: str | None
    evidence_text: str
    evidence_url: str | None
    file_name: str | None


class AssessmentClauseRead(BaseModel):
    clause: Clause
    number: int
    title: str
    weight: float
    answered: int
    questions: list[AnswerRead]


class AssessmentSummary(BaseModel):
    id: int
    organisation: str
    organisation_name: str
    version: int
    state: AssessmentState
    sector: Sector
    size: Size
    started_at: dt.datetime
    completed_at: dt.datetime | None
    overall: float | None


class AssessmentRead(AssessmentSummary):
    levels: list[str]
    answered: int
    total: int
    clauses: list[AssessmentClauseRead]


class ClauseScore(BaseModel):
    clause: Clause
    number: int
    title: str
    weight: float
    score: float  # 0..100
    previous: float | None = None  # the same clause in the organisation's assessment before this one
    change: float | None = None


class HistoryPoint(BaseModel):
    id: int
    version: int
    completed_at: dt.datetime
    overall: float


class ResultsRead(BaseModel):
    assessment: AssessmentSummary
    overall: float
    clauses: list[ClauseScore]
    strengths: list[Clause]
    gaps: list[Clause]
    previous: HistoryPoint | None
    overall_change: float | None
    history: list[HistoryPoint]


class Dimension(BaseModel):
    dimension: str
    value: str
    label: str


class BenchmarkRead(BaseModel):
    """A peer group's scores: numbers only when at least `minimum` organisations are in it, else none at all."""

    dimension: str
    value: str
    label: str
    minimum: int
    enough: bool
    organisations: int | None = None  # how many, only when enough
    overall: float | None = None
    clauses: dict[Clause, float] | None = None


class SkillSuggestion(BaseModel):
    uri: str
    label: str
    level: SkillLevel
    workers_with_gap: int | None  # None: the organisation's people are not counted (no record to count)
    course: str | None


class GapSuggestion(BaseModel):
    clause: Clause
    title: str
    score: float
    skills: list[SkillSuggestion]


class CourseSuggestion(BaseModel):
    id: int
    code: str
    title: str
    provider: str
    price_eur: float
    hours: float
    why: str


class SuggestionsRead(BaseModel):
    role: str
    role_found: bool
    role_title: str | None = None
    workers: int
    not_sharing: int
    gaps: list[GapSuggestion]
    courses: list[CourseSuggestion]
    uncovered: list[str]
    expert_link: str | None
