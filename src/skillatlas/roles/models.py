"""Tables of job roles: a role, its versions, each version's required skills and the ESCO occupations it refines."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, string_enum, utcnow
from skillatlas.people.models import SkillLevel


def _enum(kind: type[enum.Enum]) -> Enum:
    return string_enum(kind, length=20)


class VersionState(enum.StrEnum):
    """draft -> in_review (by the role's group) -> published; a published version never changes again."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


class SkillWeight(enum.StrEnum):
    ESSENTIAL = "essential"
    OPTIONAL = "optional"


class JobRole(Base):
    """A job role of the alliance (e.g. innovation agent); what it requires lives in its versions."""

    __tablename__ = "job_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # The group that reviews and publishes the role (its lead, a steering committee's lead, the office).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("alliance_group.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[JobRoleVersion]] = relationship(
        back_populates="role", order_by="JobRoleVersion.number", cascade="all, delete-orphan"
    )
    group: Mapped[Group | None] = relationship()


class JobRoleVersion(Base):
    """One version of a role; plans and credentials point at the version they were made against."""

    __tablename__ = "job_role_version"
    __table_args__ = (UniqueConstraint("role_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("job_role.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[VersionState] = mapped_column(_enum(VersionState), default=VersionState.DRAFT)
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    role: Mapped[JobRole] = relationship(back_populates="versions")
    skills: Mapped[list[JobRoleSkill]] = relationship(cascade="all, delete-orphan")
    occupations: Mapped[list[JobRoleOccupation]] = relationship(cascade="all, delete-orphan")


class JobRoleSkill(Base):
    """A skill a role version requires, at a DRIVES level, essential or optional."""

    __tablename__ = "job_role_skill"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("job_role_version.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="RESTRICT"), primary_key=True)
    level: Mapped[SkillLevel] = mapped_column(_enum(SkillLevel))
    weight: Mapped[SkillWeight] = mapped_column(_enum(SkillWeight), default=SkillWeight.ESSENTIAL)

    skill: Mapped[Skill] = relationship()


class JobRoleOccupation(Base):
    """An ESCO occupation that a role version refines."""

    __tablename__ = "job_role_occupation"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("job_role_version.id", ondelete="CASCADE"), primary_key=True
    )
    occupation_id: Mapped[int] = mapped_column(
        ForeignKey("occupation.id", ondelete="RESTRICT"), primary_key=True
    )

    occupation: Mapped[Occupation] = relationship()


from skillatlas.alliance.models import Group  # noqa: E402
from skillatlas.taxonomy.models import Occupation, Skill  # noqa: E402
