"""Tables of the innovation self-assessment: the versioned question set, assessments, answers and results.

The question set is the alliance's own, structured by the clauses of ISO 56002 (4 context of the organisation
to 10 improvement). It is versioned like a job role: a published version never changes again, an edit starts a
new draft, and an assessment stays tied to the version it was started with, so publishing a new version never
changes an answer already given.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, string_enum, utcnow
from skillatlas.people.models import SkillLevel


def _enum(kind: type[enum.Enum]) -> Enum:
    return string_enum(kind, length=30)


class Clause(enum.StrEnum):
    """The clauses of ISO 56002 that an innovation management system is assessed by, in the standard's order."""

    CONTEXT = "context"
    LEADERSHIP = "leadership"
    PLANNING = "planning"
    SUPPORT = "support"
    OPERATIONS = "operations"
    EVALUATION = "evaluation"
    IMPROVEMENT = "improvement"

    @property
    def title(self) -> str:
        return CLAUSE_TITLES[self]

    @property
    def number(self) -> int:
        return list(Clause).index(self) + 4  # ISO 56002 clause 4 .. 10


CLAUSE_TITLES = {
    Clause.CONTEXT: "Context of the organisation",
    Clause.LEADERSHIP: "Leadership",
    Clause.PLANNING: "Planning",
    Clause.SUPPORT: "Support",
    Clause.OPERATIONS: "Operations and innovation processes",
    Clause.EVALUATION: "Performance evaluation",
    Clause.IMPROVEMENT: "Improvement",
}


class SetState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class AssessmentState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Sector(enum.StrEnum):
    """The organisation's sector, as it says when it starts an assessment (a peer group)."""

    VEHICLE_MANUFACTURER = "vehicle_manufacturer"
    SUPPLIER = "supplier"
    AFTERMARKET = "aftermarket_services"
    EDUCATION = "education_training"
    RESEARCH = "research"
    PUBLIC = "public_regional"
    ASSOCIATION = "association"
    OTHER = "other"


SECTOR_WORDS = {
    Sector.VEHICLE_MANUFACTURER: "Vehicle manufacturer",
    Sector.SUPPLIER: "Supplier",
    Sector.AFTERMARKET: "Aftermarket and services",
    Sector.EDUCATION: "Education and training",
    Sector.RESEARCH: "Research",
    Sector.PUBLIC: "Public or regional body",
    Sector.ASSOCIATION: "Association or network",
    Sector.OTHER: "Other",
}


class Size(enum.StrEnum):
    """The organisation's size by headcount (the EU's SME bands), as it says when it starts an assessment."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


SIZE_WORDS = {
    Size.MICRO: "Micro (fewer than 10 people)",
    Size.SMALL: "Small (10 to 49 people)",
    Size.MEDIUM: "Medium (50 to 249 people)",
    Size.LARGE: "Large (250 people or more)",
}


class QuestionSet(Base):
    """One version of the alliance's question set: its maturity scale, clauses and questions."""

    __tablename__ = "innovation_question_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[SetState] = mapped_column(_enum(SetState), default=SetState.DRAFT)
    # The maturity scale: the name of each level, lowest (0) first.
    levels: Mapped[list[str]] = mapped_column(JSON)
    # The job role whose skills the clauses map to (the innovation agent).
    role_slug: Mapped[str] = mapped_column(String(80))
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    clauses: Mapped[list[SetClause]] = relationship(
        back_populates="question_set", order_by="SetClause.position", cascade="all, delete-orphan"
    )


class SetClause(Base):
    """A clause of one question set version: its weight in the overall score and the role's skills it needs."""

    __tablename__ = "innovation_clause"
    __table_args__ = (UniqueConstraint("set_id", "clause"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("innovation_question_set.id", ondelete="CASCADE"), index=True
    )
    clause: Mapped[Clause] = mapped_column(_enum(Clause))
    position: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    description: Mapped[str] = mapped_column(Text, default="")

    question_set: Mapped[QuestionSet] = relationship(back_populates="clauses")
    questions: Mapped[list[Question]] = relationship(
        back_populates="clause", order_by="Question.position", cascade="all, delete-orphan"
    )
    skills: Mapped[list[ClauseSkill]] = relationship(cascade="all, delete-orphan")


class Question(Base):
    """A question of a clause; answers point at it, so it never changes once its version is published."""

    __tablename__ = "innovation_question"
    __table_args__ = (UniqueConstraint("clause_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("innovation_clause.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(1000))

    clause: Mapped[SetClause] = relationship(back_populates="questions")


class ClauseSkill(Base):
    """A skill of the innovation agent role that a clause needs, at a DRIVES level: a gap there is training."""

    __tablename__ = "innovation_clause_skill"

    clause_id: Mapped[int] = mapped_column(
        ForeignKey("innovation_clause.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="RESTRICT"), primary_key=True)
    level: Mapped[SkillLevel] = mapped_column(string_enum(SkillLevel, length=20))

    skill: Mapped[Skill] = relationship()


class Assessment(Base):
    """An organisation's self-assessment against one question set version; the scores are kept when completed."""

    __tablename__ = "innovation_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    set_id: Mapped[int] = mapped_column(
        ForeignKey("innovation_question_set.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[AssessmentState] = mapped_column(
        _enum(AssessmentState), default=AssessmentState.IN_PROGRESS
    )
    # The organisation's profile when it assessed itself: its peer groups beside country and member type.
    sector: Mapped[Sector] = mapped_column(_enum(Sector))
    size: Mapped[Size] = mapped_column(_enum(Size))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    overall: Mapped[float | None] = mapped_column(Float)  # 0..100, set when completed

    organisation: Mapped[Organisation] = relationship()
    question_set: Mapped[QuestionSet] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="assessment", cascade="all, delete-orphan")
    results: Mapped[list[ClauseResult]] = relationship(cascade="all, delete-orphan")


class Answer(Base):
    """The maturity level given to one question, with its evidence: a text, a link, a file (or several)."""

    __tablename__ = "innovation_answer"
    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("innovation_assessment.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("innovation_question.id", ondelete="RESTRICT"), index=True
    )
    level: Mapped[int] = mapped_column(Integer)
    evidence_text: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class ClauseResult(Base):
    """A completed assessment's score of one clause (0..100): what benchmarks aggregate, set-based."""

    __tablename__ = "innovation_clause_result"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("innovation_assessment.id", ondelete="CASCADE"), primary_key=True
    )
    clause: Mapped[Clause] = mapped_column(_enum(Clause), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)


from skillatlas.alliance.models import Organisation  # noqa: E402
from skillatlas.taxonomy.models import Skill  # noqa: E402
