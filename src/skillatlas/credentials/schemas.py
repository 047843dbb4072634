"""Input and output shapes of micro-credentials, validated the same way at every front door."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from skillatlas.credentials.models import (
    AssessmentType,
    AwardedFor,
    CredentialFormat,
    IdentityMethod,
    ParticipationForm,
)

# The Open Badges 3.0 AchievementType vocabulary (the values SkillAtlas uses; `ext:` values are allowed).
ACHIEVEMENT_TYPES = (
    "MicroCredential",
    "Badge",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "Course",
    "Competency",
    "LearningProgram",
    "Assessment",
    "Award",
    "Achievement",
    "License",
    "Membership",
)
_ESCO_SKILL = re.compile(r"^http://data\.europa\.eu/esco/skill/[0-9a-fA-F-]{36}$")
Text = Annotated[str, Field(min_length=1, max_length=5000), AfterValidator(str.strip)]


def _achievement_type(value: str) -> str:
    if value in ACHIEVEMENT_TYPES or re.fullmatch(r"ext:[A-Za-z0-9._-]+", value):
        return value
    raise ValueError(f"unknown achievement type; use one of {', '.join(ACHIEVEMENT_TYPES)} or ext:Name")


def _skill_uri(value: str) -> str:
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} is not a skill URI (e.g. http://data.europa.eu/esco/skill/<uuid>)")
    return value


def _isced_f(value: str | None) -> str | None:
    from skillatlas.credentials.edc.vocab import ISCED_F

    if not value:
        return None
    if value not in ISCED_F:
        raise ValueError("choose a field of education from the list (ISCED-F 2013, four digits such as 0716)")
    return value


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AchievementCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text
    criteria: Text
    issuer: Annotated[str, Field(min_length=1, max_length=80, description="slug of the issuing organisation")]
    achievement_type: Annotated[str, AfterValidator(_achievement_type)] = "MicroCredential"
    awarded_for: AwardedFor = AwardedFor.OTHER
    awarded_for_ref: Annotated[str | None, Field(max_length=120)] = None
    learning_outcomes: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=1000)]], Field(min_length=1)
    ]
    skills: list[Annotated[str, AfterValidator(_skill_uri)]] = Field(default_factory=list, max_length=200)
    eqf_level: Annotated[int, Field(ge=1, le=8)]
    ects: Annotated[float | None, Field(ge=0, le=300)] = None
    hours: Annotated[float, Field(gt=0, le=10_000)]
    assessment_type: AssessmentType
    participation_form: ParticipationForm
    quality_assurance: Text
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    valid_for_days: Annotated[int | None, Field(ge=1, le=36_500)] = None
    isced_f: Annotated[str | None, AfterValidator(_isced_f)] = None

    @model_validator(mode="after")
    def _reference(self) -> Self:
        if self.awarded_for == AwardedFor.EVENT and not self.awarded_for_ref:
            raise ValueError("awarded_for_ref: name the event (its slug) the achievement is earned at")
        self.skills = list(dict.fromkeys(self.skills))
        return self


class AlignedSkill(BaseModel):
    uri: str
    label: str


class AchievementRead(Output):
    id: int
    uuid: str
    slug: str
    name: str
    description: str
    criteria: str
    achievement_type: str
    issuer: str
    awarded_for: AwardedFor
    awarded_for_ref: str | None
    learning_outcomes: list[str]
    skills: list[AlignedSkill]
    eqf_level: int
    ects: float | None
    hours: float
    assessment_type: AssessmentType
    participation_form: ParticipationForm
    quality_assurance: str
    language: str
    valid_for_days: int | None
    isced_f: str | None = None


class AchievementUpdate(AchievementCreate):
    """Every field again (the slug, and so the achievement's address, stays as it was created)."""


class IssueRequest(Input):
    achievement: Annotated[str, Field(min_length=1, max_length=80, description="achievement id or slug")]
    learner: Annotated[int | None, Field(ge=1, description="person id")] = None
    email: Annotated[
        str | None, Field(min_length=3, max_length=254, description="or the learner's e-mail")
    ] = None
    format: CredentialFormat = CredentialFormat.LDP

    @model_validator(mode="after")
    def _one_learner(self) -> Self:
        if (self.learner is None) == (self.email is None):
            raise ValueError("learner: name the learner by person id or by e-mail address (one of them)")
        return self


class BulkIssueRequest(Input):
    achievement: Annotated[str, Field(min_length=1, max_length=80)]
    learners: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=100_000)]
    format: CredentialFormat = CredentialFormat.LDP


class EventIssueRequest(Input):
    """Everyone marked attended at the event receives the achievement (default: the badge the event awards)."""

    event: Annotated[str, Field(min_length=1, max_length=80, description="slug of the event")]
    achievement: Annotated[str | None, Field(min_length=1, max_length=80)] = None
    format: CredentialFormat = CredentialFormat.LDP
    dry_run: bool = Field(default=False, description="only count who would receive it and who is skipped")


class CourseIssueRequest(Input):
    """Everyone who passed the course (an outcome recorded on a development plan) receives the achievement."""

    course: Annotated[int, Field(ge=1, description="id of the course")]
    achievement: Annotated[str, Field(min_length=1, max_length=80)]
    format: CredentialFormat = CredentialFormat.LDP
    dry_run: bool = False


class SkippedRead(BaseModel):
    learner: int
    name: str
    reason: str


class BulkOutcomeRead(BaseModel):
    achievement: str
    source: str
    dry_run: bool
    count: int = Field(description="credentials issued (or, on a dry run, to be issued)")
    learners: list[int]
    ids: list[str]
    skipped: list[SkippedRead]


class RecipientRead(Output):
    id: int
    full_name: str
    email: str | None
    employer: str | None


class StatusChange(Input):
    reason: Annotated[str | None, Field(max_length=1000)] = None


class StatusReason(Input):
    """A status change from the credential's page: the reason is kept with the credential and in the audit log."""

    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class IssuerIdentity(Input):
    method: IdentityMethod = IdentityMethod.KEY
    domain: Annotated[str | None, Field(max_length=200, pattern=r"^[a-z0-9.-]+(%3A[0-9]+)?$")] = None

    @model_validator(mode="after")
    def _web_needs_domain(self) -> Self:
        if self.method == IdentityMethod.WEB and not self.domain:
            raise ValueError("domain: did:web needs the domain that serves the DID document")
        return self


class IssuedRead(Output):
    id: str
    achievement: str
    achievement_name: str
    learner: int
    issuer: str
    format: CredentialFormat
    issued_at: dt.datetime
    valid_until: dt.datetime | None
    status: Literal["active", "revoked", "suspended"]
    verify_url: str
    download_url: str


class KeyRead(Output):
    did: str
    verification_method: str
    public_key_multibase: str
    status: str
    created_at: dt.datetime
    retired_at: dt.datetime | None


class Check(BaseModel):
    check: str
    ok: bool
    reason: str


class VerificationReport(BaseModel):
    valid: bool
    checks: list[Check]
    format: str | None = None
    credential: dict[str, Any] | None = Field(default=None, exclude=True)
