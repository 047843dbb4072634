"""European Digital Credentials: the EDC of an issued credential, sealed with its organisation's certificate,
and the organisations' seal certificates (loaded from PEM or PKCS#12, or self-signed for the demo).

One function per use, shared by the API, the pages and the CLI. The EDC states the same achievement as the
credential's Open Badge (the same credential id, dates and learner identity) in the European Learning Model:
a holder downloads it for a Europass wallet or the EDC viewer; it is made and sealed at each download.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Organisation
from skillatlas.auth import audit
from skillatlas.auth.permissions import Principal, authorize
from skillatlas.credentials import keys
from skillatlas.credentials import service as credentials_service
from skillatlas.credentials.edc import document, policy, seal  # noqa: F401  (policy registers its rule)
from skillatlas.credentials.edc.display import card_png
from skillatlas.credentials.edc.models import SealCertificate
from skillatlas.credentials.models import IssuedCredential
from skillatlas.errors import Conflict

MEDIA_TYPE = "application/jose+json"


def _label(row_id: int | str) -> str:
    return f"seal-certificate:{row_id}"


def current_seal(*, db: Session, organisation_id: int) -> SealCertificate | None:
    """The organisation's newest seal certificate (the one that seals), if any."""
    return db.scalar(
        select(SealCertificate)
        .where(SealCertificate.organisation_id == organisation_id)
        .order_by(SealCertificate.created_at.desc(), SealCertificate.id.desc())
        .limit(1)
    )


def _store(
    db: Session, organisation: Organisation, key: seal.SealKey, issuing: credentials_service.Issuing
) -> SealCertificate:
    certificate = key.certificate
    fingerprint = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    if db.scalar(select(SealCertificate.id).where(SealCertificate.fingerprint == fingerprint)):
        raise Conflict("this certificate is loaded already", field="certificate")
    row = SealCertificate(
        organisation_id=organisation.id,
        subject=seal.subject_text(certificate)[:500],
        issuer=certificate.issuer.rfc4514_string()[:500],
        fingerprint=fingerprint,
        self_signed=seal.is_self_signed(certificate),
        chain_pem=seal.chain_pem(key),
        private_key_sealed=b"",
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )
    db.add(row)
    db.flush()  # the row id is bound to the sealed key
    row.private_key_sealed = keys.seal(issuing.kek(), seal.private_der(key), label=_label(row.id))
    db.flush()
    return row


def load_certificate(
    *,
    db: Session,
    actor: Principal,
    organisation: str,
    data: bytes,
    password: str | None,
    issuing: credentials_service.Issuing,
    now: dt.datetime,
) -> SealCertificate:
    """Loads an organisation's own seal certificate (PKCS#12 with its password, or PEM key and chain); from
    now on it seals the organisation's EDCs. An organisation without a legal identifier takes the one the
    certificate names (organizationIdentifier, as qualified seal certificates carry)."""
    found = alliance_service.get_organisation(db=db, slug=organisation)
    authorize(actor, "credentials.keys.manage", organisation_id=found.id)
    key = seal.load(data, password, now=now)
    row = _store(db, found, key, issuing)
    named = seal.organization_identifier(key.certificate)
    if named and not found.legal_identifier:
        found.legal_identifier = named[:100]
    audit.record(
        db=db,
        actor=actor,
        action="credentials.seal.load",
        object_type="organisation",
        object_id=found.id,
        details={"subject": row.subject, "fingerprint": row.fingerprint},
    )
    return row


def make_self_signed(
    *,
    db: Session,
    actor: Principal | None,
    organisation: Organisation,
    issuing: credentials_service.Issuing,
    now: dt.datetime,
) -> SealCertificate:
    """A self-signed seal certificate for the organisation (the demo; viewers show it as not trusted)."""
    if actor is not None:
        authorize(actor, "credentials.keys.manage", organisation_id=organisation.id)
    key = seal.self_signed(
        name=organisation.name,
        country=organisation.country,
        legal_identifier=organisation.legal_identifier,
        now=now,
    )
    row = _store(db, organisation, key, issuing)
    if actor is not None:
        audit.record(
            db=db,
            actor=actor,
            action="credentials.seal.self_signed",
            object_type="organisation",
            object_id=organisation.id,
            details={"fingerprint": row.fingerprint},
        )
    return row


def seal_key(
    *, db: Session, organisation: Organisation, issuing: credentials_service.Issuing, now: dt.datetime
) -> seal.SealKey:
    """The key that seals the organisation's EDCs: its loaded certificate, else a self-signed one made now
    (and again when the self-signed one expired). A loaded certificate that expired is refused: load a new one."""
    row = current_seal(db=db, organisation_id=organisation.id)
    at = now.astimezone(dt.UTC)
    if row is not None and not (row.not_before <= at <= row.not_after):
        if not row.self_signed:
            raise Conflict(
                f"the seal certificate of {organisation.name} expired on {row.not_after.date().isoformat()}:"
                " load a new one",
                field="certificate",
            )
        row = None
    if row is None:
        row = make_self_signed(db=db, actor=None, organisation=organisation, issuing=issuing, now=now)
    private = keys.unseal(issuing.kek(), row.private_key_sealed, label=_label(row.id))
    return seal.from_stored(private, row.chain_pem)


def _learner(issued: IssuedCredential, payload: dict[str, Any]) -> document.Learner:
    """The learner as the credential's Open Badge names them: the name in words only if it shows it."""
    subject = payload.get("credentialSubject") or {}
    shown = credentials_service.public_learner(payload)
    name_hash = salt = None
    for item in subject.get("identifier") or []:
        if item.get("identityType") == "name" and item.get("hashed"):
            name_hash, salt = item.get("identityHash"), item.get("salt")
    return document.Learner(
        subject_id=str(subject.get("id") or f"urn:uuid:{issued.uuid}"),
        full_name=shown,
        name_hash=name_hash,
        name_salt=salt,
    )


def edc_document(*, db: Session, issued: IssuedCredential) -> dict[str, Any]:
    """The unsealed EDC (JSON-LD) of an issued credential; Withdrawn (410) once the holder's data was erased,
    Conflict when the issuing organisation has no legal identifier."""
    credentials_service.served_document(db, issued)  # raises Withdrawn for an erased holder
    payload = credentials_service.credential_payload(issued)
    achievement = issued.achievement
    organisation = issued.organisation
    if not organisation.legal_identifier:
        raise Conflict(
            f"{organisation.name} has no legal identifier yet: an EDC names its awarding body by it. Add it on"
            " the organisation's page (Edit)",
            field="legal_identifier",
        )
    awarded = document.Awarded(
        uuid=achievement.uuid,
        name=achievement.name,
        description=achievement.description,
        criteria=achievement.criteria,
        language=achievement.language,
        eqf_level=achievement.eqf_level,
        hours=achievement.hours,
        assessment_type=achievement.assessment_type,
        participation_form=achievement.participation_form,
        awarded_for=achievement.awarded_for,
        quality_assurance=achievement.quality_assurance,
        learning_outcomes=list(achievement.learning_outcomes),
        skills=list(achievement.skills),
        ects=achievement.ects,
        isced_f=achievement.isced_f,
    )
    awarding = document.Awarding(
        slug=organisation.slug,
        name=organisation.name,
        country=organisation.country,
        legal_identifier=organisation.legal_identifier,
        website=organisation.website,
        short_name=organisation.short_name,
    )
    learner = _learner(issued, payload)
    lines = [f"EQF level {achievement.eqf_level}", f"{achievement.hours:g} hours of learning"]
    if achievement.ects is not None:
        lines.append(f"{achievement.ects:g} ECTS credits")
    lines += [s["label"] for s in achievement.skills[:5]]
    image = card_png(
        title=achievement.name,
        issuer=organisation.name,
        learner=learner.full_name,
        issued_on=issued.issued_at.date().isoformat(),
        lines=lines,
    )
    return document.edc_credential(
        credential_id=f"urn:uuid:{issued.uuid}",
        awarded=awarded,
        awarding=awarding,
        learner=learner,
        issued_at=issued.issued_at,
        valid_until=issued.valid_until,
        image_png=image,
    )


def sealed_edc(
    *,
    db: Session,
    actor: Principal,
    credential_id: str,
    issuing: credentials_service.Issuing,
    now: dt.datetime,
) -> dict[str, Any]:
    """The EDC of a credential, sealed (JAdES, JWS JSON serialisation) with the issuing organisation's
    certificate: for the learner, the office and the issuer's managers."""
    issued = credentials_service.get_issued(db=db, credential_id=credential_id)
    authorize(
        actor, "credentials.edc.download", person_id=issued.person_id, organisation_id=issued.organisation_id
    )
    credential = edc_document(db=db, issued=issued)
    key = seal_key(db=db, organisation=issued.organisation, issuing=issuing, now=now)
    return seal.seal(credential, key, now)


def sealed_text(sealed: dict[str, Any]) -> str:
    return json.dumps(sealed, ensure_ascii=False, indent=2) + "\n"


def seals(*, db: Session, actor: Principal) -> list[tuple[Organisation, SealCertificate | None]]:
    """The organisations the actor issues for, each with its current seal certificate."""
    organisations = credentials_service.issuer_choices(db=db, actor=actor)
    return [(o, current_seal(db=db, organisation_id=o.id)) for o in organisations]
