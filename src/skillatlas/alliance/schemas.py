"""Input and output shapes of the alliance, validated the same way at every front door."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from skillatlas.alliance.models import (
    ActivityType,
    EventMode,
    GroupKind,
    MembershipRole,
    OrganisationType,
    RegistrationStatus,
    WorkItemStatus,
)
from skillatlas.geo import normalise_country

CountryCode = Annotated[str, AfterValidator(normalise_country)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(str.strip)]
Slug = Annotated[str, Field(min_length=1, max_length=80)]


def _web_address(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError("a web address must start with http:// or https://")
    return value


WebAddress = Annotated[str | None, AfterValidator(_web_address)]
# An organisation's legal identifier (eIDAS legal person identifier, VAT or register number), e.g. VATBE-0123456789.
LegalIdentifier = Annotated[
    str | None, Field(max_length=100), AfterValidator(lambda v: v.strip() or None if v is not None else None)
]


class Input(BaseModel):
    """Input: unknown fields are refused so a typo is not silently lost."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OrganisationCreate(Input):
    name: Name
    short_name: str | None = Field(default=None, max_length=40)
    type: OrganisationType
    country: CountryCode
    nuts_region: str | None = Field(default=None, max_length=5)
    website: WebAddress = None
    legal_identifier: LegalIdentifier = None
    description: str = Field(default="", max_length=5000)
    is_member: bool = True
    joined_on: dt.date | None = None

    @model_validator(mode="after")
    def _nuts_in_country(self) -> Self:
        from skillatlas.geo import normalise_nuts

        if self.nuts_region:
            try:
                self.nuts_region = normalise_nuts(self.nuts_region, self.country)
            except ValueError as exc:
                raise ValueError(f"nuts_region: {exc}") from exc
        else:
            self.nuts_region = None
        return self


class OrganisationUpdate(Input):
    """What a PATCH changes: only the fields sent (checked together with the rest, as on creation)."""

    name: Name | None = None
    short_name: str | None = Field(default=None, max_length=40)
    type: OrganisationType | None = None
    country: CountryCode | None = None
    nuts_region: str | None = Field(default=None, max_length=5)
    website: WebAddress = None
    legal_identifier: LegalIdentifier = None
    description: str | None = Field(default=None, max_length=5000)
    is_member: bool | None = None
    joined_on: dt.date | None = None


class OrganisationRead(Output):
    id: int
    slug: str
    name: str
    short_name: str | None
    type: OrganisationType
    country: str
    nuts_region: str | None
    website: str | None
    legal_identifier: str | None = None
    description: str
    is_member: bool
    joined_on: dt.date | None


class CommitteeRead(Output):
    id: int
    slug: str
    name: str
    description: str
    priorities: list[str]


Priority = Annotated[str, Field(min_length=1, max_length=300)]


class CommitteeUpdate(Input):
    name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    description: str | None = Field(default=None, max_length=10000)
    priorities: list[Priority] | None = Field(default=None, max_length=30)


class GroupMemberIn(Input):
    organisation: Slug
    role: MembershipRole = MembershipRole.MEMBER


class WorkPlanItemIn(Input):
    objective: str = Field(min_length=1, max_length=2000)
    deliverable: str = Field(default="", max_length=2000)
    owner: Slug | None = None
    due_date: dt.date | None = None
    status: WorkItemStatus = WorkItemStatus.PLANNED


class WorkPlanItemUpdate(Input):
    """What a PATCH changes: only the fields sent; a null due date or owner clears it."""

    objective: str | None = Field(default=None, min_length=1, max_length=2000)
    deliverable: str | None = Field(default=None, max_length=2000)
    owner: Slug | None = None
    due_date: dt.date | None = None
    status: WorkItemStatus | None = None


class GroupCreate(Input):
    name: Name
    kind: GroupKind
    committees: list[Slug] = Field(min_length=1)
    activities: list[ActivityType] = Field(default_factory=list)
    description: str = Field(default="", max_length=10000)
    members: list[GroupMemberIn] = Field(default_factory=list)
    work_plan: list[WorkPlanItemIn] = Field(default_factory=list)


class GroupUpdate(Input):
    """What a PATCH changes: only the fields sent."""

    name: Name | None = None
    kind: GroupKind | None = None
    committees: list[Slug] | None = Field(default=None, min_length=1)
    activities: list[ActivityType] | None = None
    description: str | None = Field(default=None, max_length=10000)


class GroupMemberUpdate(Input):
    role: MembershipRole


class WorkPlanItemRead(Output):
    id: int
    objective: str
    deliverable: str
    owner: str | None
    due_date: dt.date | None
    status: WorkItemStatus


class GroupMemberRead(Output):
    organisation: str
    organisation_name: str
    role: MembershipRole


class GroupRead(Output):
    id: int
    slug: str
    name: str
    kind: GroupKind
    description: str
    committees: list[str]
    activities: list[ActivityType]
    members: list[GroupMemberRead]
    work_plan: list[WorkPlanItemRead]


class EventCreate(Input):
    name: Name
    description: str = Field(default="", max_length=10000)
    starts_on: dt.date
    ends_on: dt.date
    mode: EventMode
    place: str | None = Field(default=None, max_length=200)
    country: CountryCode | None = None
    url: WebAddress = None
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    group: Slug | None = None
    organisers: list[Slug] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on: the end date is before the start date")
        if self.mode != EventMode.ONLINE and not self.place:
            raise ValueError("place: an event on site needs a place")
        return self


class EventUpdate(Input):
    """What a PATCH changes: only the fields sent (checked together with the rest, as on creation)."""

    name: Name | None = None
    description: str | None = Field(default=None, max_length=10000)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    mode: EventMode | None = None
    place: str | None = Field(default=None, max_length=200)
    country: CountryCode | None = None
    url: WebAddress = None
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    group: Slug | None = None
    organisers: list[Slug] | None = None


class EventRead(Output):
    id: int
    slug: str
    name: str
    description: str
    starts_on: dt.date
    ends_on: dt.date
    mode: EventMode
    place: str | None
    country: str | None
    url: str | None
    capacity: int | None
    group: str | None
    organisers: list[str]
    registered: int
    waitlisted: int


class RegistrationCreate(Input):
    full_name: Name
    email: EmailStr
    country: CountryCode | None = None


class RegistrationRead(Output):
    id: int
    event: str
    person_id: int
    status: RegistrationStatus
    registered_at: dt.datetime
    waitlist_position: int | None = None


class ProjectCreate(Input):
    name: Name
    sector: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=5000)
    funding: str = Field(default="", max_length=200)
    started_on: dt.date | None = None
    ended_on: dt.date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValueError("ended_on: the end date is before the start date")
        return self


class ProjectRead(Output):
    slug: str
    name: str
    sector: str
    description: str
    funding: str
    started_on: dt.date | None
    ended_on: dt.date | None
