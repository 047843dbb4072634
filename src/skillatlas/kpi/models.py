"""Tables of the KPIs: the append-only outcome ledger and its monthly summaries, kept in step with it."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from skillatlas.db import Base, UTCDateTime, string_enum, utcnow


class OutcomeKind(enum.StrEnum):
    """What happened: one per KPI of the alliance's first set."""

    UPSKILLED = "upskilled"  # a worker re-oriented or upskilled
    NEW_JOB = "new_job"  # a new job created, with its skills profile
    DEVELOPMENT_PLAN = "development_plan"  # a personal development plan agreed
    CERTIFICATION = "certification"  # a training certification obtained
    NEW_POSITION = "new_position"  # a worker entering a new or revised job position
    STAKEHOLDER_JOINED = "stakeholder_joined"  # an organisation joining the alliance


class OutcomeEvent(Base):
    """One outcome, never edited: a correction is a new event with sign -1 that names the corrected one."""

    __tablename__ = "kpi_event"
    __table_args__ = (
        CheckConstraint("sign IN (1, -1)", name="sign"),
        Index("ix_kpi_event_day_kind", "occurred_on", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutcomeKind] = mapped_column(string_enum(OutcomeKind, length=30))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    # A pseudonym (a keyed hash of the person's id, or the member's own pseudonymous id): never a name.
    person_ref: Mapped[str | None] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    country: Mapped[str] = mapped_column(String(2))
    nuts_region: Mapped[str | None] = mapped_column(String(5))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # ESCO URIs of a new job's profile
    sign: Mapped[int] = mapped_column(SmallInteger, default=1)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_event.id"), unique=True)
    source: Mapped[str] = mapped_column(String(40))  # "credentials", "alliance", "import", "demo", ...
    source_ref: Mapped[str | None] = mapped_column(String(200))
    # The member's own id of the event: importing the same file twice counts it once.
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonthlyCount(Base):
    """Signed event count per month x KPI x country x region x organisation (0 = none, '' = no region)."""

    __tablename__ = "kpi_monthly"
    # One KPI over many months (stakeholders since the start, the year's upskilling) reads by kind first.
    __table_args__ = (Index("ix_kpi_monthly_kind_month", "kind", "month"),)

    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    nuts_region: Mapped[str] = mapped_column(String(5), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class MonthlySkillCount(Base):
    """Signed count of new jobs per month x skill x country x region x organisation: the skills profiles."""

    __tablename__ = "kpi_monthly_skill"

    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    skill_uri: Mapped[str] = mapped_column(String(300), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    nuts_region: Mapped[str] = mapped_column(String(5), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
