"""Tables of the taxonomy: ESCO skills, skill groups, occupations, ISCO groups and their relations."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas import changes
from skillatlas.db import Base, UTCDateTime, string_enum, utcnow


def _enum(kind: type[enum.Enum]) -> Enum:
    return string_enum(kind, length=30)


class SkillType(enum.StrEnum):
    SKILL = "skill/competence"
    KNOWLEDGE = "knowledge"
    UNKNOWN = ""


class SkillOrigin(enum.StrEnum):
    ESCO = "esco"
    ALLIANCE = "alliance"


class ReviewState(enum.StrEnum):
    """Alliance-specific skills are proposed, reviewed, then approved; ESCO's are approved as published."""

    PROPOSED = "proposed"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class RelationType(enum.StrEnum):
    ESSENTIAL = "essential"
    OPTIONAL = "optional"


class Skill(Base):
    """A skill or knowledge concept: ESCO's, with its URI, or the alliance's own."""

    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(String(200), unique=True)
    preferred_label: Mapped[str] = mapped_column(String(300), index=True)
    alt_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    skill_type: Mapped[SkillType] = mapped_column(_enum(SkillType), default=SkillType.UNKNOWN)
    reuse_level: Mapped[str] = mapped_column(String(30), default="")
    automotive: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    origin: Mapped[SkillOrigin] = mapped_column(_enum(SkillOrigin), default=SkillOrigin.ESCO)
    review_state: Mapped[ReviewState] = mapped_column(_enum(ReviewState), default=ReviewState.APPROVED)
    source_version: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SkillGroup(Base):
    """A node of ESCO's skill hierarchy (skill groups, knowledge fields)."""

    __tablename__ = "skill_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(String(200), unique=True)
    preferred_label: Mapped[str] = mapped_column(String(300))
    code: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class BroaderRelation(Base):
    """`narrower_uri` sits under `broader_uri` in the skill hierarchy (skills and groups alike)."""

    __tablename__ = "skill_broader"

    narrower_uri: Mapped[str] = mapped_column(String(200), primary_key=True)
    broader_uri: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class IscoGroup(Base):
    """A group of the International Standard Classification of Occupations (ISCO-08)."""

    __tablename__ = "isco_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    uri: Mapped[str] = mapped_column(String(200), unique=True)
    preferred_label: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")


class Occupation(Base):
    """An ESCO occupation with its ISCO group."""

    __tablename__ = "occupation"

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(String(200), unique=True)
    preferred_label: Mapped[str] = mapped_column(String(300), index=True)
    alt_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    isco_code: Mapped[str] = mapped_column(String(10), default="", index=True)
    code: Mapped[str] = mapped_column(String(40), default="")
    source_version: Mapped[str] = mapped_column(String(40), default="")

    skills: Mapped[list[OccupationSkill]] = relationship(
        back_populates="occupation", cascade="all, delete-orphan"
    )


class OccupationSkill(Base):
    """A skill an occupation needs, essential or optional."""

    __tablename__ = "occupation_skill"

    occupation_id: Mapped[int] = mapped_column(
        ForeignKey("occupation.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    relation: Mapped[RelationType] = mapped_column(_enum(RelationType))

    occupation: Mapped[Occupation] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


# What the in-memory label search (taxonomy/label_index.py) and the cached counts are built from.
changes.watch("taxonomy", ["skill", "occupation", "skill_group"])
