"""Tables of the alliance: organisations, committees, groups, working plans, events, registrations."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, string_enum, utcnow


def _enum(kind: type[enum.Enum]) -> Enum:
    return string_enum(kind, length=40)


class OrganisationType(enum.StrEnum):
    INDUSTRY = "industry"
    EDUCATION_TRAINING = "education_training_provider"
    SOCIAL_PARTNER = "social_partner"
    REGIONAL_AUTHORITY = "regional_authority"
    ASSOCIATION = "association_network"
    RESEARCH = "research"


class GroupKind(enum.StrEnum):
    WORKING_GROUP = "working_group"
    TASK_FORCE = "task_force"


class ActivityType(enum.StrEnum):
    """The activities of the alliance's group methodology."""

    CONFERENCE_EVENT_COOPERATION = "conference_event_cooperation"
    JOB_ROLE_DEFINITION = "job_role_definition"
    TRAINING = "training"
    TALENT_SKILLS_MATCHING = "talent_skills_matching"
    TRAINING_COURSES_DATABASE = "training_courses_database"
    NETWORKING_COLLABORATION = "networking_collaboration"


class MembershipRole(enum.StrEnum):
    LEAD = "lead"
    MEMBER = "member"


class WorkItemStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class EventMode(enum.StrEnum):
    ON_SITE = "on_site"
    ONLINE = "online"
    HYBRID = "hybrid"


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"


class Organisation(Base):
    """A member organisation (or a partner named in the alliance's work)."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[OrganisationType] = mapped_column(_enum(OrganisationType))
    country: Mapped[str] = mapped_column(String(2), index=True)
    nuts_region: Mapped[str | None] = mapped_column(String(5))
    website: Mapped[str | None] = mapped_column(String(300))
    # Legal identifier (eIDAS / VAT / company register number): named as the awarding body in an EDC.
    legal_identifier: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    is_member: Mapped[bool] = mapped_column(default=True)
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="organisation")


class Committee(Base):
    """A topic committee: steers the groups in its area."""

    __tablename__ = "committee"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    priorities: Mapped[list[str]] = mapped_column(JSON, default=list)

    groups: Mapped[list[Group]] = relationship(
        secondary="group_committee", back_populates="committees", order_by="Group.name"
    )


class Group(Base):
    """A working group (permanent) or task force (temporary) with its working plan."""

    __tablename__ = "alliance_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[GroupKind] = mapped_column(_enum(GroupKind))
    description: Mapped[str] = mapped_column(Text, default="")
    activities: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    committees: Mapped[list[Committee]] = relationship(
        secondary="group_committee", back_populates="groups", order_by="Committee.name"
    )
    memberships: Mapped[list[GroupMembership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    work_items: Mapped[list[WorkPlanItem]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="WorkPlanItem.position"
    )
    events: Mapped[list[Event]] = relationship(back_populates="group", order_by="Event.starts_on")


class GroupCommittee(Base):
    """Which committees steer a group (some groups answer to two)."""

    __tablename__ = "group_committee"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("alliance_group.id", ondelete="CASCADE"), primary_key=True
    )
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True
    )


class GroupMembership(Base):
    """An organisation taking part in a group, as lead or member."""

    __tablename__ = "group_membership"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("alliance_group.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[MembershipRole] = mapped_column(_enum(MembershipRole), default=MembershipRole.MEMBER)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class WorkPlanItem(Base):
    """One line of a group's working plan: an objective with its deliverable, owner, due date and status."""

    __tablename__ = "work_plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("alliance_group.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    objective: Mapped[str] = mapped_column(Text)
    deliverable: Mapped[str] = mapped_column(Text, default="")
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[WorkItemStatus] = mapped_column(_enum(WorkItemStatus), default=WorkItemStatus.PLANNED)

    group: Mapped[Group] = relationship(back_populates="work_items")
    owner: Mapped[Organisation | None] = relationship()


class Event(Base):
    """A conference, forum, training day or meeting the alliance runs or co-operates in."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[dt.date] = mapped_column(Date, index=True)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    mode: Mapped[EventMode] = mapped_column(_enum(EventMode))
    place: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    url: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column(Integer)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("alliance_group.id", ondelete="SET NULL"), index=True
    )
    # The badge its attendees receive when marked attended (credentials.service.award_for_attendance).
    achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential_achievement.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group | None] = relationship(back_populates="events")
    organisers: Mapped[list[Organisation]] = relationship(
        secondary="event_organiser", order_by="Organisation.name"
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Registration.id"
    )


class EventOrganiser(Base):
    __tablename__ = "event_organiser"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )


class Registration(Base):
    """A person's registration for an event; the waitlist is ordered by `id`."""

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(_enum(RegistrationStatus))
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations")
    person: Mapped[Person] = relationship()


class Project(Base):
    """A strategic project the alliance builds on (the Blueprints, FLAMENCO, TIMS)."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    funding: Mapped[str] = mapped_column(String(200), default="")
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)


from skillatlas.people.models import Person  # noqa: E402  (mapped by name; imported for type checkers)
