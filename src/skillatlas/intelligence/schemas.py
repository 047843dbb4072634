"""Input and output shapes of market intelligence."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from skillatlas import limits
from skillatlas.geo import normalise_country


class JobAdIn(BaseModel):
    """One job ad of an import file (CSV columns or a JSON line): date, country, title, text."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str | None = Field(default=None, max_length=120)
    date: dt.date
    country: Annotated[str, AfterValidator(normalise_country)]
    title: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=100_000)


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=limits.MAX_EXTRACT_CHARS)
    top: int = Field(default=20, ge=1, le=100)
    #: Find skills even in a text the language check says is not English (they are guesses then).
    any_language: bool = False


class ExtractedSkillRead(BaseModel):
    uri: str
    label: str
    score: float
    evidence: str
    skill_id: int | None = None


class OccupationMatch(BaseModel):
    occupation_id: int | None
    uri: str
    label: str
    score: float


class SkillDemand(BaseModel):
    skill_id: int
    uri: str
    label: str
    ads: int
    share: float
    # Per source of supply ("listed experts", "catalogue courses"): how many have or teach the skill.
    supply: dict[str, int] = Field(default_factory=dict)


class RisingSkill(BaseModel):
    skill_id: int
    uri: str
    label: str
    recent_share: float
    earlier_share: float
    change: float


class DemandReport(BaseModel):
    start: dt.date
    end: dt.date
    country: str | None
    occupation_id: int | None
    total_ads: int
    top: list[SkillDemand]
    months: list[str]
    monthly_ads: list[int]
    monthly: dict[str, list[int]]
    rising: list[RisingSkill]
    supply_sources: list[str]


class DemandLoadReport(BaseModel):
    """Classified job-ad files loaded as demand aggregates (a file loaded before is counted, not loaded)."""

    files: int
    loaded: int
    already_loaded: int
    ads: int
    skill_links: int = Field(description="skill mentions counted (one per skill per ad)")
    unknown_skills: int = Field(description="mentions of skills the taxonomy lacks, not counted")
    names: list[str] = Field(default_factory=list, description="the files loaded now")


class ImportReport(BaseModel):
    rows: int
    imported: int
    duplicates: int
    skills_found: int
    problems: list[str] = Field(default_factory=list)
    dry_run: bool = False
