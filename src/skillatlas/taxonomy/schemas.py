"""Input and output shapes of the taxonomy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from skillatlas.taxonomy.models import RelationType, ReviewState, SkillOrigin, SkillType


class SkillSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uri: str
    preferred_label: str
    skill_type: SkillType
    automotive: bool


class SkillMatch(SkillSummary):
    """A label search's hit; `matched_label` names the alternative label that contains the query."""

    matched_label: str | None = None


class SkillRead(SkillSummary):
    alt_labels: list[str]
    description: str
    reuse_level: str
    origin: SkillOrigin
    review_state: ReviewState
    broader: list[ConceptRef] = Field(default_factory=list)
    narrower: list[ConceptRef] = Field(default_factory=list)
    occupations: list[OccupationRelationRead] = Field(default_factory=list)


class ConceptRef(BaseModel):
    uri: str
    label: str
    skill_id: int | None = None


class OccupationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uri: str
    preferred_label: str
    isco_code: str


class OccupationRelationRead(BaseModel):
    occupation: OccupationSummary
    relation: RelationType


class SkillRelationRead(BaseModel):
    skill: SkillSummary
    relation: RelationType


class OccupationRead(OccupationSummary):
    alt_labels: list[str]
    description: str
    code: str
    isco_label: str = ""
    skills: list[SkillRelationRead] = Field(default_factory=list)


class AllianceSkillCreate(BaseModel):
    """A skill the alliance needs that ESCO does not have; it starts as a proposal."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    preferred_label: str = Field(min_length=2, max_length=300)
    description: str = Field(default="", max_length=5000)
    alt_labels: list[str] = Field(default_factory=list, max_length=50)
    skill_type: SkillType = SkillType.SKILL
    broader_uri: str | None = Field(default=None, max_length=200)


class TaxonomyCounts(BaseModel):
    skills: int
    automotive_skills: int
    occupations: int
    skill_groups: int
    alliance_skills: int


SkillRead.model_rebuild()


class SkillReview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: ReviewState
