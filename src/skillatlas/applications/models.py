"""Tables of the applications to join a group: each group's intake settings, the applications, their
interview panel and the steps each application went through."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, string_enum, utcnow


class ApplicationState(enum.StrEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    INTERVIEW_SCHEDULED = "interview_scheduled"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


def _named_enum(name: str) -> Enum:
    column_type = string_enum(ApplicationState, length=30)
    column_type.name = name
    return column_type


OPEN_STATES = (ApplicationState.SUBMITTED, ApplicationState.SHORTLISTED, ApplicationState.INTERVIEW_SCHEDULED)


class GroupIntake(Base):
    """Whether a group takes applications (its lead switches it), and the badge that comes with joining."""

    __tablename__ = "group_intake"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("alliance_group.id", ondelete="CASCADE"), primary_key=True
    )
    accepts_applications: Mapped[bool] = mapped_column(default=False)
    # The achievement a passed certification (or, with badge_on_acceptance, the acceptance) issues.
    achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential_achievement.id", ondelete="SET NULL"), index=True
    )
    badge_on_acceptance: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Application(Base):
    """A person's application to join a group; its state moves only along `service.TRANSITIONS`."""

    __tablename__ = "group_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("alliance_group.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # The organisation the applicant works for when applying: it joins the group when they are accepted.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[ApplicationState] = mapped_column(
        string_enum(ApplicationState, length=30), default=ApplicationState.SUBMITTED, index=True
    )
    motivation: Mapped[str] = mapped_column(Text, default="")
    cv_text: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{uri, label, level}]
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    interview_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    interview_place: Mapped[str] = mapped_column(String(300), default="")
    outcome_notes: Mapped[str] = mapped_column(Text, default="")
    certified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    credential_uuid: Mapped[str | None] = mapped_column(String(36))
    # dated by the app's clock at each step (service._now), as the steps are
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()
    person: Mapped[Person] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    panel: Mapped[list[Panelist]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Panelist.person_id"
    )
    steps: Mapped[list[ApplicationStep]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationStep.id"
    )


class Panelist(Base):
    """A person on an application's interview panel (from the group's member organisations)."""

    __tablename__ = "application_panelist"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("group_application.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)

    application: Mapped[Application] = relationship(back_populates="panel")
    person: Mapped[Person] = relationship()


class ApplicationStep(Base):
    """One move of an application's state, with who made it and the note that went with it."""

    __tablename__ = "application_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("group_application.id", ondelete="CASCADE"), index=True
    )
    # each column its own CHECK constraint name (one table may not hold two constraints of the same name)
    from_state: Mapped[ApplicationState | None] = mapped_column(_named_enum("step_from_state"))
    to_state: Mapped[ApplicationState] = mapped_column(_named_enum("step_to_state"))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="steps")


from skillatlas.alliance.models import Group, Organisation  # noqa: E402
from skillatlas.people.models import Person  # noqa: E402
