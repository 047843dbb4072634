"""Rules of accounts: users and their roles, logging in and out, API tokens, password resets, the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import replace

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from skillatlas.alliance import service as alliance_service
from skillatlas.auth import audit
from skillatlas.auth.models import (
    ApiToken,
    AuditEntry,
    LoginSession,
    OutboxMessage,
    PasswordReset,
    Role,
    RoleGrant,
    User,
)
from skillatlas.auth.passwords import hash_password, needs_rehash, verify_password
from skillatlas.auth.permissions import Grant, Principal, authorize
from skillatlas.auth.schemas import (
    GrantIn,
    GrantRead,
    SignUp,
    TokenCreate,
    UserCreate,
    UserInvite,
    UserRead,
)
from skillatlas.db import utcnow
from skillatlas.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    SkillAtlasError,
)
from skillatlas.mail import accounts as mail_accounts
from skillatlas.mail import service as mail_service
from skillatlas.people.models import Person, PersonKind

log = logging.getLogger("skillatlas.auth")

SESSION_LIFETIME = dt.timedelta(days=14)
RESET_LIFETIME = dt.timedelta(hours=1)
INVITATION_LIFETIME = dt.timedelta(days=7)
# The Person kind a new account starts as, by its first role.
_PERSON_KIND = {Role.EXPERT: PersonKind.EXPERT, Role.TRAINER: PersonKind.TRAINER}


class TooManyAttempts(SkillAtlasError):
    """Too many failed attempts lately: this address must wait (web/security.LoginThrottle; no account is locked)."""

    status_code = 429
    code = "too_many_attempts"


def token_hash(token: str) -> str:
    """The SHA-256 of a secret token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A random secret: 32 bytes, URL-safe."""
    return secrets.token_urlsafe(32)


# --- users and roles -------------------------------------------------------------------------------


def get_user(*, db: Session, user_id: int) -> User:
    """The user, or NotFound."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}", field="user")
    return user


def get_user_by_email(*, db: Session, email: str) -> User:
    """The user with this e-mail address (case-insensitive), or NotFound."""
    user = db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user with the e-mail address {email!r}", field="email")
    return user


def _email_taken(db: Session, email: str) -> bool:
    return db.scalar(select(User.id).where(func.lower(User.email) == email.lower())) is not None


def create_user(
    *,
    db: Session,
    actor: Principal,
    data: UserCreate,
    grants: list[GrantIn] | None = None,
    now: dt.datetime | None = None,
) -> User:
    """A new account linked to the Person with its e-mail address (created when new), with its roles."""
    authorize(actor, "user.create")
    email = str(data.email).lower()
    if _email_taken(db, email):
        raise AlreadyExists(f"an account for {email} exists already", field="email")
    organisation = (
        alliance_service.get_organisation(db=db, slug=data.organisation) if data.organisation else None
    )
    grants = grants or []
    kind = next((_PERSON_KIND[g.role] for g in grants if g.role in _PERSON_KIND), PersonKind.WORKER)
    person = db.scalar(select(Person).where(func.lower(Person.email) == email))
    if person is not None and db.scalar(select(User.id).where(User.person_id == person.id)) is not None:
        raise AlreadyExists(f"the person {email} already has an account", field="email")
    if person is None:
        person = Person(email=email, full_name=data.full_name, kind=kind)
        db.add(person)
    if organisation is not None and person.employer_id is None:
        person.employer_id = organisation.id
    user = User(
        email=email,
        full_name=data.full_name,
        password_hash=hash_password(data.password),
        person=person,
        organisation=organisation,
        email_confirmed_at=now or utcnow(),  # the office or the CLI vouches for the address
    )
    db.add(user)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        details={"email": email},
    )
    for grant in grants:
        grant_role(db=db, actor=actor, user=user, grant=grant, now=now)
    return user


def sign_up(
    *,
    db: Session,
    actor: Principal,
    data: SignUp,
    now: dt.datetime | None = None,
    base_url: str | None = None,
    mail_owner: bool = True,
) -> User | None:
    """A visitor opens a worker account for themselves, linked to a new Person; None for a known address.

    The answer must not tell who has an account, so a known address gets the same answer as a new one
    (the page says "we sent you a message" either way) and its owner a mail saying that someone tried to
    sign up with it (`mail_owner`: the caller's limit on such mails; false sends none). A Person with this
    address may be someone else's record (a registration typed by another): signing up never takes it
    over; the mail tells its owner to ask the alliance office.
    """
    email = str(data.email).lower()
    password_hash = hash_password(data.password)  # for a known address too: both answers take as long
    user_known = _email_taken(db, email)
    if user_known or db.scalar(select(Person.id).where(func.lower(Person.email) == email)):
        if mail_owner:
            base = (base_url or mail_service.settings_of(db).site_url).rstrip("/")
            mail_service.send(db=db, to=email, name=None, template="signup_existing",
                              context={"email": email, "has_account": user_known, "login": f"{base}/login",
                                       "reset": f"{base}/password/forgot"}, now=now)  # fmt: skip
        audit.record(db=db, actor=actor, action="user.sign_up_known", details={"email": email[:254]})
        return None
    person = Person(email=email, full_name=data.full_name, country=data.country, kind=PersonKind.WORKER)
    user = User(email=email, full_name=data.full_name, password_hash=password_hash, person=person)
    db.add_all([person, user])
    db.flush()
    db.add(RoleGrant(user=user, role=Role.WORKER, granted_at=now or utcnow()))
    db.flush()
    mail_accounts.send_confirmation(db=db, user=user, now=now)  # the address is checked by a mailed link
    audit.record(
        db=db,
        actor=actor,
        action="user.sign_up",
        object_type="user",
        object_id=user.id,
        user_id=user.id,
        details={"email": email},
    )
    return user


def _scope_ids(db: Session, grant: GrantIn) -> dict[str, int | None]:
    return {
        "organisation_id": alliance_service.get_organisation(db=db, slug=grant.organisation).id
        if grant.organisation
        else None,
        "group_id": alliance_service.get_group(db=db, slug=grant.group).id if grant.group else None,
        "committee_id": alliance_service.get_committee(db=db, slug=grant.committee).id
        if grant.committee
        else None,
    }


def _find_grant(db: Session, user: User, role: Role, ids: dict[str, int | None]) -> RoleGrant | None:
    statement = select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role)
    for name, value in ids.items():
        column = getattr(RoleGrant, name)
        statement = statement.where(column.is_(None) if value is None else column == value)
    return db.scalar(statement)


def grant_role(
    *, db: Session, actor: Principal, user: User, grant: GrantIn, now: dt.datetime | None = None
) -> RoleGrant:
    """Gives a user a role; giving the same role with the same scope twice is refused."""
    authorize(actor, "user.grant")
    ids = _scope_ids(db, grant)
    if _find_grant(db, user, grant.role, ids) is not None:
        raise AlreadyExists(f"{user.email} has this role already", field="role")
    role_grant = RoleGrant(user_id=user.id, role=grant.role, granted_at=now or utcnow(), **ids)
    db.add(role_grant)
    db.flush()
    db.refresh(user, ["grants"])
    audit.record(
        db=db,
        actor=actor,
        action="user.grant",
        object_type="user",
        object_id=user.id,
        details=grant.model_dump(exclude_none=True, mode="json"),
    )
    return role_grant


def revoke_role(
    *, db: Session, actor: Principal, user: User, grant: GrantIn, now: dt.datetime | None = None
) -> None:
    """Takes a role (with that scope) away from a user."""
    authorize(actor, "user.revoke")
    if actor.user_id is not None and actor.user_id == user.id and grant.role == Role.ALLIANCE_OFFICE:
        raise Conflict("you cannot take away your own office role: ask another office member", field="role")
    found = _find_grant(db, user, grant.role, _scope_ids(db, grant))
    if found is None:
        raise NotFound(f"{user.email} does not have this role", field="role")
    db.delete(found)
    db.flush()
    db.refresh(user, ["grants"])
    audit.record(
        db=db,
        actor=actor,
        action="user.revoke",
        object_type="user",
        object_id=user.id,
        details=grant.model_dump(exclude_none=True, mode="json"),
    )


def set_active(*, db: Session, actor: Principal, user: User, active: bool) -> User:
    """Closes an account (its sessions end, its tokens stop working) or opens it again."""
    authorize(actor, "user.deactivate")
    if not active and actor.user_id is not None and actor.user_id == user.id:
        raise Conflict("you cannot close your own account: ask another office member", field="user")
    user.is_active = active
    if not active:
        db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        object_type="user",
        object_id=user.id,
    )
    return user


def list_users(*, db: Session, actor: Principal) -> list[User]:
    """Every account with its roles (the office, and the CLI)."""
    authorize(actor, "user.create")
    return list(db.scalars(select(User).order_by(User.email).options(selectinload(User.grants))))


def search_users(
    *,
    db: Session,
    actor: Principal,
    query: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[User]:
    """Accounts by name: a piece of the name or e-mail address, a role, open or closed (the office)."""
    authorize(actor, "user.create")
    statement = (
        select(User)
        .options(selectinload(User.grants), selectinload(User.organisation))
        .order_by(func.lower(User.full_name), User.email)
        .limit(limit)
        .offset(offset)
    )
    if query and query.strip():
        words = query.strip().lower()
        statement = statement.where(
            or_(
                func.lower(User.full_name).contains(words, autoescape=True),
                func.lower(User.email).contains(words, autoescape=True),
            )
        )
    if role is not None:
        statement = statement.where(User.grants.any(RoleGrant.role == role))
    if active is not None:
        statement = statement.where(User.is_active.is_(active))
    return list(db.scalars(statement))


def read_user(*, db: Session, actor: Principal, user_id: int) -> User:
    """Another account, with its roles (the office)."""
    authorize(actor, "user.create")
    return get_user(db=db, user_id=user_id)


def invite_user(
    *,
    db: Session,
    actor: Principal,
    data: UserInvite,
    grants: list[GrantIn] | None = None,
    base_url: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """An account with a password nobody knows, and a mail inviting its owner to choose their own."""
    user = create_user(
        db=db,
        actor=actor,
        data=UserCreate(
            email=data.email, full_name=data.full_name, password=new_token(), organisation=data.organisation
        ),
        grants=grants,
        now=now,
    )
    send_invitation(db=db, actor=actor, user=user, base_url=base_url, now=now)
    return user


def send_invitation(
    *, db: Session, actor: Principal, user: User, base_url: str | None = None, now: dt.datetime | None = None
) -> None:
    """Mails a link to choose a password, valid for a week (once); sent again, the older links still work."""
    authorize(actor, "user.create")
    if not user.is_active:
        raise Conflict(f"the account of {user.email} is closed: open it again first", field="user")
    now = now or utcnow()
    secret = new_token()
    db.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash(secret),
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
    )
    base = (base_url or mail_service.settings_of(db).site_url).rstrip("/")
    inviter = db.get(User, actor.user_id) if actor.user_id is not None else None
    mail_service.send(
        db=db,
        to=user.email,
        name=user.full_name,
        template="invitation",
        context={
            "link": f"{base}/password/reset?token={secret}&welcome=1",
            "email": user.email,
            "days": INVITATION_LIFETIME.days,
            "inviter": f"{inviter.full_name} of the alliance office" if inviter else "The alliance office",
            "roles": [grant_label(db, g) for g in user.grants],
        },
        now=now,
    )
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="user.invite",
        object_type="user",
        object_id=user.id,
        details={"email": user.email},
    )


def grant_label(db: Session, grant: RoleGrant) -> str:
    """A role in words, with what it is limited to: "group lead of Hydrogen VET Forum"."""
    from skillatlas.alliance.models import Committee, Group, Organisation

    words = grant.role.value.replace("_", " ")
    for model, key in (
        (Organisation, grant.organisation_id),
        (Group, grant.group_id),
        (Committee, grant.committee_id),
    ):
        if key is not None:
            scope = db.get(model, key)
            if scope is not None:
                return f"{words} of {scope.name}"
    return words


def principal_for(
    user: User, *, via: str, ip: str | None = None, scopes: frozenset[str] | None = None
) -> Principal:
    """The Principal that acts for this user."""
    return Principal(
        user_id=user.id,
        person_id=user.person_id,
        grants=frozenset(
            Grant(
                role=g.role,
                organisation_id=g.organisation_id,
                group_id=g.group_id,
                committee_id=g.committee_id,
            )
            for g in user.grants
        ),
        scopes=scopes,
        via=via,  # type: ignore[arg-type]
        ip=ip,
        organisation_id=user.organisation_id,
    )


def grant_read(db: Session, grant: RoleGrant) -> GrantRead:
    """The grant as the API shows it: scopes by slug."""
    from skillatlas.alliance.models import Committee, Group, Organisation

    def slug(model: type, key: int | None) -> str | None:
        return db.get(model, key).slug if key is not None else None  # type: ignore[union-attr]

    return GrantRead(
        role=grant.role,
        organisation=slug(Organisation, grant.organisation_id),
        group=slug(Group, grant.group_id),
        committee=slug(Committee, grant.committee_id),
    )


def user_read(*, db: Session, user: User) -> UserRead:
    """The account as the API shows it, with its roles."""
    return UserRead(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        person_id=user.person_id,
        organisation=user.organisation.slug if user.organisation else None,
        grants=[grant_read(db, g) for g in user.grants],
        is_active=user.is_active,
        last_login_at=user.last_login_at,
    )


def me(*, db: Session, actor: Principal) -> User:
    """The account of whoever acts."""
    authorize(actor, "account.read_own")
    assert actor.user_id is not None
    return get_user(db=db, user_id=actor.user_id)


# --- logging in and out ---------------------------------------------------------------------------


def log_in(
    *,
    db: Session,
    actor: Principal,
    email: str,
    password: str,
    now: dt.datetime,
    user_agent: str | None = None,
) -> tuple[User, str]:
    """A new session for the right password: the user and the cookie's token.

    A wrong password, an unknown address and a closed account give the same error. No account is locked:
    the caller slows the guesser down (web/security.LoginThrottle). The audit entry of a failure is
    written before the error is raised: the caller must keep the transaction (not roll back).
    """
    user = db.scalar(
        select(User).where(func.lower(User.email) == email.strip().lower()).options(selectinload(User.grants))
    )
    if (
        not verify_password(user.password_hash if user else None, password)
        or user is None
        or not user.is_active
    ):
        details = {"email": email.strip().lower()[:254]}
        audit.record(
            db=db,
            actor=actor,
            action="login.failure",
            object_type="user",
            object_id=user.id if user else None,
            details=details,
        )
        raise NotAuthenticated("wrong e-mail address or password", field="password")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = start_session(db=db, actor=actor, user=user, now=now, user_agent=user_agent)
    audit.record(
        db=db, actor=actor, action="login.success", object_type="user", object_id=user.id, user_id=user.id
    )
    return user, token


def login_refused(*, db: Session, actor: Principal, email: str, wait: str) -> None:
    """Audits an attempt refused for coming too soon (the password was not looked at)."""
    audit.record(db=db, actor=actor, action="login.refused",
                 details={"email": email.strip().lower()[:254], "reason": "too soon", "wait": wait})  # fmt: skip


def known_address(*, db: Session, email: str, ip: str | None) -> bool:
    """True when the account of this address logged in successfully from this client address before
    (the audit log says so): the owner's usual places are not slowed down by someone else's guessing."""
    if ip is None:
        return False
    user_id = db.scalar(select(User.id).where(func.lower(User.email) == email.strip().lower()))
    if user_id is None:
        return False
    found = db.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.action == "login.success", AuditEntry.user_id == user_id, AuditEntry.ip == ip)
        .limit(1)
    )
    return found is not None


def start_session(
    *, db: Session, actor: Principal, user: User, now: dt.datetime, user_agent: str | None = None
) -> str:
    """A new browser session for a user whose password was just checked (log in, sign up); its token."""
    token = new_token()
    user.last_login_at = now
    # Housekeeping while we are here: the user's expired sessions go.
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now))
    db.add(
        LoginSession(
            user_id=user.id,
            token_hash=token_hash(token),
            csrf_token=new_token(),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            ip=actor.ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    db.flush()
    return token


def session_of(*, db: Session, token: str, now: dt.datetime) -> LoginSession | None:
    """The live session for a cookie's token, or None (unknown, expired, or its user deactivated)."""
    found = db.scalar(
        select(LoginSession)
        .where(LoginSession.token_hash == token_hash(token))
        # the user joined: two queries per request, not three
        .options(joinedload(LoginSession.user).selectinload(User.grants))
    )
    if found is None or found.expires_at <= now or not found.user.is_active:
        return None
    return found


def log_out(*, db: Session, actor: Principal, token: str) -> None:
    """Ends the session (deletes it, so the cookie opens nothing even if it was copied)."""
    db.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if actor.user_id is not None:
        audit.record(db=db, actor=actor, action="logout", object_type="user", object_id=actor.user_id)


# --- API tokens -----------------------------------------------------------------------------------


def create_token(
    *, db: Session, actor: Principal, user: User, data: TokenCreate, now: dt.datetime
) -> tuple[ApiToken, str]:
    """A new API token for `user`: the row and the secret, which is shown this once."""
    authorize(actor, "token.create", user_id=user.id)
    if actor.user_id is not None and actor.user_id != user.id:
        raise InvalidInput("a token can only be made for yourself", field="user")
    if user.email_confirmed_at is None and not actor.is_system:
        raise PermissionDenied(
            f"confirm your address first: open the link we sent to {user.email}", field="name"
        )
    secret = new_token()
    token = ApiToken(
        user_id=user.id,
        name=data.name,
        token_hash=token_hash(secret),
        scopes=sorted({s.value for s in data.scopes}),
        created_at=now,
        expires_at=now + dt.timedelta(days=data.expires_in_days),
    )
    db.add(token)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="token.create",
        object_type="api_token",
        object_id=token.id,
        details={"user_id": user.id, "scopes": token.scopes},
    )
    return token, secret


def list_tokens(*, db: Session, actor: Principal, user_id: int) -> list[ApiToken]:
    """A user's API tokens (never their secrets)."""
    authorize(actor, "account.read_own")
    if not actor.is_system and actor.user_id != user_id:
        authorize(actor, "audit.read")  # only the office looks at another user's tokens
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def revoke_token(*, db: Session, actor: Principal, token_id: int, now: dt.datetime) -> ApiToken:
    """Revokes a token at once; revoking it again changes nothing."""
    token = db.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no API token {token_id}", field="token")
    authorize(actor, "token.revoke", user_id=token.user_id)
    if token.revoked_at is None:
        token.revoked_at = now
        db.flush()
        audit.record(
            db=db,
            actor=actor,
            action="token.revoke",
            object_type="api_token",
            object_id=token.id,
            details={"user_id": token.user_id},
        )
    return token


def token_principal(*, db: Session, secret: str, now: dt.datetime, ip: str | None = None) -> Principal:
    """The Principal of a Bearer token; NotAuthenticated when it is unknown, expired or revoked."""
    token = db.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == token_hash(secret))
        .options(joinedload(ApiToken.user).selectinload(User.grants))
    )
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        raise NotAuthenticated("the API token is unknown, expired or revoked", field="authorization")
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        _touch_token(db, token.id, now)
    return principal_for(token.user, via="token", ip=ip, scopes=frozenset(token.scopes))


# When a token was last used is kept to the minute: writing it on every request would make every request
# of one token wait for the row lock that the previous one holds until its transaction ends.
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


def _touch_token(db: Session, token_id: int, now: dt.datetime) -> None:
    """Records the use in a short transaction of its own, so the request's transaction never holds the lock."""
    cutoff = now - TOKEN_USE_RESOLUTION
    with db.get_bind().connect() as connection:
        connection.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < cutoff))
            .values(last_used_at=now)
        )
        connection.commit()


# --- forgotten passwords --------------------------------------------------------------------------


def request_password_reset(
    *, db: Session, actor: Principal, email: str, base_url: str, now: dt.datetime
) -> None:
    """Mails a one-hour reset link (skillatlas.mail; also written to the log) when the address has an account.

    Says nothing either way, so that the form does not reveal who has an account.
    """
    try:
        user = get_user_by_email(db=db, email=email)
    except NotFound:
        audit.record(
            db=db,
            actor=actor,
            action="password.reset_requested",
            details={"email": email.lower()[:254], "known": False},
        )
        return
    secret = new_token()
    db.add(
        PasswordReset(
            user_id=user.id, token_hash=token_hash(secret), created_at=now, expires_at=now + RESET_LIFETIME
        )
    )
    link = f"{base_url.rstrip('/')}/password/reset?token={secret}"
    mail_accounts.send_password_reset(db=db, user=user, link=link, now=now)
    log.info("password reset link for %s: %s", user.email, link)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="password.reset_requested",
        object_type="user",
        object_id=user.id,
        details={"known": True},
    )


def reset_password(*, db: Session, actor: Principal, secret: str, password: str, now: dt.datetime) -> User:
    """Sets the new password from a reset link; ends the user's sessions."""
    reset = db.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(secret)))
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidInput("this link is unknown, used or expired: ask for a new one", field="token")
    user = get_user(db=db, user_id=reset.user_id)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    reset.used_at = now
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.flush()
    audit.record(
        db=db,
        actor=replace(actor, user_id=None),
        action="password.reset",
        object_type="user",
        object_id=user.id,
        user_id=user.id,
    )
    return user


def outbox(*, db: Session, to_address: str | None = None) -> list[OutboxMessage]:
    """The messages written, newest last."""
    statement = select(OutboxMessage).order_by(OutboxMessage.id)
    if to_address:
        statement = statement.where(func.lower(OutboxMessage.to_address) == to_address.lower())
    return list(db.scalars(statement))


# --- the audit log --------------------------------------------------------------------------------


def audit_entries(
    *, db: Session, actor: Principal, action: str | None = None, limit: int = 100, offset: int = 0
) -> list[AuditEntry]:
    """The audit log, newest first (the office only)."""
    authorize(actor, "audit.read")
    statement = (
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    )
    if action:
        statement = statement.where(AuditEntry.action == action)
    return list(db.scalars(statement))
