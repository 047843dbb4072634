"""Tables of the expert database: profiles, expertise requests and proposals (the deployment workflow)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas import changes
from skillatlas.db import Base, UTCDateTime, string_enum, utcnow


def _enum(kind: type[enum.Enum]) -> Enum:
    return string_enum(kind, length=20)


class WorkMode(enum.StrEnum):
    """Where an expert works, or where a request's work happens."""

    REMOTE = "remote"
    ON_SITE = "on_site"
    EITHER = "either"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ProposalStatus(enum.StrEnum):
    """The deployment workflow: proposed -> accepted | declined -> deployed -> completed, or cancelled."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DEPLOYED = "deployed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ExpertProfile(Base):
    """A person listed as an expert; listed only while their consent stands."""

    __tablename__ = "expert_profile"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    # The id the expert had in an import file (`skillatlas experts import`).
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    headline: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    # [{"code": "en", "level": "C1"}]: ISO 639-1 code and CEFR level (A1..C2, or "native").
    languages: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # NUTS codes
    work_mode: Mapped[WorkMode] = mapped_column(_enum(WorkMode), default=WorkMode.EITHER)
    # [{"starts_on": "2026-07-01", "ends_on": "2026-12-31", "days_per_month": 4}]
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    day_rate_eur: Mapped[int | None] = mapped_column(Integer)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    consent_withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    listed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()


class ExpertiseRequest(Base):
    """A company's call for expertise: what, where, when, how much."""

    __tablename__ = "expertise_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # [{"uri": ..., "level": "practitioner"}]
    skills: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(5))
    work_mode: Mapped[WorkMode] = mapped_column(_enum(WorkMode), default=WorkMode.EITHER)
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    days: Mapped[int | None] = mapped_column(Integer)
    budget_eur: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.OPEN)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    organisation: Mapped[Organisation] = relationship()


class Proposal(Base):
    """One expert proposed for one request, and where the deployment stands."""

    __tablename__ = "expert_proposal"
    __table_args__ = (UniqueConstraint("request_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("expertise_request.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(_enum(ProposalStatus), default=ProposalStatus.PROPOSED)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"status": "accepted", "by": user id or null, "at": ISO time}]
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    request: Mapped[ExpertiseRequest] = relationship()
    person: Mapped[Person] = relationship()


from skillatlas.alliance.models import Organisation  # noqa: E402
from skillatlas.people.models import Person  # noqa: E402


def _touches_experts(connection: Any, objects: list[Any]) -> bool:
    """A change to a profile or a skill label always matters; to a person or their skills, only for experts."""
    from sqlalchemy import select

    ids = set()
    for obj in objects:
        person_id = obj.id if isinstance(obj, Person) else getattr(obj, "person_id", None)
        if isinstance(obj, ExpertProfile) or person_id is None:
            return True
        ids.add(person_id)
    found = select(ExpertProfile.person_id).where(ExpertProfile.person_id.in_(ids)).limit(1)
    return connection.scalar(found) is not None


# What the matching snapshot is built from (experts/service.py `load_snapshot`), consents included: a
# withdrawn "listed as expert" takes the expert off every shortlist at once.
changes.watch("experts", ["expert_profile", "person_skill", "person", "skill", "consent_record"],
              relevant=_touches_experts)  # fmt: skip
