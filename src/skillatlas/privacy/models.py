"""Tables of personal-data rights: consent records (given or withdrawn, by whom, when) and erasures."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from skillatlas.db import Base, UTCDateTime, string_enum, utcnow


class ConsentPurpose(enum.StrEnum):
    """What a person may agree to; each is given or withdrawn on its own."""

    LISTED_AS_EXPERT = "listed_as_expert"  # shown to requesters in expert matching
    SHARE_KPIS = "share_kpis"  # their outcomes counted in reports shared outside the alliance office
    SHARE_SKILLS_WITH_EMPLOYER = "share_skills_with_employer"  # their employer's managers see their skills
    CONTACT_BY_EMAIL = "contact_by_email"  # news of events, courses and requests
    # their name in plain words in the credentials they receive (without it: a salted hash of the name)
    NAME_ON_CREDENTIALS = "name_on_credentials"


class ConsentRecord(Base):
    """One act of giving or withdrawing a consent; rows are only ever added, the newest is the state."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_person_purpose", "person_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(string_enum(ConsentPurpose, length=40))
    given: Mapped[bool] = mapped_column()
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The user who recorded it: the person themselves, or the office (a consent given on paper). No foreign
    # key, as in the audit log: the record must outlive the account.
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40), default="web")


class Erasure(Base):
    """That a person's personal data was erased: when, by whom, at whose request (no personal data)."""

    __tablename__ = "person_erasure"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(20))  # "self" or "office"
