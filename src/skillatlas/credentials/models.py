"""Tables of micro-credentials: achievements, issuer keys, status lists and the credentials issued."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, string_enum, utcnow


def _enum(kind: type[enum.Enum]) -> Enum:
    return string_enum(kind, length=40)


class AwardedFor(enum.StrEnum):
    """What the achievement is earned for; courses and job roles get their own tables later."""

    COURSE = "course"
    JOB_ROLE = "job_role"
    EVENT = "event"
    OTHER = "other"


class AssessmentType(enum.StrEnum):
    """Type of assessment (EU Council Recommendation on micro-credentials, Annex I)."""

    NONE = "none"
    SELF_ASSESSMENT = "self_assessment"
    ATTENDANCE = "attendance"
    WRITTEN_EXAM = "written_exam"
    ORAL_EXAM = "oral_exam"
    PRACTICAL_DEMONSTRATION = "practical_demonstration"
    PROJECT = "project"
    PORTFOLIO = "portfolio"
    ONLINE_TEST = "online_test"


class ParticipationForm(enum.StrEnum):
    """Form of participation in the learning activity."""

    ONLINE = "online"
    ON_SITE = "on_site"
    BLENDED = "blended"
    WORK_BASED = "work_based"


class KeyStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class IdentityMethod(enum.StrEnum):
    KEY = "key"
    WEB = "web"


class CredentialFormat(enum.StrEnum):
    LDP = "ldp"  # embedded Data Integrity proof (eddsa-rdfc-2022)
    JWT = "jwt"  # VC-JOSE compact JWS (EdDSA)


class Achievement(Base):
    """What can be earned: a course, a job-role version, an event such as a train-the-trainer course."""

    __tablename__ = "credential_achievement"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    achievement_type: Mapped[str] = mapped_column(String(40), default="MicroCredential")
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    awarded_for: Mapped[AwardedFor] = mapped_column(_enum(AwardedFor), default=AwardedFor.OTHER)
    awarded_for_ref: Mapped[str | None] = mapped_column(String(120))
    learning_outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"uri": ESCO URI, "label": preferred label}]
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    eqf_level: Mapped[int] = mapped_column(Integer)
    ects: Mapped[float | None] = mapped_column(Float)
    hours: Mapped[float] = mapped_column(Float)
    assessment_type: Mapped[AssessmentType] = mapped_column(_enum(AssessmentType))
    participation_form: Mapped[ParticipationForm] = mapped_column(_enum(ParticipationForm))
    quality_assurance: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    isced_f: Mapped[str | None] = mapped_column(String(4))  # ISCED-F 2013 field of education (EDC)
    valid_for_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    issuer: Mapped[Organisation] = relationship()


class IssuerKey(Base):
    """An issuing organisation's Ed25519 key; the private half sealed with the key-encryption key.

    Rotation retires the active key and adds a new one: a retired key signs nothing new but stays in the
    issuer's DID document, so every credential it signed still verifies.
    """

    __tablename__ = "credential_issuer_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    method: Mapped[IdentityMethod] = mapped_column(_enum(IdentityMethod), default=IdentityMethod.KEY)
    did: Mapped[str] = mapped_column(String(300), index=True)
    verification_method: Mapped[str] = mapped_column(String(400), unique=True)
    public_key_multibase: Mapped[str] = mapped_column(String(80), unique=True)
    private_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[KeyStatus] = mapped_column(_enum(KeyStatus), default=KeyStatus.ACTIVE)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()


class StatusList(Base):
    """The revocation and suspension bitstrings of one issuer identity (a DID), with their signed credentials.

    Both lists share the index of a credential. Their URLs are `/credentials/status/{path}/{purpose}`; `path` is
    the organisation's slug for its first identity (a did:key rotation makes a new identity, `slug.2` ...).
    """

    __tablename__ = "credential_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    did: Mapped[str] = mapped_column(String(300), unique=True)
    path: Mapped[str] = mapped_column(String(100), unique=True)
    bits: Mapped[int] = mapped_column(Integer)
    next_sequence: Mapped[int] = mapped_column(Integer, default=0)
    revocation: Mapped[bytes] = mapped_column(LargeBinary)
    suspension: Mapped[bytes] = mapped_column(LargeBinary)
    revocation_credential: Mapped[str] = mapped_column(Text, default="")
    suspension_credential: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IssuedCredential(Base):
    """A credential issued to a learner, with the document exactly as it was signed."""

    __tablename__ = "credential_issued"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    achievement_id: Mapped[int] = mapped_column(
        ForeignKey("credential_achievement.id", ondelete="RESTRICT"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    key_id: Mapped[int] = mapped_column(ForeignKey("credential_issuer_key.id", ondelete="RESTRICT"))
    format: Mapped[CredentialFormat] = mapped_column(_enum(CredentialFormat))
    status_list_id: Mapped[int] = mapped_column(ForeignKey("credential_status_list.id", ondelete="RESTRICT"))
    status_index: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)

    achievement: Mapped[Achievement] = relationship()
    person: Mapped[Person] = relationship()
    organisation: Mapped[Organisation] = relationship()
    key: Mapped[IssuerKey] = relationship()
    status_list: Mapped[StatusList] = relationship()


from skillatlas.alliance.models import Organisation  # noqa: E402
from skillatlas.credentials.edc import models as edc_models  # noqa: E402, F401  (seal certificates)
from skillatlas.people.models import Person  # noqa: E402
