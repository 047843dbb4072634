"""Demand aggregates: job ads classified at scale (`scale.py`), counted per skill x occupation x country x
month, so the dashboard serves millions of ads without holding the ads themselves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from skillatlas.db import Base, UTCDateTime, utcnow


class DemandFile(Base):
    """A classified Parquet file loaded as aggregates; its content digest makes a second load a no-op."""

    __tablename__ = "demand_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    ads: Mapped[int] = mapped_column(Integer)
    skill_links: Mapped[int] = mapped_column(Integer)
    #: Skill URIs of the file that the database's taxonomy lacks (not counted).
    unknown_skills: Mapped[int] = mapped_column(Integer, default=0)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DemandAds(Base):
    """How many ads of a file fall in an occupation x country x month (the denominator of shares)."""

    __tablename__ = "demand_ads"
    # The report for one occupation reads its sums from this index alone; the reports without one read the
    # rollups, so no other index serves a read (migration 0014). It also serves the occupation's foreign key.
    __table_args__ = (Index("ix_demand_ads_occupation_read", "occupation_id", "month", "country", "ads"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("demand_file.id", ondelete="CASCADE"), index=True)
    occupation_id: Mapped[int | None] = mapped_column(ForeignKey("occupation.id", ondelete="SET NULL"))
    country: Mapped[str] = mapped_column(String(2))
    #: The first day of the month.
    month: Mapped[dt.date] = mapped_column(Date)
    ads: Mapped[int] = mapped_column(Integer)


class DemandSkill(Base):
    """How many ads of a file ask for a skill, per occupation x country x month."""

    __tablename__ = "demand_skill"
    __table_args__ = (
        Index("ix_demand_skill_occupation_read", "occupation_id", "month", "country", "skill_id", "ads"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("demand_file.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    occupation_id: Mapped[int | None] = mapped_column(ForeignKey("occupation.id", ondelete="SET NULL"))
    country: Mapped[str] = mapped_column(String(2))
    month: Mapped[dt.date] = mapped_column(Date)
    ads: Mapped[int] = mapped_column(Integer)


#: The `country` of a rollup row that counts every country.
ALL_COUNTRIES = ""


class DemandSkillMonth(Base):
    """Ads asking for a skill per country and month over every loaded file, and per month over all countries
    (`country` = ALL_COUNTRIES): the demand report without an occupation reads these, at most a row per skill
    and month, instead of summing the files' fine rows (hundreds of thousands of them for a million ads)."""

    __tablename__ = "demand_skill_month"

    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    ads: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_demand_skill_month_country_month", "country", "month"),)


class DemandMonth(Base):
    """Ads per country and month over every loaded file, and per month over all countries (ALL_COUNTRIES)."""

    __tablename__ = "demand_month"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    ads: Mapped[int] = mapped_column(Integer)
