"""Tables of accounts: users, role grants, login sessions, API tokens, password resets, audit log, outbox."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, string_enum, utcnow


class Role(enum.StrEnum):
    """What a user may do; the scope of a grant (organisation, group, committee) narrows it."""

    ALLIANCE_OFFICE = "alliance_office"
    COMMITTEE_LEAD = "committee_lead"
    GROUP_LEAD = "group_lead"
    ORGANISATION_MANAGER = "organisation_manager"
    EXPERT = "expert"
    WORKER = "worker"
    TRAINER = "trainer"


class TokenScope(enum.StrEnum):
    READ = "read"
    WRITE = "write"


def _enum(kind: type[enum.Enum]) -> Enum:
    return string_enum(kind, length=40)


class User(Base):
    """An account: who logs in, the Person it is, and the organisation that employs them."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    full_name: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the owner followed the link mailed at sign-up (accounts made by the office or the CLI: at creation).
    email_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RoleGrant.id"
    )
    person: Mapped[Person | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class RoleGrant(Base):
    """A role given to a user, optionally limited to one organisation, group or committee."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("alliance_group.id", ondelete="CASCADE"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")


class LoginSession(Base):
    """A browser session; only the SHA-256 of the cookie's token is stored, so a leaked table opens nothing."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A token for the REST API: scoped, expiring, revocable; stored as its SHA-256, shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PasswordReset(Base):
    """A one-time link to set a new password; stored as the SHA-256 of its token."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Who did what to which object, when and from where; rows are only ever added."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the record must outlive the account it names.
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxMessage(Base):
    """An e-mail, written in the transaction it belongs to; skillatlas.mail sends it after the commit."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # the plain-text part
    html_body: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(60))  # which kind of message (web/templates/mail/)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


from skillatlas.alliance.models import Organisation  # noqa: E402
from skillatlas.people.models import Person  # noqa: E402
