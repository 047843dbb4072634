"""Rules of personal data: consents (`has_consent` for other domains), a person's data export, and erasure."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Table, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from skillatlas.alliance.models import Registration
from skillatlas.auth import audit
from skillatlas.auth.models import (
    ApiToken,
    AuditEntry,
    LoginSession,
    OutboxMessage,
    PasswordReset,
    Role,
    User,
)
from skillatlas.auth.passwords import verify_password
from skillatlas.auth.permissions import Principal, authorize
from skillatlas.credentials.models import IssuedCredential
from skillatlas.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from skillatlas.people.models import Person, PersonSkill
from skillatlas.privacy import policy as _policy  # noqa: F401  (registers the rules)
from skillatlas.privacy.models import ConsentPurpose, ConsentRecord, Erasure
from skillatlas.privacy.schemas import ConsentEvent, ConsentState, ErasureRead, PersonalData
from skillatlas.taxonomy.models import Skill

Exporter = Callable[[Session, int], Any]
Eraser = Callable[[Session, int], None]
EXPORTERS: dict[str, Exporter] = {}
ERASERS: dict[str, Eraser] = {}
ERASED_DOMAIN = "erased.invalid"


def register_exporter(name: str, exporter: Exporter) -> None:
    """Adds a domain's part of the export: `exporter(db, person_id)` returns JSON-able data (under `other`)."""
    if name in EXPORTERS and EXPORTERS[name] is not exporter:
        raise ValueError(f"an exporter named {name!r} is registered already")
    EXPORTERS[name] = exporter


def register_eraser(name: str, eraser: Eraser) -> None:
    """Adds a domain's erasure step: `eraser(db, person_id)` removes or pseudonymises what it holds."""
    if name in ERASERS and ERASERS[name] is not eraser:
        raise ValueError(f"an eraser named {name!r} is registered already")
    ERASERS[name] = eraser


def _person(db: Session, person_id: int) -> Person:
    person = db.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id}", field="person_id")
    return person


def _purpose(value: str | ConsentPurpose) -> ConsentPurpose:
    try:
        return ConsentPurpose(value)
    except ValueError as exc:
        known = ", ".join(p.value for p in ConsentPurpose)
        raise InvalidInput(f"purpose: {value!r} is not one of {known}", field="purpose") from exc


# --- consents ------------------------------------------------------------------------------------


def _latest(db: Session, person_id: int) -> dict[ConsentPurpose, ConsentRecord]:
    records = db.scalars(
        select(ConsentRecord).where(ConsentRecord.person_id == person_id).order_by(ConsentRecord.id)
    )
    return {r.purpose: r for r in records}  # the newest row of each purpose wins


def has_consent(db: Session, person_id: int, purpose: str | ConsentPurpose) -> bool:
    """Whether the person's newest record for the purpose gives consent (never asked: False).

    For other domains (expert matching, KPI sharing) to call before they use the data; no permission check.
    """
    wanted = _purpose(purpose)
    given = db.scalar(
        select(ConsentRecord.given)
        .where(ConsentRecord.person_id == person_id, ConsentRecord.purpose == wanted)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )
    return bool(given)


def consenting(db: Session, person_ids: list[int], purpose: str | ConsentPurpose) -> set[int]:
    """Of these persons, those who currently give consent for the purpose (one query, for bulk use)."""
    wanted = _purpose(purpose)
    newest = (
        select(func.max(ConsentRecord.id))
        .where(ConsentRecord.person_id.in_(person_ids), ConsentRecord.purpose == wanted)
        .group_by(ConsentRecord.person_id)
    )
    return set(
        db.scalars(select(ConsentRecord.person_id).where(ConsentRecord.id.in_(newest), ConsentRecord.given))
    )


def consent_facts(db: Session, person_id: int) -> dict[str, frozenset[ConsentPurpose]]:
    """The fact `consents` for the one permission check: the purposes the person consents to now.

    A service that lets someone other than the person use the person's data passes it to `authorize`
    (`authorize(actor, "person.skills.read", person_id=..., **consent_facts(db, person_id))`); the rules
    ask `auth.permissions.consented(purpose)`, and refuse when the fact is missing.
    """
    return {"consents": frozenset(p for p, r in _latest(db, person_id).items() if r.given)}


def _newest(purpose: ConsentPurpose, among: Any = None) -> Any:
    newest = select(func.max(ConsentRecord.id)).where(ConsentRecord.purpose == purpose)
    if among is not None:
        newest = newest.where(ConsentRecord.person_id.in_(among))
    return newest.group_by(ConsentRecord.person_id)


def consenting_ids(purpose: str | ConsentPurpose, among: Any = None) -> Select[tuple[int]]:
    """SQL: the ids of the persons whose newest record for the purpose gives consent (optionally only
    `among` a select of person ids), for set-based reads (the workforce view)."""
    newest = _newest(_purpose(purpose), among)
    return select(ConsentRecord.person_id).where(ConsentRecord.id.in_(newest), ConsentRecord.given.is_(True))


def withdrawn_ids(purpose: str | ConsentPurpose, among: Any = None) -> Select[tuple[int]]:
    """SQL: the ids of the persons whose newest record for the purpose withdraws it (never asked: not here)."""
    newest = _newest(_purpose(purpose), among)
    return select(ConsentRecord.person_id).where(ConsentRecord.id.in_(newest), ConsentRecord.given.is_(False))


# A domain that keeps its own copy of a consent (an expert profile's listing) follows each change here.
ConsentListener = Callable[[Session, int, bool, dt.datetime], None]
CONSENT_LISTENERS: dict[ConsentPurpose, dict[str, ConsentListener]] = {}


def register_consent_listener(purpose: ConsentPurpose, name: str, listener: ConsentListener) -> None:
    """`listener(db, person_id, given, now)` runs in the transaction of every change of the purpose made
    here (the privacy page and API, erasure); a domain's own consent form records through `record_consent`."""
    CONSENT_LISTENERS.setdefault(purpose, {})[name] = listener


def record_consent(
    *,
    db: Session,
    actor: Principal,
    person_id: int,
    purpose: ConsentPurpose,
    given: bool,
    now: dt.datetime,
    source: str,
) -> bool:
    """For a domain whose own form asks for a consent (an expert's listing), after its own permission check:
    records the change when it is one (the newest record differs); True when a record was added. Listeners
    are not told (the caller is the one that changed)."""
    latest = _latest(db, person_id).get(purpose)
    if latest is not None and latest.given == given:
        return False
    if latest is None and not given:
        return False  # never given: nothing to withdraw
    db.add(ConsentRecord(person_id=person_id, purpose=purpose, given=given, at=now, by_user_id=actor.user_id,
                         source=source[:40]))  # fmt: skip
    db.flush()
    return True


def consents_of(*, db: Session, actor: Principal, person_id: int) -> list[ConsentState]:
    """The current state of every purpose for the person (the person, the office)."""
    authorize(actor, "privacy.consent.read", person_id=person_id)
    _person(db, person_id)
    latest = _latest(db, person_id)
    states = []
    for purpose in ConsentPurpose:
        record = latest.get(purpose)
        states.append(
            ConsentState(purpose=purpose, given=False)
            if record is None
            else ConsentState(purpose=purpose, given=record.given, at=record.at, by_user_id=record.by_user_id)
        )
    return states


def consent_history(*, db: Session, actor: Principal, person_id: int) -> list[ConsentEvent]:
    """Every consent given or withdrawn, oldest first."""
    authorize(actor, "privacy.consent.read", person_id=person_id)
    records = db.scalars(
        select(ConsentRecord).where(ConsentRecord.person_id == person_id).order_by(ConsentRecord.id)
    )
    return [ConsentEvent.model_validate(r) for r in records]


def set_consent(
    *,
    db: Session,
    actor: Principal,
    person_id: int,
    purpose: str | ConsentPurpose,
    given: bool,
    now: dt.datetime,
    source: str = "web",
) -> ConsentState:
    """Gives or withdraws a consent; a new record each time (the history stays), audit-logged."""
    authorize(actor, "privacy.consent.set", person_id=person_id)
    wanted = _purpose(purpose)
    _person(db, person_id)
    if _erased(db, person_id):
        raise Conflict("this person's data was erased", field="person_id")
    record = ConsentRecord(
        person_id=person_id, purpose=wanted, given=given, at=now, by_user_id=actor.user_id, source=source[:40]
    )
    db.add(record)
    db.flush()
    for _name, listener in sorted(CONSENT_LISTENERS.get(wanted, {}).items()):
        listener(db, person_id, given, now)
    audit.record(
        db=db,
        actor=actor,
        action="privacy.consent.give" if given else "privacy.consent.withdraw",
        object_type="person",
        object_id=person_id,
        details={"purpose": wanted.value},
    )
    return ConsentState(purpose=wanted, given=given, at=record.at, by_user_id=record.by_user_id)


# --- the export ----------------------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _account(db: Session, person_id: int) -> tuple[User | None, dict[str, Any] | None]:
    user = db.scalar(select(User).where(User.person_id == person_id).options(selectinload(User.grants)))
    if user is None:
        return None, None
    sessions = db.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
    )
    tokens = db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    return user, {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "organisation": user.organisation.slug if user.organisation else None,
        "is_active": user.is_active,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "roles": [
            {
                "role": g.role.value,
                "organisation_id": g.organisation_id,
                "group_id": g.group_id,
                "committee_id": g.committee_id,
                "granted_at": _iso(g.granted_at),
            }
            for g in user.grants
        ],
        # Never a password hash, a session's or token's hash, or a CSRF token.
        "sessions": [
            {
                "created_at": _iso(s.created_at),
                "expires_at": _iso(s.expires_at),
                "ip": s.ip,
                "user_agent": s.user_agent,
            }
            for s in sessions
        ],
        "api_tokens": [
            {
                "name": t.name,
                "scopes": list(t.scopes),
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "revoked_at": _iso(t.revoked_at),
                "last_used_at": _iso(t.last_used_at),
            }
            for t in tokens
        ],
    }


def _skills(db: Session, person_id: int) -> list[dict[str, Any]]:
    rows = db.execute(
        select(PersonSkill, Skill)
        .join(Skill, Skill.id == PersonSkill.skill_id)
        .where(PersonSkill.person_id == person_id)
        .order_by(Skill.preferred_label)
    )
    return [
        {
            "uri": skill.uri,
            "label": skill.preferred_label,
            "level": ps.level.value,
            "source": ps.source.value,
            "evidence": ps.evidence,
            "years": ps.years,
            "updated_at": _iso(ps.updated_at),
        }
        for ps, skill in rows
    ]


def _registrations(db: Session, person_id: int) -> list[dict[str, Any]]:
    found = db.scalars(
        select(Registration)
        .where(Registration.person_id == person_id)
        .order_by(Registration.id)
        .options(selectinload(Registration.event))
    )
    return [
        {
            "event": r.event.slug,
            "event_name": r.event.name,
            "status": r.status.value,
            "registered_at": _iso(r.registered_at),
            "updated_at": _iso(r.updated_at),
        }
        for r in found
    ]


def _credentials(db: Session, person_id: int, erased: bool) -> list[dict[str, Any]]:
    found = db.scalars(
        select(IssuedCredential)
        .where(IssuedCredential.person_id == person_id)
        .order_by(IssuedCredential.id)
        .options(selectinload(IssuedCredential.achievement), selectinload(IssuedCredential.organisation))
    )
    return [
        {
            "id": f"urn:uuid:{c.uuid}",
            "achievement": c.achievement.slug,
            "achievement_name": c.achievement.name,
            "issuer": c.organisation.slug,
            "format": c.format.value,
            "issued_at": _iso(c.issued_at),
            "valid_until": _iso(c.valid_until),
            "revoked_at": _iso(c.revoked_at),
            "suspended_at": _iso(c.suspended_at),
            # as signed: the learner's own copy (an erased person's was removed by the erasure)
            "document": None if erased else c.document,
        }
        for c in found
    ]


def _about(person_id: int, user_id: int | None) -> Any:
    """Audit entries by the person's account, or about the person or their account."""
    about = [(AuditEntry.object_type == "person") & (AuditEntry.object_id == str(person_id))]
    if user_id is not None:
        about += [
            AuditEntry.user_id == user_id,
            (AuditEntry.object_type == "user") & (AuditEntry.object_id == str(user_id)),
        ]
    return or_(*about)


def _audit(db: Session, person_id: int, user_id: int | None) -> list[dict[str, Any]]:
    entries = db.scalars(select(AuditEntry).where(_about(person_id, user_id)).order_by(AuditEntry.id))
    return [
        {
            "at": _iso(e.at),
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "by_this_account": user_id is not None and e.user_id == user_id,
            "ip": e.ip,
            "details": e.details,
        }
        for e in entries
    ]


# Tables the export shows in their own section; every other table with a `person_id` column pointing at the
# person appears under `other` as its rows (so a domain added later is exported without a change here).
COVERED = frozenset(
    {
        "person",
        "person_skill",
        "registration",
        "credential_issued",
        "consent_record",
        "person_erasure",
        "app_user",
    }
)
SECRET_COLUMNS = ("hash", "secret", "sealed", "csrf", "private", "password")


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return None
    return value


def _subject_tables() -> list[Table]:
    from skillatlas.models import metadata  # every domain's tables (imported here: it imports this package)

    return [
        table
        for table in metadata.sorted_tables
        if table.name not in COVERED
        and "person_id" in table.columns
        and any(fk.column.table.name == "person" for fk in table.columns["person_id"].foreign_keys)
    ]


def _other_tables(db: Session, person_id: int) -> dict[str, list[dict[str, Any]]]:
    """The rows about the person (their `person_id`) in the other domains' tables, secrets left out.

    Only the column that names the subject counts: a plan the person trains others in (`trainer_person_id`)
    is the other person's data, not theirs.
    """
    found = {}
    for table in _subject_tables():
        rows = db.execute(select(table).where(table.columns["person_id"] == person_id)).mappings()
        data = [
            {key: _json(value) for key, value in row.items() if not any(s in key for s in SECRET_COLUMNS)}
            for row in rows
        ]
        if data:
            found[table.name] = data
    return found


def export(*, db: Session, actor: Principal, person_id: int, now: dt.datetime) -> PersonalData:
    """Everything the platform holds about the person, as one JSON document (the person, the office).

    Each domain's part comes from its own query: the person, their account (no secrets), login sessions and
    API tokens (no hashes), skills, event registrations, credentials, consents and the audit entries about
    them; then, under `other`, the rows of every further table whose `person_id` column points at the person
    (expert profiles, proposals, development plans, ...: a domain added later is included without a change
    here), and what domains add with `register_exporter`.
    """
    authorize(actor, "privacy.export", person_id=person_id)
    person = _person(db, person_id)
    user, account = _account(db, person_id)
    erased = _erased(db, person_id)
    data = PersonalData(
        exported_at=now,
        person={
            "id": person.id,
            "full_name": person.full_name,
            "email": person.email,
            "kind": person.kind.value,
            "employer": person.employer.slug if person.employer else None,
            "country": person.country,
            "nuts_region": person.nuts_region,
            "external_ref": person.external_ref,
            "created_at": _iso(person.created_at),
            "erased_at": _iso(erased.at) if erased else None,
        },
        account=account,
        skills=_skills(db, person_id),
        registrations=_registrations(db, person_id),
        credentials=_credentials(db, person_id, erased is not None),
        consents={
            "current": [
                s.model_dump(mode="json") for s in consents_of(db=db, actor=actor, person_id=person_id)
            ],
            "history": [
                e.model_dump(mode="json") for e in consent_history(db=db, actor=actor, person_id=person_id)
            ],
        },
        audit=_audit(db, person_id, user.id if user else None),
        other={
            **_other_tables(db, person_id),
            **{name: exporter(db, person_id) for name, exporter in sorted(EXPORTERS.items())},
        },
    )
    audit.record(db=db, actor=actor, action="privacy.export", object_type="person", object_id=person_id)
    return data


# --- erasure -------------------------------------------------------------------------------------


def _erased(db: Session, person_id: int) -> Erasure | None:
    return db.scalar(select(Erasure).where(Erasure.person_id == person_id))


def erased_name(person_id: int) -> str:
    return f"erased person #{person_id}"


def erase(
    *, db: Session, actor: Principal, person_id: int, now: dt.datetime, password: str | None = None
) -> ErasureRead:
    """Removes or pseudonymises the person's personal data; what counts (registrations, credentials,
    outcomes) keeps its rows and ids, now pointing at "erased person #id".

    The person themselves must give their password again; the office erases on request without it. The
    account is closed: its e-mail scrubbed, its password made unusable, sessions ended, tokens revoked.
    Audit entries keep what happened but lose the e-mail address they quoted. Every consent is withdrawn
    (domains that keep a copy, the expert listing, follow). The person's credentials are revoked with the
    reason "erased at the holder's request" and their stored documents (which carry the name) removed:
    their public pages and downloads then say only that the credential was withdrawn at the holder's request.
    """
    authorize(actor, "privacy.erase", person_id=person_id)
    person = _person(db, person_id)
    if _erased(db, person_id) is not None:
        raise Conflict(f"the data of person #{person_id} was erased already", field="person_id")
    user = db.scalar(select(User).where(User.person_id == person_id))
    by_office = actor.has(Role.ALLIANCE_OFFICE) or actor.is_system
    by_self = actor.person_id == person_id
    confirmed = user is not None and bool(password) and verify_password(user.password_hash, password or "")
    if by_self and not by_office and not confirmed:
        raise NotAuthenticated("enter your password to confirm the erasure", field="password")
    emails = {e.lower() for e in (person.email, user.email if user else None) if e}

    person.full_name = erased_name(person_id)
    person.email = None
    person.external_ref = None
    # Country, region, employer and kind stay: they are what the counts and reports group by.
    db.execute(update(PersonSkill).where(PersonSkill.person_id == person_id).values(evidence=""))
    sessions_ended = tokens_revoked = 0
    if user is not None:
        sessions_ended = db.execute(delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount or 0
        tokens_revoked = (
            db.execute(
                update(ApiToken)
                .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=now)
            ).rowcount
            or 0
        )
        db.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
        user.email = f"erased-{user.id}@{ERASED_DOMAIN}"
        user.full_name = erased_name(person_id)
        user.password_hash = "!erased:" + secrets.token_hex(16)  # matches no password
        user.is_active = False
    if emails:
        db.execute(delete(OutboxMessage).where(func.lower(OutboxMessage.to_address).in_(emails)))
        _scrub_audit(db, person_id, user.id if user else None, emails)
    for purpose, record in _latest(db, person_id).items():
        if record.given:
            db.add(ConsentRecord(person_id=person_id, purpose=purpose, given=False, at=now,
                                 by_user_id=actor.user_id, source="erasure"))  # fmt: skip
            db.flush()
            for _name, listener in sorted(CONSENT_LISTENERS.get(purpose, {}).items()):
                listener(db, person_id, False, now)
    _scrub_other_domains(db, person_id, now)
    # Credentials: revoked (the status lists say so to every verifier), their stored documents (which
    # carry the name) removed; the public pages then say "withdrawn at the holder's request".
    from skillatlas.credentials import service as credentials_service  # credentials imports privacy's tables

    credentials_revoked = credentials_service.withdraw_for_erasure(db=db, person_id=person_id, now=now)
    for _name, eraser in sorted(ERASERS.items()):
        eraser(db, person_id)
    requested_by = "self" if by_self else "office"
    db.add(Erasure(person_id=person_id, at=now, by_user_id=actor.user_id, requested_by=requested_by))
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="privacy.erase",
        object_type="person",
        object_id=person_id,
        details={"requested_by": requested_by, "account": user.id if user else None,
                 "credentials_revoked": credentials_revoked},
    )  # fmt: skip
    return ErasureRead(
        person_id=person_id,
        erased_at=now,
        requested_by=requested_by,
        sessions_ended=sessions_ended,
        tokens_revoked=tokens_revoked,
        credentials_revoked=credentials_revoked,
    )


# Other domains' columns that hold personal free text or identify the person, and what erasure leaves there.
# Applied only where the table and column exist, so a domain's schema may grow without breaking erasure.
PERSONAL_COLUMNS: dict[str, dict[str, Any]] = {
    "expert_profile": {"headline": "", "bio": "", "external_id": None, "listed": False},
    "development_plan": {"goals": ""},
}
# Columns set to the erasure time (a consent kept by another domain is withdrawn).
WITHDRAWN_AT_COLUMNS: dict[str, str] = {"expert_profile": "consent_withdrawn_at"}


def _scrub_other_domains(db: Session, person_id: int, now: dt.datetime) -> None:
    tables = {t.name: t for t in _subject_tables()}
    for name, values in PERSONAL_COLUMNS.items():
        table = tables.get(name)
        if table is None:
            continue
        changes = {column: value for column, value in values.items() if column in table.columns}
        withdrawn = WITHDRAWN_AT_COLUMNS.get(name)
        if withdrawn and withdrawn in table.columns:
            changes[withdrawn] = now
        if changes:
            db.execute(update(table).where(table.columns["person_id"] == person_id).values(**changes))


def _scrub_audit(db: Session, person_id: int, user_id: int | None, emails: set[str]) -> None:
    """Audit details that quote the e-mail address (failed logins, password resets) get it replaced."""
    replacement = erased_name(person_id)
    candidates = db.scalars(
        select(AuditEntry).where(
            or_(
                _about(person_id, user_id),
                AuditEntry.action.in_(("login.failure", "password.reset_requested")),
            )
        )
    )
    for entry in candidates:
        details = dict(entry.details or {})
        changed = False
        for key, value in details.items():
            if isinstance(value, str) and value.lower() in emails:
                details[key] = replacement
                changed = True
        if changed:
            entry.details = details
    db.flush()


def is_erased(*, db: Session, person_id: int) -> bool:
    """Whether the person's data was erased (no permission check: it says nothing personal)."""
    return _erased(db, person_id) is not None
