"""Mail about accounts: the sign-up address check and the password-reset link.

Decision: an account opened by sign-up may log in at once, but until its owner follows the link mailed to
the address they typed, every page shows "confirm your address" and no API token can be made for it.
Accounts made by the office, the CLI or the demo loader are confirmed when they are made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.auth import audit
from skillatlas.auth.models import User
from skillatlas.auth.permissions import Principal, authorize
from skillatlas.db import utcnow
from skillatlas.errors import Conflict, InvalidInput
from skillatlas.mail import service
from skillatlas.mail.models import EmailConfirmation

CONFIRMATION_LIFETIME = dt.timedelta(days=7)
# Links one account may ask for in an hour: enough for a lost mail, too few to fill someone's mailbox.
MAX_LINKS_PER_HOUR = 5


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def send_confirmation(*, db: Session, user: User, now: dt.datetime | None = None) -> EmailConfirmation:
    """A new one-time link to confirm the account's address, mailed to it (in the caller's transaction)."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    confirmation = EmailConfirmation(
        user_id=user.id,
        email=user.email,
        token_hash=_hash(secret),
        created_at=now,
        expires_at=now + CONFIRMATION_LIFETIME,
    )
    db.add(confirmation)
    db.flush()
    link = f"{service.settings_of(db).site_url}/signup/confirm?token={secret}"
    service.send(db=db, to=user.email, name=user.full_name, template="confirm_address",
                 context={"link": link, "email": user.email, "days": CONFIRMATION_LIFETIME.days}, now=now)  # fmt: skip
    return confirmation


def confirm_address(*, db: Session, actor: Principal, secret: str, now: dt.datetime) -> User:
    """Marks the account's address confirmed from the mailed link; the link works once, for 7 days.

    No login is needed: holding the link is the proof that the address receives mail.
    """
    confirmation = db.scalar(select(EmailConfirmation).where(EmailConfirmation.token_hash == _hash(secret)))
    user = db.get(User, confirmation.user_id) if confirmation is not None else None
    if (
        confirmation is None
        or user is None
        or confirmation.used_at is not None
        or confirmation.expires_at <= now
        or confirmation.email.lower() != user.email.lower()
    ):
        raise InvalidInput(
            "this link is unknown, used or expired: log in and ask for a new one on any page", field="token"
        )
    confirmation.used_at = now
    first = user.email_confirmed_at is None
    if first:
        user.email_confirmed_at = now
    db.flush()
    if first:
        audit.record(db=db, actor=actor, action="user.email_confirmed", object_type="user",
                     object_id=user.id, user_id=user.id)  # fmt: skip
    return user


def resend_confirmation(*, db: Session, actor: Principal, now: dt.datetime) -> User:
    """Mails the logged-in user a new confirmation link (at most five an hour)."""
    authorize(actor, "mail.confirmation.resend")
    assert actor.user_id is not None
    user = db.get(User, actor.user_id)
    assert user is not None
    if user.email_confirmed_at is not None:
        raise Conflict(f"{user.email} is confirmed already", field="email")
    recent = db.scalar(
        select(func.count())
        .select_from(EmailConfirmation)
        .where(
            EmailConfirmation.user_id == user.id, EmailConfirmation.created_at > now - dt.timedelta(hours=1)
        )
    )
    if (recent or 0) >= MAX_LINKS_PER_HOUR:
        raise Conflict(
            f"{MAX_LINKS_PER_HOUR} links were sent to {user.email} in the last hour: look in that mailbox "
            "(and its spam folder), or try again later",
            field="email",
        )
    send_confirmation(db=db, user=user, now=now)
    return user


def send_password_reset(*, db: Session, user: User, link: str, now: dt.datetime, hours: int = 1) -> None:
    """The mail with the one-time link to set a new password."""
    service.send(db=db, to=user.email, name=user.full_name, template="password_reset",
                 context={"link": link, "email": user.email, "hours": hours}, now=now)  # fmt: skip
