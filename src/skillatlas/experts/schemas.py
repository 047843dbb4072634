"""Input and output shapes of expert profiles, expertise requests, shortlists and proposals."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from skillatlas.experts.matching import CEFR
from skillatlas.experts.models import ProposalStatus, RequestStatus, WorkMode
from skillatlas.people.models import SkillLevel

_LANGUAGE = re.compile(r"^[a-z]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_NUTS = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")

SECTORS = (
    "batteries",
    "hydrogen",
    "software",
    "electronics packaging",
    "repair and maintenance",
    "innovation",
    "manufacturing",
    "automated driving",
)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LanguageIn(_Input):
    """A language (ISO 639-1) at a CEFR level."""

    code: str
    level: str = "B2"

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        value = value.lower()
        if not _LANGUAGE.match(value):
            raise ValueError("a two-letter ISO 639-1 code, such as 'en' or 'de'")
        return value

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = "native" if value.lower() == "native" else value.upper()
        if value not in CEFR:
            raise ValueError(f"a CEFR level: {', '.join(CEFR)}")
        return value


class AvailabilityIn(_Input):
    """A period the expert can work, with days per month."""

    starts_on: dt.date
    ends_on: dt.date
    days_per_month: int = Field(default=4, ge=1, le=23)

    @model_validator(mode="after")
    def _order(self) -> AvailabilityIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on: the end date is before the start date")
        return self


def _countries(values: list[str]) -> list[str]:
    found = [v.upper() for v in values]
    for value in found:
        if not _COUNTRY.match(value):
            raise ValueError(f"{value!r} is not a two-letter country code")
    return sorted(set(found))


class ExpertProfileIn(_Input):
    """What an expert says about themselves; `consent` must be true to be listed."""

    headline: str = Field(default="", max_length=200)
    bio: str = Field(default="", max_length=20_000)
    languages: list[LanguageIn] = Field(default_factory=list, max_length=20)
    countries: list[str] = Field(default_factory=list, max_length=40)
    regions: list[str] = Field(default_factory=list, max_length=100)
    work_mode: WorkMode = WorkMode.EITHER
    availability: list[AvailabilityIn] = Field(default_factory=list, max_length=20)
    day_rate_eur: int | None = Field(default=None, ge=0, le=100_000)
    sectors: list[str] = Field(default_factory=list, max_length=20)
    consent: bool = False

    _check_countries = field_validator("countries")(classmethod(lambda cls, v: _countries(v)))

    @field_validator("regions")
    @classmethod
    def _regions(cls, values: list[str]) -> list[str]:
        found = [v.upper() for v in values]
        for value in found:
            if not _NUTS.match(value):
                raise ValueError(f"{value!r} is not a NUTS code (such as 'DE1' or 'RO12')")
        return sorted(set(found))

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, values: list[str]) -> list[str]:
        return sorted({v.strip().lower() for v in values if v.strip()})


class ExpertProfileRead(BaseModel):
    """The full profile: for the expert and the office."""

    person_id: int
    full_name: str
    email: str | None
    external_id: str | None
    headline: str
    bio: str
    languages: list[dict[str, str]]
    countries: list[str]
    regions: list[str]
    work_mode: WorkMode
    availability: list[dict[str, object]]
    day_rate_eur: int | None
    sectors: list[str]
    listed: bool
    consent_at: dt.datetime | None
    consent_withdrawn_at: dt.datetime | None
    skills: list[dict[str, object]]


class RequiredSkill(_Input):
    uri: str = Field(min_length=3, max_length=200)
    level: SkillLevel = SkillLevel.PRACTITIONER


class ExpertiseRequestIn(_Input):
    """A company's call for expertise: skills by URI, or a text to find them in."""

    organisation: str | None = Field(default=None, max_length=80, description="the requester's slug")
    title: str = Field(min_length=3, max_length=200)
    description: str = Field(default="", max_length=20_000)
    skills: list[RequiredSkill] = Field(default_factory=list, max_length=50)
    extract_skills: bool = False
    languages: list[str] = Field(default_factory=list, max_length=10)
    country: str | None = None
    region: str | None = None
    work_mode: WorkMode = WorkMode.EITHER
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    days: int | None = Field(default=None, ge=1, le=1000)
    budget_eur: int | None = Field(default=None, ge=0, le=10_000_000)

    @field_validator("languages")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        found = [v.lower() for v in values]
        for value in found:
            if not _LANGUAGE.match(value):
                raise ValueError(f"{value!r} is not a two-letter ISO 639-1 code")
        return sorted(set(found))

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return _countries([value])[0] if value else None

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = value.upper()
        if not _NUTS.match(value):
            raise ValueError(f"{value!r} is not a NUTS code (such as 'DE1' or 'RO12')")
        return value

    @model_validator(mode="after")
    def _check(self) -> ExpertiseRequestIn:
        if not self.skills and not self.description.strip() and not self.extract_skills:
            raise ValueError("skills: name the skills needed or describe the need in words")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on: the end date is before the start date")
        return self


class ExpertiseRequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    title: str
    description: str
    skills: list[dict[str, str]]
    languages: list[str]
    country: str | None
    region: str | None
    work_mode: WorkMode
    starts_on: dt.date | None
    ends_on: dt.date | None
    days: int | None
    budget_eur: int | None
    status: RequestStatus
    created_at: dt.datetime


class ShortlistEntry(BaseModel):
    """A pseudonymous summary: no name, no contact, until the expert accepts a proposal."""

    expert_id: int
    external_id: str | None = None
    pseudonym: str
    headline: str
    score: float
    reasons: list[str]
    sectors: list[str]
    day_rate_eur: int | None


class ProposalIn(_Input):
    expert_id: int


class ProposalStep(_Input):
    """A step of the workflow; feedback (rating 1-5, comment) comes with `completed`."""

    status: ProposalStatus
    rating: int | None = Field(default=None, ge=1, le=5)
    comment: str = Field(default="", max_length=5000)


class ProposalRead(BaseModel):
    id: int
    request_id: int
    request_title: str
    expert_id: int
    pseudonym: str
    status: ProposalStatus
    score: float
    reasons: list[str]
    history: list[dict[str, object]]
    rating: int | None
    comment: str
    # Shared only once the expert has accepted.
    contact_name: str | None = None
    contact_email: str | None = None


class NeededField(BaseModel):
    """A skill often requested and little covered by available experts."""

    country: str | None
    month: str
    uri: str
    label: str
    requests: int
    experts: int
    gap: float


class DerivedSkillsReview(_Input):
    """Skills found in an expert's bio (source `derived`), by URI: confirmed as the expert's own, or removed."""

    confirm: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list, max_length=200)
    remove: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list, max_length=200)
