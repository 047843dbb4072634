"""Tables of market intelligence: job ads and the taxonomy skills found in them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, utcnow


class JobAd(Base):
    """A job advertisement as imported; `fingerprint` makes a second import of the same ad a no-op."""

    __tablename__ = "job_ad"
    __table_args__ = (Index("ix_job_ad_posted_country", "posted_on", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(120))
    posted_on: Mapped[dt.date] = mapped_column(Date)
    country: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    occupation_id: Mapped[int | None] = mapped_column(
        ForeignKey("occupation.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    skills: Mapped[list[JobAdSkill]] = relationship(back_populates="job_ad", cascade="all, delete-orphan")


class JobAdSkill(Base):
    """A skill an ad asks for, with the extractor's score and the sentence that shows it."""

    __tablename__ = "job_ad_skill"

    job_ad_id: Mapped[int] = mapped_column(ForeignKey("job_ad.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text, default="")

    job_ad: Mapped[JobAd] = relationship(back_populates="skills")
