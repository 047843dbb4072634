"""The Person table that the domains (experts, learning, credentials) extend."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, string_enum, utcnow


class PersonKind(enum.StrEnum):
    WORKER = "worker"
    EXPERT = "expert"
    TRAINER = "trainer"


class Person(Base):
    """A worker, expert or trainer; personal fields are minimal and erasable."""

    __tablename__ = "person"
    # An organisation's staff in name order, without sorting all its employees (migration 0012).
    __table_args__ = (Index("ix_person_employer_id_full_name", "employer_id", "full_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    kind: Mapped[PersonKind] = mapped_column(
        string_enum(PersonKind, length=20),
        default=PersonKind.WORKER,
    )
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    nuts_region: Mapped[str | None] = mapped_column(String(5))
    # Natural key of a record that came from elsewhere (an import file, the synthetic generator).
    external_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer: Mapped[Organisation | None] = relationship()


from skillatlas.alliance.models import Organisation  # noqa: E402


class SkillLevel(enum.StrEnum):
    """The proficiency scale of the DRIVES framework, lowest first."""

    AWARENESS = "awareness"
    PRACTITIONER = "practitioner"
    EXPERT = "expert"

    @property
    def rank(self) -> int:
        return list(SkillLevel).index(self) + 1


class SkillSource(enum.StrEnum):
    """How a person's skill is known, weakest first: a verified credential outweighs a claim."""

    CLAIMED = "claimed"
    ASSESSED = "assessed"
    CREDENTIALED = "credentialed"
    #: Found in the person's own free text (an expert's bio) with its evidence sentence, not yet confirmed by
    #: them: weighs below a claim in matching; confirming makes it a claim (issue 16).
    DERIVED = "derived"


class PersonSkill(Base):
    """A skill of a person, at a level, with how it is known and the evidence."""

    __tablename__ = "person_skill"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level: Mapped[SkillLevel] = mapped_column(string_enum(SkillLevel, length=20))
    source: Mapped[SkillSource] = mapped_column(
        string_enum(SkillSource, length=20), default=SkillSource.CLAIMED
    )
    # Free-text evidence: a project, a publication, years of practice, a credential's id.
    evidence: Mapped[str] = mapped_column(String(500), default="")
    years: Mapped[int | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
