"""Tables of learning: courses with their skills and prerequisites, development plans and their courses."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas import changes
from skillatlas.db import Base, UTCDateTime, string_enum, utcnow
from skillatlas.people.models import SkillLevel


def _enum(kind: type[enum.Enum]) -> Enum:
    return string_enum(kind, length=20)


class CourseMode(enum.StrEnum):
    ONLINE = "online"
    ON_SITE = "on_site"
    BLENDED = "blended"


class Award(enum.StrEnum):
    """What a learner gets on passing."""

    NONE = "none"
    CERTIFICATE = "certificate"
    MICRO_CREDENTIAL = "micro_credential"


class PlanState(enum.StrEnum):
    """draft -> proposed -> agreed (by both) -> in_progress -> completed | abandoned."""

    DRAFT = "draft"
    PROPOSED = "proposed"
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class Course(Base):
    """A course of a training provider (an organisation of the alliance)."""

    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("price_eur >= 0", name="price_not_negative"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The provider's own code: unique per provider, the natural key of imports.
    code: Mapped[str] = mapped_column(String(80))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    learning_outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    eqf_level: Mapped[int | None] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float, default=0.0)
    ects: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(2), index=True)
    mode: Mapped[CourseMode] = mapped_column(_enum(CourseMode))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    price_eur: Mapped[float] = mapped_column(Float, default=0.0)
    award: Mapped[Award] = mapped_column(_enum(Award), default=Award.NONE)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by every change to the course, its skills or prerequisites: cached path candidates go stale by it.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    provider: Mapped[Organisation] = relationship()
    skills: Mapped[list[CourseSkill]] = relationship(cascade="all, delete-orphan")
    prerequisites: Mapped[list[CoursePrerequisite]] = relationship(
        cascade="all, delete-orphan", foreign_keys="CoursePrerequisite.course_id"
    )


class CourseSkill(Base):
    """A skill a course teaches, and the level a learner reaches; suggested ones await the provider."""

    __tablename__ = "course_skill"
    # Covering index of the path search: which courses teach a skill, confirmed, up to which level.
    __table_args__ = (Index("ix_course_skill_lookup", "skill_id", "confirmed", "level", "course_id"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="RESTRICT"), primary_key=True)
    level: Mapped[SkillLevel] = mapped_column(_enum(SkillLevel))
    confirmed: Mapped[bool] = mapped_column(default=True)


class CoursePrerequisite(Base):
    """A course that must be taken before another."""

    __tablename__ = "course_prerequisite"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    requires_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DevelopmentPlan(Base):
    """A personal development plan agreed between a worker and their employer, optionally a trainer."""

    __tablename__ = "development_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    trainer_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    role_version_id: Mapped[int] = mapped_column(ForeignKey("job_role_version.id", ondelete="RESTRICT"))
    state: Mapped[PlanState] = mapped_column(_enum(PlanState), default=PlanState.DRAFT)
    goals: Mapped[str] = mapped_column(Text, default="")
    # [{"title": ..., "due_on": "YYYY-MM-DD"}]
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    worker_agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    worker_agreed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    employer_agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    employer_agreed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    courses: Mapped[list[PlanCourse]] = relationship(
        cascade="all, delete-orphan", order_by="PlanCourse.position"
    )


class PlanCourse(Base):
    """A course of a plan, in order, with its due date and, once done, its outcome."""

    __tablename__ = "plan_course"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plan.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome))
    certificate: Mapped[str] = mapped_column(String(300), default="")
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()


from skillatlas.alliance.models import Organisation  # noqa: E402

# What the catalogue's search index is built from (learning/catalogue_index.py): titles, descriptions, outcomes.
changes.watch("courses", ["course"])
# What training paths are computed from (learning/service.py `catalogue_version`): courses, skills, prerequisites.
changes.watch("course_paths", ["course", "course_skill", "course_prerequisite"])
