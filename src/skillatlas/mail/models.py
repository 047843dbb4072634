"""Tables of mail that the outbox (auth.models.OutboxMessage) does not cover: address confirmations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from skillatlas.db import Base, UTCDateTime, utcnow


class EmailConfirmation(Base):
    """A one-time link that proves an account's e-mail address; stored as the SHA-256 of its token."""

    __tablename__ = "email_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    # The address the link was sent to: a link confirms that address only, not one changed since.
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
