"""Rules of micro-credentials: achievements, issuer identities and keys, issuing, revoking, verifying."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Event, Organisation, Registration, RegistrationStatus
from skillatlas.auth import audit
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SYSTEM, Principal, allowed, authorize
from skillatlas.credentials import document, jsonld, keys, proofs, status
from skillatlas.credentials import policy as _policy  # registers the rules
from skillatlas.credentials.models import (
    Achievement,
    AwardedFor,
    CredentialFormat,
    IdentityMethod,
    IssuedCredential,
    IssuerKey,
    KeyStatus,
    StatusList,
)
from skillatlas.credentials.schemas import (
    AchievementCreate,
    AchievementRead,
    AchievementUpdate,
    BulkIssueRequest,
    BulkOutcomeRead,
    CourseIssueRequest,
    EventIssueRequest,
    IssuedRead,
    IssueRequest,
    IssuerIdentity,
    SkippedRead,
    VerificationReport,
)
from skillatlas.credentials.verify import ResolutionError, ResolvedKey, resolve_did_key
from skillatlas.credentials.verify import verify as verify_credential
from skillatlas.errors import Conflict, InvalidInput, NotFound, SkillAtlasError
from skillatlas.kpi import service as kpi_service
from skillatlas.mail import notify as mail_notify
from skillatlas.people.models import Person
from skillatlas.privacy import service as privacy_service
from skillatlas.privacy.models import ConsentPurpose, Erasure
from skillatlas.taxonomy.models import Skill
from skillatlas.validation import slugify


@dataclass(frozen=True)
class Issuing:
    """Where the platform is published (for status-list URLs and did:web) and where its keys are sealed."""

    base_url: str
    data_dir: Path

    def kek(self) -> bytes:
        return keys.load_kek(self.data_dir)


# --- achievements ----------------------------------------------------------------------------------


def _aligned_skills(db: Session, uris: list[str]) -> list[dict[str, str]]:
    """The skills with their labels; once the taxonomy is loaded, every URI must be one of its skills."""
    if not uris:
        return []
    loaded = db.scalar(select(func.count()).select_from(Skill)) or 0
    if not loaded:
        return [{"uri": u, "label": u.rsplit("/", 1)[-1]} for u in uris]
    found = {s.uri: s for s in db.scalars(select(Skill).where(Skill.uri.in_(uris)))}
    missing = [u for u in uris if u not in found]
    if missing:
        raise InvalidInput(f"skills: {missing[0]} is not a skill of the taxonomy", field="skills")
    return [{"uri": u, "label": found[u].preferred_label} for u in uris]


def _event_facts(event: Any) -> dict[str, Any]:
    """What the permission check needs to know about an event: its group and its organisers."""
    return {
        **alliance_service.event_facts(event),
        "organiser_ids": frozenset(o.id for o in event.organisers),
    }


def _link_event(db: Session, actor: Principal, achievement: Achievement, event_slug: str | None) -> None:
    """The event (if any) whose attendees receive the achievement when marked attended; one badge per event."""
    current = list(db.scalars(select(Event).where(Event.achievement_id == achievement.id)))
    event = None
    if event_slug:
        try:
            event = alliance_service.get_event(db=db, slug=event_slug)
        except NotFound as exc:
            raise NotFound(f"no event {event_slug!r}", field="awarded_for_ref") from exc
    for old in current:
        if event is None or old.id != event.id:
            authorize(
                actor, "credentials.event.link", organisation_id=achievement.issuer_id, **_event_facts(old)
            )
            old.achievement_id = None
    if event is None or event.achievement_id == achievement.id:
        return
    authorize(actor, "credentials.event.link", organisation_id=achievement.issuer_id, **_event_facts(event))
    if event.achievement_id is not None:
        other = db.get(Achievement, event.achievement_id)
        raise Conflict(
            f"{event.name} awards {other.name if other else 'another achievement'} already",
            field="awarded_for_ref",
        )
    event.achievement_id = achievement.id


def _check_name(db: Session, name: str, achievement_id: int | None = None) -> str:
    slug = slugify(name)
    clash = db.scalar(
        select(Achievement.id).where(Achievement.slug == slug, Achievement.id != (achievement_id or 0))
    )
    if clash:
        raise Conflict(f"an achievement named {name!r} exists already", field="name")
    return slug


def create_achievement(*, db: Session, actor: Principal, data: AchievementCreate) -> Achievement:
    """A new achievement of an issuing organisation, aligned to taxonomy skills; an event it is awarded at
    gives it to everyone marked attended there."""
    issuer = alliance_service.get_organisation(db=db, slug=data.issuer)
    authorize(actor, "credentials.achievement.create", organisation_id=issuer.id)
    slug = _check_name(db, data.name)
    achievement = Achievement(
        uuid=str(uuidlib.uuid4()),
        slug=slug,
        issuer=issuer,
        skills=_aligned_skills(db, data.skills),
        **data.model_dump(exclude={"issuer", "skills"}),
    )
    db.add(achievement)
    db.flush()
    event = data.awarded_for_ref if data.awarded_for == AwardedFor.EVENT else None
    _link_event(db, actor, achievement, event)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="credentials.achievement.create",
        object_type="achievement",
        object_id=achievement.id,
        details={"slug": slug, "issuer": issuer.slug},
    )
    return achievement


def update_achievement(
    *, db: Session, actor: Principal, ref: str | int, data: AchievementUpdate
) -> Achievement:
    """Changes an achievement; its slug stays. Credentials issued before keep what they were signed with; the
    issuer changes only while none is issued (they name the issuer's key)."""
    achievement = get_achievement(db=db, ref=ref)
    authorize(actor, "credentials.achievement.edit", organisation_id=achievement.issuer_id)
    issuer = alliance_service.get_organisation(db=db, slug=data.issuer)
    if issuer.id != achievement.issuer_id:
        authorize(actor, "credentials.achievement.edit", organisation_id=issuer.id)
        if db.scalar(
            select(IssuedCredential.id).where(IssuedCredential.achievement_id == achievement.id).limit(1)
        ):
            raise Conflict(
                "credentials of this achievement are issued: its issuer cannot change", field="issuer"
            )
        achievement.issuer = issuer
    _check_name(db, data.name, achievement.id)
    achievement.skills = _aligned_skills(db, data.skills)
    for name, value in data.model_dump(exclude={"issuer", "skills"}).items():
        setattr(achievement, name, value)
    event = data.awarded_for_ref if data.awarded_for == AwardedFor.EVENT else None
    _link_event(db, actor, achievement, event)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="credentials.achievement.edit",
        object_type="achievement",
        object_id=achievement.id,
        details={"slug": achievement.slug, "issuer": issuer.slug},
    )
    return achievement


def linked_event(*, db: Session, achievement: Achievement) -> Event | None:
    """The event whose attendees receive the achievement automatically, if any."""
    return db.scalar(select(Event).where(Event.achievement_id == achievement.id).limit(1))


def get_achievement(*, db: Session, ref: str | int) -> Achievement:
    """The achievement by id or slug, or NotFound."""
    text = str(ref).strip()
    condition = Achievement.id == int(text) if text.isdigit() else Achievement.slug == text
    found = db.scalar(select(Achievement).where(condition).options(selectinload(Achievement.issuer)))
    if found is None:
        raise NotFound(f"no achievement {text!r}", field="achievement")
    return found


def list_achievements(*, db: Session, issuer: str | None = None) -> list[Achievement]:
    statement = select(Achievement).order_by(Achievement.name).options(selectinload(Achievement.issuer))
    if issuer:
        statement = statement.join(Achievement.issuer).where(Organisation.slug == issuer)
    return list(db.scalars(statement))


def achievement_read(achievement: Achievement) -> AchievementRead:
    return AchievementRead.model_validate(
        {
            **{c: getattr(achievement, c) for c in AchievementRead.model_fields if c != "issuer"},
            "issuer": achievement.issuer.slug,
        }
    )


# --- issuer identities and keys ------------------------------------------------------------------


def _did_web(domain: str, organisation: Organisation) -> str:
    return f"did:web:{domain}:credentials:issuers:{organisation.slug}"


def _new_key(
    db: Session,
    organisation: Organisation,
    issuing: Issuing,
    method: IdentityMethod,
    domain: str | None,
    now: dt.datetime,
) -> IssuerKey:
    private = keys.new_private_key()
    multikey = keys.public_multikey(private.public_key())
    if method == IdentityMethod.WEB:
        assert domain is not None
        did = _did_web(domain, organisation)
    else:
        did = "did:key:" + multikey
    verification_method = f"{did}#{multikey}"
    key = IssuerKey(
        organisation=organisation,
        method=method,
        did=did,
        verification_method=verification_method,
        public_key_multibase=multikey,
        private_key_sealed=keys.seal(issuing.kek(), keys.raw_private(private), label=verification_method),
        status=KeyStatus.ACTIVE,
        created_at=now,
    )
    db.add(key)
    db.flush()
    return key


def active_key(*, db: Session, organisation: Organisation) -> IssuerKey | None:
    return db.scalar(
        select(IssuerKey).where(
            IssuerKey.organisation_id == organisation.id, IssuerKey.status == KeyStatus.ACTIVE
        )
    )


def ensure_key(*, db: Session, organisation: Organisation, issuing: Issuing, now: dt.datetime) -> IssuerKey:
    """The organisation's active key, generated (did:key) on its first credential."""
    return active_key(db=db, organisation=organisation) or _new_key(
        db, organisation, issuing, IdentityMethod.KEY, None, now
    )


def _retire(key: IssuerKey, now: dt.datetime) -> None:
    key.status = KeyStatus.RETIRED
    key.retired_at = now


def rotate_key(
    *,
    db: Session,
    actor: Principal,
    organisation: str,
    issuing: Issuing,
    now: dt.datetime,
    identity: IssuerIdentity | None = None,
) -> IssuerKey:
    """Retires the active key and makes a new one (keeping did:web, or switching as `identity` says).

    What the retired key signed stays valid: it remains in the DID document (did:web) or resolves itself
    (did:key), and it keeps signing the status list of its own did:key identity.
    """
    org = alliance_service.get_organisation(db=db, slug=organisation)
    authorize(actor, "credentials.keys.manage", organisation_id=org.id)
    current = active_key(db=db, organisation=org)
    method, domain = IdentityMethod.KEY, None
    if identity is not None:
        method, domain = identity.method, identity.domain
    elif current is not None and current.method == IdentityMethod.WEB:
        method, domain = IdentityMethod.WEB, current.did.split(":")[2]
    if current is not None:
        _retire(current, now)
        db.flush()
    key = _new_key(db, org, issuing, method, domain, now)
    audit.record(
        db=db,
        actor=actor,
        action="credentials.keys.rotate",
        object_type="organisation",
        object_id=org.id,
        details={"did": key.did, "retired": current.verification_method if current else None},
    )
    return key


def _private_key(key: IssuerKey, kek: bytes) -> Any:
    return keys.private_from_raw(keys.unseal(kek, key.private_key_sealed, label=key.verification_method))


def keys_of(*, db: Session, organisation: str) -> list[IssuerKey]:
    org = alliance_service.get_organisation(db=db, slug=organisation)
    return list(
        db.scalars(select(IssuerKey).where(IssuerKey.organisation_id == org.id).order_by(IssuerKey.id))
    )


def did_document_for(*, db: Session, organisation: str) -> dict[str, Any]:
    """The did:web document of an organisation: all its did:web keys, the retired ones too."""
    org = alliance_service.get_organisation(db=db, slug=organisation)
    web_keys = list(
        db.scalars(
            select(IssuerKey)
            .where(IssuerKey.organisation_id == org.id, IssuerKey.method == IdentityMethod.WEB)
            .order_by(IssuerKey.id)
        )
    )
    if not web_keys:
        raise NotFound(f"{org.name} has no did:web identity", field="organisation")
    did = web_keys[-1].did
    return document.did_document(did, [k for k in web_keys if k.did == did])


# --- status lists --------------------------------------------------------------------------------


def status_url(base_url: str, path: str, purpose: str) -> str:
    return f"{base_url.rstrip('/')}/credentials/status/{path}/{purpose}"


def _signing_key_for(db: Session, did: str) -> IssuerKey:
    """The key that signs an identity's status lists: its active key, else its newest retired one."""
    found = list(db.scalars(select(IssuerKey).where(IssuerKey.did == did).order_by(IssuerKey.id.desc())))
    active = [k for k in found if k.status == KeyStatus.ACTIVE]
    return (active or found)[0]


def _sign_list(
    db: Session,
    status_list: StatusList,
    purpose: str,
    issuing: Issuing,
    now: dt.datetime,
    kek: bytes | None = None,
) -> None:
    key = _signing_key_for(db, status_list.did)
    bits = status_list.revocation if purpose == "revocation" else status_list.suspension
    url = status_url(issuing.base_url, status_list.path, purpose)
    unsigned = document.status_list_credential(
        url=url, issuer_did=status_list.did, purpose=purpose, encoded=status.encode(bits), at=now
    )
    signed = proofs.sign_data_integrity(
        unsigned,
        key=_private_key(key, kek or issuing.kek()),
        verification_method=key.verification_method,
        created=document.timestamp(now),
    )
    setattr(status_list, f"{purpose}_credential", json.dumps(signed, ensure_ascii=False))
    status_list.updated_at = now


def _status_list_for(db: Session, key: IssuerKey, issuing: Issuing, now: dt.datetime) -> StatusList:
    """The status lists of the key's identity, created (and signed) on first use; the row is locked."""
    found = db.scalar(select(StatusList).where(StatusList.did == key.did).with_for_update())
    if found is not None:
        return found
    existing = db.scalar(select(func.count()).where(StatusList.organisation_id == key.organisation_id)) or 0
    slug = key.organisation.slug
    created = StatusList(
        organisation_id=key.organisation_id,
        did=key.did,
        path=slug if existing == 0 else f"{slug}.{existing + 1}",
        bits=status.LIST_BITS,
        next_sequence=0,
        revocation=status.empty_list(),
        suspension=status.empty_list(),
        updated_at=now,
    )
    db.add(created)
    db.flush()
    for purpose in status.PURPOSES:
        _sign_list(db, created, purpose, issuing, now)
    db.flush()
    return created


def status_list_document(*, db: Session, path: str, purpose: str) -> dict[str, Any]:
    """The signed BitstringStatusListCredential published at /credentials/status/{path}/{purpose}."""
    if purpose not in status.PURPOSES:
        raise NotFound(f"no status purpose {purpose!r}: use revocation or suspension", field="purpose")
    found = db.scalar(select(StatusList).where(StatusList.path == path))
    if found is None:
        raise NotFound(f"no status list {path!r}", field="issuer")
    return json.loads(getattr(found, f"{purpose}_credential"))


# --- issuing -------------------------------------------------------------------------------------


def _subject_id(issuing: Issuing, person: Person) -> str:
    return "urn:uuid:" + str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"{issuing.base_url}/people/{person.id}"))


class _Signer:
    """Everything one issuer needs to sign many credentials: loaded, decrypted and locked once."""

    def __init__(self, db: Session, achievement: Achievement, issuing: Issuing, now: dt.datetime) -> None:
        organisation = achievement.issuer
        self.key = ensure_key(db=db, organisation=organisation, issuing=issuing, now=now)
        self.private = _private_key(self.key, issuing.kek())
        self.status_list = _status_list_for(db, self.key, issuing, now)
        self.list_url = status_url(issuing.base_url, self.status_list.path, "revocation")
        self.suspension_url = status_url(issuing.base_url, self.status_list.path, "suspension")
        self.issuer = document.issuer_profile(
            did=self.key.did,
            name=organisation.name,
            country=organisation.country,
            region=organisation.nuts_region,
            url=organisation.website,
        )
        self.achievement_doc = document.achievement_document(achievement)
        self.achievement = achievement
        self.issuing = issuing
        self.now = now
        self.db = db
        self.named: set[int] | None = None  # who shows their name (`prepare`); None: asked per person

    def prepare(self, person_ids: list[int]) -> None:
        """Reads at once, for many learners, who chose to show their name in their credentials."""
        self.named = set()
        for start in range(0, len(person_ids), 20_000):
            chunk = person_ids[start : start + 20_000]
            self.named |= privacy_service.consenting(self.db, chunk, ConsentPurpose.NAME_ON_CREDENTIALS)

    def _shows_name(self, person: Person) -> bool:
        if self.named is not None:
            return person.id in self.named
        return privacy_service.has_consent(self.db, person.id, ConsentPurpose.NAME_ON_CREDENTIALS)

    def sign(self, person: Person, fmt: CredentialFormat) -> IssuedCredential:
        sequence = self.status_list.next_sequence
        index = status.index_for(sequence, self.status_list.bits)
        self.status_list.next_sequence = sequence + 1
        credential_uuid = str(uuidlib.uuid4())
        valid_until = (
            self.now + dt.timedelta(days=self.achievement.valid_for_days)
            if self.achievement.valid_for_days
            else None
        )
        subject = document.learner_subject(
            subject_id=_subject_id(self.issuing, person),
            full_name=person.full_name,
            email=person.email,
            achievement=self.achievement_doc,
            salt=secrets.token_hex(8),
            show_name=self._shows_name(person),
            name_salt=secrets.token_hex(8),
        )
        unsigned = document.open_badge_credential(
            credential_id=f"urn:uuid:{credential_uuid}",
            issuer=self.issuer,
            subject=subject,
            issued_at=self.now,
            valid_until=valid_until,
            status_entry=document.status_entries(
                revocation_url=self.list_url, suspension_url=self.suspension_url, index=index
            ),
            extension=jsonld.extension_url(self.issuing.base_url),
        )
        if fmt == CredentialFormat.JWT:
            text = proofs.sign_jwt(unsigned, key=self.private, kid=self.key.verification_method)
        else:
            signed = proofs.sign_data_integrity(
                unsigned,
                key=self.private,
                verification_method=self.key.verification_method,
                created=document.timestamp(self.now),
            )
            text = json.dumps(signed, ensure_ascii=False, indent=2)
        # The KPI "successful training certifications", counted in the same transaction as the issuing.
        kpi_service.record_for_person(
            db=self.db,
            kind="certification",
            person=person,
            occurred_on=self.now.date(),
            source="credentials",
            source_ref=f"credential:{credential_uuid}",
            organisation=self.achievement.issuer,
        )
        return IssuedCredential(
            uuid=credential_uuid,
            achievement_id=self.achievement.id,
            person_id=person.id,
            organisation_id=self.achievement.issuer_id,
            key_id=self.key.id,
            format=fmt,
            status_list_id=self.status_list.id,
            status_index=index,
            issued_at=self.now,
            valid_until=valid_until,
            document=text,
        )


def learner_of(db: Session, person_id: int | None, email: str | None) -> Person:
    """The person by id or by e-mail address (case does not matter), or NotFound; an erased person is
    refused (Conflict): nothing new is issued in the name of someone whose data was erased."""
    if person_id is not None:
        person = db.get(Person, person_id)
        if person is None:
            raise NotFound(f"no person with id {person_id}", field="learner")
        if privacy_service.is_erased(db=db, person_id=person.id):
            raise Conflict(f"the data of person {person_id} was erased: nothing can be issued to them",
                           field="learner")  # fmt: skip
        return person
    address = (email or "").strip().lower()
    found = db.scalar(select(Person).where(func.lower(Person.email) == address))
    if found is None:
        raise NotFound(f"no person with the e-mail address {email!r}", field="email")
    return found


def issue(
    *, db: Session, actor: Principal, data: IssueRequest, issuing: Issuing, now: dt.datetime
) -> IssuedCredential:
    """Signs one credential for a learner (Data Integrity proof or JWT) and records it."""
    achievement = get_achievement(db=db, ref=data.achievement)
    authorize(actor, "credentials.issue", organisation_id=achievement.issuer_id)
    person = learner_of(db, data.learner, data.email)
    issued = _Signer(db, achievement, issuing, now).sign(person, data.format)
    db.add(issued)
    db.flush()
    mail_notify.credential_received(db, issued)
    audit.record(
        db=db,
        actor=actor,
        action="credentials.issue",
        object_type="credential",
        object_id=issued.uuid,
        details={"achievement": achievement.slug, "person_id": person.id},
    )
    return issued


def issue_bulk(
    *,
    db: Session,
    actor: Principal,
    data: BulkIssueRequest,
    issuing: Issuing,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
    batch: int = 2000,
) -> list[IssuedCredential]:
    """Signs one credential per learner in one transaction: all are issued, or (on any error) none."""
    achievement = get_achievement(db=db, ref=data.achievement)
    authorize(actor, "credentials.issue", organisation_id=achievement.issuer_id)
    wanted = list(dict.fromkeys(data.learners))
    persons: dict[int, Person] = {}
    for start in range(0, len(wanted), 20_000):
        chunk = wanted[start : start + 20_000]
        persons.update({p.id: p for p in db.scalars(select(Person).where(Person.id.in_(chunk)))})
    missing = [p for p in wanted if p not in persons]
    if missing:
        raise NotFound(f"no person with id {missing[0]} ({len(missing)} unknown in all)", field="learners")
    erased = _erased_among(db, wanted)
    if erased:
        raise Conflict(f"the data of person {min(erased)} was erased: nothing can be issued to them "
                       f"({len(erased)} erased in all)", field="learners")  # fmt: skip
    signer = _Signer(db, achievement, issuing, now)
    signer.prepare(wanted)
    if signer.status_list.next_sequence + len(wanted) > signer.status_list.bits:
        raise Conflict(
            "the issuer's status list is full: rotate the key to start a new one", field="learners"
        )
    issued: list[IssuedCredential] = []
    pending: list[IssuedCredential] = []
    for person_id in wanted:
        credential = signer.sign(persons[person_id], data.format)
        issued.append(credential)
        pending.append(credential)
        if len(pending) >= batch:
            db.add_all(pending)
            db.flush()
            pending = []
        if progress:
            progress(1)
    db.add_all(pending)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="credentials.issue_bulk",
        object_type="achievement",
        object_id=achievement.id,
        details={"count": len(issued), "format": data.format.value},
    )
    return issued


# --- finding recipients, issuing to an event's attendees or a course's graduates ------------------


MIN_QUERY = 2


def issuable_achievements(*, db: Session, actor: Principal) -> list[Achievement]:
    """The achievements this actor may issue (the office: all; a manager: their organisations')."""
    return [
        a
        for a in list_achievements(db=db)
        if allowed(actor, "credentials.issue", organisation_id=a.issuer_id)
    ]


def issuer_choices(*, db: Session, actor: Principal) -> list[Organisation]:
    """The organisations this actor may define achievements for."""
    if actor.is_system or actor.has(Role.ALLIANCE_OFFICE):
        return alliance_service.list_organisations(db=db)
    managed = {g.organisation_id for g in actor.grants if g.role == Role.ORGANISATION_MANAGER}
    return [o for o in alliance_service.list_organisations(db=db) if o.id in managed]


def find_recipients(
    *, db: Session, actor: Principal, achievement_ref: str | int, query: str, limit: int = 10
) -> list[Person]:
    """Persons whose name or e-mail address contains `query` (at least two letters), for choosing who receives
    the achievement. The office finds everyone; an issuer's managers find their own organisations' staff, and
    anyone whose full e-mail address they type. Erased persons are never found."""
    from skillatlas.privacy.models import Erasure

    achievement = get_achievement(db=db, ref=achievement_ref)
    authorize(actor, "credentials.issue.find_recipient", organisation_id=achievement.issuer_id)
    text = query.strip().lower()
    if len(text) < MIN_QUERY:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = or_(
        func.lower(Person.full_name).like(pattern, escape="\\"),
        func.lower(Person.email).like(pattern, escape="\\"),
    )
    if not (actor.is_system or actor.has(Role.ALLIANCE_OFFICE)):
        managed = [g.organisation_id for g in actor.grants if g.role == Role.ORGANISATION_MANAGER]
        matches = or_(
            and_(matches, Person.employer_id.in_(managed)),
            func.lower(Person.email) == text,
        )
    erased = select(Erasure.person_id)
    return list(
        db.scalars(
            select(Person)
            .where(matches, Person.id.not_in(erased))
            .order_by(Person.full_name, Person.id)
            .limit(limit)
            .options(selectinload(Person.employer))
        )
    )


def recipient(
    *, db: Session, actor: Principal, achievement_ref: str | int, person_id: int, query: str = ""
) -> Person:
    """A person chosen from `find_recipients`, checked against the same scope (a page sends the person's id and
    the text that found them back), or NotFound."""
    from skillatlas.privacy.models import Erasure

    achievement = get_achievement(db=db, ref=achievement_ref)
    authorize(actor, "credentials.issue.find_recipient", organisation_id=achievement.issuer_id)
    person = db.get(Person, person_id)
    erased = person is not None and db.scalar(select(Erasure.id).where(Erasure.person_id == person.id))
    if person is None or erased:
        raise NotFound("no such recipient: search again and choose from the list", field="person")
    if actor.is_system or actor.has(Role.ALLIANCE_OFFICE):
        return person
    managed = {g.organisation_id for g in actor.grants if g.role == Role.ORGANISATION_MANAGER}
    typed = (person.email or "").lower() == query.strip().lower() != ""
    if person.employer_id in managed or typed:
        return person
    raise NotFound("no such recipient: search again and choose from the list", field="person")


def linkable_events(*, db: Session, actor: Principal) -> list[Event]:
    """Events whose attendance this actor sees, so may link a badge to (newest first)."""
    events = alliance_service.list_events(db=db)
    events.reverse()
    if actor.is_system or actor.has(Role.ALLIANCE_OFFICE):
        return events
    return [e for e in events if _policy.sees_the_event(actor, _event_facts(e))]


def holders(*, db: Session, achievement_id: int, person_ids: list[int]) -> set[int]:
    """Which of the persons hold the achievement already (a credential not revoked, suspended included)."""
    found: set[int] = set()
    for start in range(0, len(person_ids), 20_000):
        chunk = person_ids[start : start + 20_000]
        found.update(
            db.scalars(
                select(IssuedCredential.person_id).where(
                    IssuedCredential.achievement_id == achievement_id,
                    IssuedCredential.person_id.in_(chunk),
                    IssuedCredential.revoked_at.is_(None),
                )
            )
        )
    return found


@dataclass
class BulkOutcome:
    """What a bulk issuing did (or, on a dry run, would do): who receives the achievement, who is skipped."""

    achievement: Achievement
    source: str
    dry_run: bool
    recipients: list[Person]
    skipped: list[tuple[Person, str]]
    issued: list[IssuedCredential]


def bulk_read(outcome: BulkOutcome) -> BulkOutcomeRead:
    return BulkOutcomeRead(
        achievement=outcome.achievement.slug,
        source=outcome.source,
        dry_run=outcome.dry_run,
        count=len(outcome.recipients),
        learners=[p.id for p in outcome.recipients],
        ids=[f"urn:uuid:{c.uuid}" for c in outcome.issued],
        skipped=[SkippedRead(learner=p.id, name=p.full_name, reason=why) for p, why in outcome.skipped],
    )


def _issue_to(
    db: Session,
    actor: Principal,
    achievement: Achievement,
    person_ids: list[int],
    source: str,
    fmt: CredentialFormat,
    dry_run: bool,
    issuing: Issuing,
    now: dt.datetime,
    progress: Callable[[int], None] | None,
) -> BulkOutcome:
    """Issues to each person who does not hold the achievement yet, in the caller's one transaction."""
    wanted = list(dict.fromkeys(person_ids))
    persons: dict[int, Person] = {}
    for start in range(0, len(wanted), 20_000):
        chunk = wanted[start : start + 20_000]
        persons.update({p.id: p for p in db.scalars(select(Person).where(Person.id.in_(chunk)))})
    have = holders(db=db, achievement_id=achievement.id, person_ids=wanted)
    erased = _erased_among(db, wanted)
    recipients = [persons[p] for p in wanted if p in persons and p not in have and p not in erased]
    skipped = [(persons[p], "holds it already") for p in wanted if p in have]
    skipped += [(persons[p], "their data was erased") for p in wanted if p in erased and p not in have]
    outcome = BulkOutcome(achievement, source, dry_run, recipients, skipped, [])
    if dry_run or not recipients:
        return outcome
    signer = _Signer(db, achievement, issuing, now)
    signer.prepare([p.id for p in recipients])
    if signer.status_list.next_sequence + len(recipients) > signer.status_list.bits:
        raise Conflict(
            "the issuer's status list is full: rotate the key to start a new one", field="learners"
        )
    pending: list[IssuedCredential] = []
    for person in recipients:
        credential = signer.sign(person, fmt)
        outcome.issued.append(credential)
        pending.append(credential)
        if len(pending) >= 2000:
            db.add_all(pending)
            db.flush()
            pending = []
        if progress:
            progress(1)
    db.add_all(pending)
    db.flush()
    for credential in outcome.issued:
        mail_notify.credential_received(db, credential)
    audit.record(
        db=db,
        actor=actor,
        action="credentials.issue_bulk",
        object_type="achievement",
        object_id=achievement.id,
        details={"count": len(outcome.issued), "skipped": len(skipped), "source": source},
    )
    return outcome


def attendees(*, db: Session, event: Event) -> list[int]:
    """The persons marked attended at the event, in the order they registered."""
    return list(
        db.scalars(
            select(Registration.person_id)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.ATTENDED)
            .order_by(Registration.id)
        )
    )


def issue_for_event(
    *,
    db: Session,
    actor: Principal,
    data: EventIssueRequest,
    issuing: Issuing,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> BulkOutcome:
    """Everyone marked attended at the event receives the achievement (the event's own badge unless another is
    named); whoever holds it already is skipped. One transaction: all are issued, or none."""
    event = alliance_service.get_event(db=db, slug=data.event)
    ref: str | int | None = data.achievement or event.achievement_id
    if ref is None:
        raise InvalidInput(
            f"{event.name} awards no badge of its own: choose the achievement", field="achievement"
        )
    achievement = get_achievement(db=db, ref=ref)
    authorize(actor, "credentials.issue.event", organisation_id=achievement.issuer_id, **_event_facts(event))
    return _issue_to(
        db, actor, achievement, attendees(db=db, event=event), f"attendance at {event.name}",
        data.format, data.dry_run, issuing, now, progress,
    )  # fmt: skip


def graduates(*, db: Session, course_id: int) -> list[int]:
    """The persons who passed the course (an outcome recorded on one of their development plans)."""
    from skillatlas.learning.models import DevelopmentPlan, Outcome, PlanCourse

    rows = db.scalars(
        select(DevelopmentPlan.person_id)
        .join(PlanCourse, PlanCourse.plan_id == DevelopmentPlan.id)
        .where(PlanCourse.course_id == course_id, PlanCourse.outcome == Outcome.PASSED)
        .order_by(PlanCourse.completed_at, DevelopmentPlan.id)
    )
    return list(dict.fromkeys(rows))


def issue_for_course(
    *,
    db: Session,
    actor: Principal,
    data: CourseIssueRequest,
    issuing: Issuing,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> BulkOutcome:
    """Everyone who passed the course receives the achievement; whoever holds it already is skipped."""
    from skillatlas.learning.models import Course

    course = db.get(Course, data.course)
    if course is None:
        raise NotFound(f"no course with id {data.course}", field="course")
    achievement = get_achievement(db=db, ref=data.achievement)
    authorize(
        actor,
        "credentials.issue.course",
        organisation_id=achievement.issuer_id,
        provider_id=course.provider_id,
    )
    return _issue_to(
        db, actor, achievement, graduates(db=db, course_id=course.id), f"course {course.code} {course.title}",
        data.format, data.dry_run, issuing, now, progress,
    )  # fmt: skip


def attendance_sources(*, db: Session, actor: Principal) -> list[tuple[Event, int]]:
    """Events with attendance this actor may issue to, with the number marked attended, newest first."""
    counts = dict(
        db.execute(
            select(Registration.event_id, func.count())
            .where(Registration.status == RegistrationStatus.ATTENDED)
            .group_by(Registration.event_id)
        ).all()
    )
    if not counts:
        return []
    events = db.scalars(
        select(Event).where(Event.id.in_(list(counts))).order_by(Event.starts_on.desc(), Event.id)
    )
    office = actor.is_system or actor.has(Role.ALLIANCE_OFFICE)
    return [(e, counts[e.id]) for e in events if office or _policy.sees_the_event(actor, _event_facts(e))]


def course_sources(*, db: Session, actor: Principal) -> list[tuple[Any, int]]:
    """Courses someone passed that this actor may issue to, with the number who passed."""
    from skillatlas.learning.models import Course, DevelopmentPlan, Outcome, PlanCourse

    rows = db.execute(
        select(Course, func.count(func.distinct(DevelopmentPlan.person_id)))
        .join(PlanCourse, PlanCourse.course_id == Course.id)
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanCourse.plan_id)
        .where(PlanCourse.outcome == Outcome.PASSED)
        .group_by(Course.id)
        .order_by(Course.title, Course.id)
    ).all()
    office = actor.is_system or actor.has(Role.ALLIANCE_OFFICE)
    return [
        (course, count)
        for course, count in rows
        if office or actor.has(Role.ORGANISATION_MANAGER, organisation_id=course.provider_id)
    ]


def _session_now(db: Session) -> dt.datetime:
    """The app's clock (the web app puts it on its sessions), else the wall clock."""
    clock = db.info.get("skillatlas.clock")
    return clock() if callable(clock) else dt.datetime.now(dt.UTC)


def _session_issuing(db: Session) -> Issuing:
    """Where the app's credentials point and its keys are sealed: the app's settings, else the environment's."""
    from skillatlas.config import Settings, get_settings
    from skillatlas.credentials.settings import issuing_for

    settings = db.info.get("skillatlas.settings")
    return issuing_for(settings if isinstance(settings, Settings) else get_settings())


def award_badge(
    *,
    db: Session,
    actor: Principal,
    achievement_id: int,
    person: Person,
    action: str,
    details: dict[str, Any],
) -> IssuedCredential | None:
    """A badge awarded by a step of another workflow (attendance marked, an application accepted or
    certified), unless the person holds it already: the session's signer, clock and issuing settings, the
    "credential received" mail and an audit line (`action`, with `details`), in the caller's transaction.
    Whoever linked the badge to that workflow allowed it; the audit names who took the step."""
    if holders(db=db, achievement_id=achievement_id, person_ids=[person.id]):
        return None
    achievement = get_achievement(db=db, ref=achievement_id)
    issued = _Signer(db, achievement, _session_issuing(db), _session_now(db)).sign(
        person, CredentialFormat.LDP
    )
    db.add(issued)
    db.flush()
    mail_notify.credential_received(db, issued)
    audit.record(
        db=db,
        actor=actor,
        action=action,
        object_type="credential",
        object_id=issued.uuid,
        details={"achievement": achievement.slug, **details},
    )
    return issued


def award_for_attendance(
    *, db: Session, actor: Principal, registration: Registration
) -> IssuedCredential | None:
    """The event's badge for a person just marked attended (alliance.service.mark_attended calls it), unless
    they hold it already."""
    event = registration.event
    if event.achievement_id is None:
        return None
    person = db.get(Person, registration.person_id)
    assert person is not None
    return award_badge(
        db=db,
        actor=actor,
        achievement_id=event.achievement_id,
        person=person,
        action="credentials.issue.attendance",
        details={"event": event.slug, "person_id": person.id},
    )


def get_issued(*, db: Session, credential_id: str) -> IssuedCredential:
    """An issued credential by its UUID (or urn:uuid:...), or NotFound."""
    key = credential_id.strip().removeprefix("urn:uuid:")
    found = db.scalar(
        select(IssuedCredential)
        .where(IssuedCredential.uuid == key)
        .options(
            selectinload(IssuedCredential.achievement),
            selectinload(IssuedCredential.organisation),
            selectinload(IssuedCredential.person),
        )
    )
    if found is None:
        raise NotFound(f"no credential {credential_id!r}", field="credential")
    return found


def _set_status(
    db: Session,
    actor: Principal,
    credential_id: str,
    purpose: str,
    value: bool,
    reason: str | None,
    issuing: Issuing,
    now: dt.datetime,
) -> IssuedCredential:
    issued = get_issued(db=db, credential_id=credential_id)
    authorize(actor, "credentials.revoke", organisation_id=issued.organisation_id)
    if issued.revoked_at is not None:
        raise Conflict("the credential is revoked; that cannot be undone", field="credential")
    if purpose == "suspension" and (issued.suspended_at is not None) == value:
        raise Conflict(f"the credential is {'already' if value else 'not'} suspended", field="credential")
    status_list = db.scalar(
        select(StatusList).where(StatusList.id == issued.status_list_id).with_for_update()
    )
    assert status_list is not None
    bits = getattr(status_list, purpose)
    setattr(status_list, purpose, status.set_bit(bits, issued.status_index, value))
    _sign_list(db, status_list, purpose, issuing, now)
    if purpose == "revocation":
        issued.revoked_at = now
    else:
        issued.suspended_at = now if value else None
    issued.reason = reason
    db.flush()
    action = {"revocation": "revoke", "suspension": "suspend" if value else "reinstate"}[purpose]
    audit.record(
        db=db,
        actor=actor,
        action=f"credentials.{action}",
        object_type="credential",
        object_id=issued.uuid,
        details={"reason": reason or ""},
    )
    return issued


def revoke(
    *,
    db: Session,
    actor: Principal,
    credential_id: str,
    reason: str | None,
    issuing: Issuing,
    now: dt.datetime,
) -> IssuedCredential:
    """Revokes for good: flips the credential's bit in the issuer's revocation list and re-signs the list."""
    return _set_status(db, actor, credential_id, "revocation", True, reason, issuing, now)


def suspend(
    *,
    db: Session,
    actor: Principal,
    credential_id: str,
    reason: str | None,
    issuing: Issuing,
    now: dt.datetime,
) -> IssuedCredential:
    """Suspends until reinstated: flips the bit in the suspension list."""
    return _set_status(db, actor, credential_id, "suspension", True, reason, issuing, now)


def reinstate(
    *,
    db: Session,
    actor: Principal,
    credential_id: str,
    reason: str | None,
    issuing: Issuing,
    now: dt.datetime,
) -> IssuedCredential:
    """Lifts a suspension."""
    return _set_status(db, actor, credential_id, "suspension", False, reason, issuing, now)


# --- erasure: a credential withdrawn at the holder's request ----------------------------------------

ERASED_REASON = "erased at the holder's request"
WITHDRAWN = "this credential was withdrawn at the holder's request"


class Withdrawn(SkillAtlasError):
    """The credential's holder had their data erased: its document is no longer served (410 Gone)."""

    status_code = 410
    code = "withdrawn"


def _erased_among(db: Session, person_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(person_ids), 20_000):
        chunk = person_ids[start : start + 20_000]
        found |= set(db.scalars(select(Erasure.person_id).where(Erasure.person_id.in_(chunk))))
    return found


def withdraw_for_erasure(*, db: Session, person_id: int, now: dt.datetime) -> int:
    """For privacy's erasure (which checked the permission): revokes each of the person's credentials that is
    not revoked yet, reason ERASED_REASON (the issuer's status list is re-signed, so every verifier sees it),
    and removes every stored document of theirs, since each carries the name or its hash. How many were
    revoked."""
    found = list(
        db.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.person_id == person_id)
            .order_by(IssuedCredential.id)
        )
    )
    revoked = 0
    issuing = _session_issuing(db) if any(c.revoked_at is None for c in found) else None
    for credential in found:
        if credential.revoked_at is None:
            assert issuing is not None
            _set_status(db, SYSTEM, credential.uuid, "revocation", True, ERASED_REASON, issuing, now)
            revoked += 1
        credential.document = ""
    db.flush()
    return revoked


def withdrawn(db: Session, issued: IssuedCredential) -> bool:
    """Whether the credential's holder had their data erased: then no page or download shows its document."""
    return privacy_service.is_erased(db=db, person_id=issued.person_id)


def served_document(db: Session, issued: IssuedCredential) -> str:
    """The document exactly as signed, for a download; Withdrawn (410) once the holder's data was erased."""
    if withdrawn(db, issued) or not issued.document:
        raise Withdrawn(WITHDRAWN, field="credential")
    return issued.document


def public_learner(payload: dict[str, Any]) -> str | None:
    """The learner's name as a public page shows it: only a name the credential carries in plain words (the
    learner chose to show it); a hashed name is not shown."""
    for item in (payload.get("credentialSubject") or {}).get("identifier") or []:
        if item.get("identityType") == "name" and not item.get("hashed"):
            return str(item.get("identityHash") or "") or None
    return None


def credential_state(issued: IssuedCredential) -> str:
    if issued.revoked_at is not None:
        return "revoked"
    return "suspended" if issued.suspended_at is not None else "active"


def set_name_choice(
    *, db: Session, actor: Principal, person_id: int, show: bool, now: dt.datetime, source: str = "web"
) -> bool:
    """The learner's choice for the credentials they receive from now on: their name in plain words (`show`)
    or only as a salted hash (the default). It is their consent `name_on_credentials` (privacy), so the
    privacy page, this and the consent API are one choice; credentials already issued keep what they carry."""
    privacy_service.set_consent(
        db=db,
        actor=actor,
        person_id=person_id,
        purpose=ConsentPurpose.NAME_ON_CREDENTIALS,
        given=show,
        now=now,
        source=source,
    )
    return show


def shows_name(*, db: Session, person_id: int) -> bool:
    """Whether new credentials of the person carry their name in plain words."""
    return privacy_service.has_consent(db, person_id, ConsentPurpose.NAME_ON_CREDENTIALS)


def learner_credentials(*, db: Session, actor: Principal, person_id: int) -> list[IssuedCredential]:
    """A learner's credentials, newest first: for the learner, the office and the issuers' managers."""
    authorize(actor, "credentials.read_learner", person_id=person_id)
    if db.get(Person, person_id) is None:
        raise NotFound(f"no person with id {person_id}", field="learner")
    return list(
        db.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.person_id == person_id)
            .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id.desc())
            .options(selectinload(IssuedCredential.achievement), selectinload(IssuedCredential.organisation))
        )
    )


def my_credentials(*, db: Session, actor: Principal) -> list[IssuedCredential]:
    """The logged-in learner's own credentials, newest first."""
    authorize(actor, "credentials.read_own")
    assert actor.person_id is not None
    return learner_credentials(db=db, actor=actor, person_id=actor.person_id)


def issued_read(issued: IssuedCredential, base_url: str) -> IssuedRead:
    base = base_url.rstrip("/")
    return IssuedRead(
        id=f"urn:uuid:{issued.uuid}",
        achievement=issued.achievement.slug,
        achievement_name=issued.achievement.name,
        learner=issued.person_id,
        issuer=issued.organisation.slug,
        format=issued.format,
        issued_at=issued.issued_at,
        valid_until=issued.valid_until,
        status=credential_state(issued),  # type: ignore[arg-type]
        verify_url=f"{base}/verify?credential={issued.uuid}",
        download_url=f"{base}/api/credentials/issued/{issued.uuid}/download",
    )


def credential_payload(issued: IssuedCredential) -> dict[str, Any]:
    """The credential's JSON, whichever format it was issued in (Withdrawn once erasure removed it)."""
    if not issued.document:
        raise Withdrawn(WITHDRAWN, field="credential")
    if issued.format == CredentialFormat.JWT:
        return proofs.parse_jwt(issued.document)[1]
    return json.loads(issued.document)


# --- verifying -----------------------------------------------------------------------------------


class DatabaseResolver:
    """Keys and status lists of this platform's issuers from the database; did:key resolves itself."""

    def __init__(self, db: Session, base_url: str) -> None:
        self.db = db
        self.base_url = base_url.rstrip("/")

    def key(self, verification_method: str) -> ResolvedKey:
        stored = self.db.scalar(select(IssuerKey).where(IssuerKey.verification_method == verification_method))
        if verification_method.startswith("did:key:"):
            resolved = resolve_did_key(verification_method)
            resolved.retired_at = stored.retired_at if stored else None
            return resolved
        if verification_method.startswith("did:web:"):
            if stored is None:
                raise ResolutionError(
                    f"{verification_method} is not a key of an issuer on this platform (foreign did:web is not fetched)"
                )
            return ResolvedKey(
                keys.public_from_multikey(stored.public_key_multibase), stored.did, stored.retired_at
            )
        raise ResolutionError(f"unsupported DID method in {verification_method!r} (did:key and did:web are)")

    def _path(self, url: str) -> tuple[str, str]:
        prefix = f"{self.base_url}/credentials/status/"
        if not url.startswith(prefix):
            raise ResolutionError(f"the status list {url} is not published by this platform (not fetched)")
        path, _, purpose = url[len(prefix) :].partition("/")
        return path, purpose

    def status_list(self, url: str) -> dict[str, Any]:
        path, purpose = self._path(url)
        try:
            return status_list_document(db=self.db, path=path, purpose=purpose)
        except NotFound as exc:
            raise ResolutionError(f"the status list {url} does not exist") from exc

    def companion_lists(self, url: str) -> list[tuple[str, str]]:
        """Our credentials name their revocation list; the suspension list at the same index is checked too."""
        try:
            path, purpose = self._path(url)
        except ResolutionError:
            return []
        return (
            [(status_url(self.base_url, path, "suspension"), "suspension")] if purpose == "revocation" else []
        )


def verify(
    *, db: Session, data: str | bytes | dict[str, Any], base_url: str, now: dt.datetime
) -> VerificationReport:
    """Verifies any credential; keys and status lists of this platform's issuers come from the database."""
    from skillatlas.credentials.edc import verify as edc_verify  # a sealed European Digital Credential

    if (sealed := edc_verify.sealed_edc_of(data)) is not None:
        return edc_verify.report(db, sealed, now)
    return verify_credential(data, resolver=DatabaseResolver(db, base_url), now=now)
