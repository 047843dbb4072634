"""Builds the European Digital Credential (ELM v3, EDC application profile) of an achievement awarded.

Pure: it takes plain values and returns the JSON-LD (contexts: VC 1.1 and `edc-ap`). Text fields are language
maps (`{"en": ...}`) in the achievement's language; the EU elements are concepts of the EU vocabularies
(`vocab`); the learning outcomes carry the achievement's ESCO skills; the issuer and awarding body carry the
organisation's legal identifier (`eIDASIdentifier`, as the EDC profile requires of an issuer).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from skillatlas.credentials.edc import jsonld, vocab
from skillatlas.credentials.models import AssessmentType, AwardedFor, ParticipationForm

SCHEMA = "http://data.europa.eu/snb/model/ap/edc-generic-full"
_NS = uuidlib.UUID("6f0f6d55-2b57-4a55-9b0e-2f5a3c0e7d11")


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def hours(value: float) -> str:
    """An xsd:duration of learning hours: PT25H, PT7H30M."""
    whole = int(value)
    minutes = round((value - whole) * 60)
    return f"PT{whole}H" + (f"{minutes}M" if minutes else "")


def _urn(kind: str, *parts: object) -> str:
    return f"urn:epass:{kind}:{uuidlib.uuid5(_NS, '/'.join(str(p) for p in parts))}"


@dataclass(frozen=True)
class Awarding:
    """The organisation that awards (and seals): its names, country, web address and legal identifier."""

    slug: str
    name: str
    country: str
    legal_identifier: str
    website: str | None = None
    short_name: str | None = None


@dataclass(frozen=True)
class Awarded:
    """What was achieved: the achievement's fields an EDC needs."""

    uuid: str
    name: str
    description: str
    criteria: str
    language: str
    eqf_level: int
    hours: float
    assessment_type: AssessmentType
    participation_form: ParticipationForm
    awarded_for: AwardedFor
    quality_assurance: str
    learning_outcomes: list[str] = field(default_factory=list)
    skills: list[dict[str, str]] = field(default_factory=list)
    ects: float | None = None
    isced_f: str | None = None


@dataclass(frozen=True)
class Learner:
    """The learner: their name only when they chose to show it, else the salted hash their Open Badge has."""

    subject_id: str
    full_name: str | None
    name_hash: str | None = None
    name_salt: str | None = None


def _text(lang: str, value: str) -> dict[str, str]:
    return {lang: value}


def legal_identifier(awarding: Awarding) -> dict[str, Any]:
    return {
        "id": _urn("legalIdentifier", awarding.slug, awarding.legal_identifier),
        "type": "LegalIdentifier",
        "notation": awarding.legal_identifier,
        "spatial": vocab.country(awarding.country),
    }


def organisation(awarding: Awarding, lang: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": _urn("org", awarding.slug),
        "type": "Organisation",
        "legalName": _text(lang, awarding.name),
        "eIDASIdentifier": legal_identifier(awarding),
        "location": {
            "id": _urn("location", awarding.slug),
            "type": "Location",
            "address": {
                "id": _urn("address", awarding.slug),
                "type": "Address",
                "countryCode": vocab.country(awarding.country),
            },
        },
    }
    if awarding.short_name:
        node["altLabel"] = _text(lang, awarding.short_name)
    if awarding.website:
        node["homepage"] = {
            "id": _urn("webResource", awarding.slug),
            "type": "WebResource",
            "contentURL": awarding.website,
        }
    return node


def learning_outcomes(awarded: Awarded, lang: str) -> list[dict[str, Any]]:
    """One outcome per stated learning outcome, and one per ESCO skill (its label as the title)."""
    outcomes: list[dict[str, Any]] = []
    skills = [vocab.esco_skill(s["uri"], s["label"]) for s in awarded.skills]
    for number, text in enumerate(awarded.learning_outcomes, start=1):
        outcome: dict[str, Any] = {
            "id": _urn("learningOutcome", awarded.uuid, number),
            "type": "LearningOutcome",
            "title": _text(lang, text),
        }
        outcomes.append(outcome)
    for skill in skills:
        outcomes.append(
            {
                "id": _urn("learningOutcome", awarded.uuid, skill["id"]),
                "type": "LearningOutcome",
                "title": {"en": skill["prefLabel"]["en"]},
                "relatedESCOSkill": skill,
            }
        )
    return outcomes


def specification(awarded: Awarded, awarding: Awarding, lang: str) -> dict[str, Any]:
    """The achievement as a (partial) Qualification: EQF level, ISCED-F field, ECTS, hours, mode, outcomes."""
    spec: dict[str, Any] = {
        "id": _urn("qualification", awarded.uuid),
        "type": "Qualification",
        "title": _text(lang, awarded.name),
        "description": _text(lang, awarded.description),
        "eqfLevel": vocab.eqf(awarded.eqf_level),
        "volumeOfLearning": hours(awarded.hours),
        "mode": vocab.mode(awarded.participation_form),
        "language": vocab.language(lang),
        "learningSetting": vocab.named(vocab.NON_FORMAL),
        "dcType": vocab.opportunity(awarded.awarded_for),
        "isPartialQualification": True,
        "learningOutcome": learning_outcomes(awarded, lang),
        "additionalNote": [
            {
                "id": _urn("note", awarded.uuid, "criteria"),
                "type": "Note",
                "noteLiteral": _text(lang, awarded.criteria),
            },
            {
                "id": _urn("note", awarded.uuid, "quality"),
                "type": "Note",
                "noteLiteral": _text(lang, awarded.quality_assurance),
            },
        ],
    }
    if awarded.isced_f:
        spec["thematicArea"] = vocab.isced_f(awarded.isced_f)
    if awarded.ects is not None:
        points = int(awarded.ects) if float(awarded.ects).is_integer() else awarded.ects
        spec["creditPoint"] = {
            "id": _urn("creditPoint", awarded.uuid),
            "type": "CreditPoint",
            "framework": vocab.named(vocab.ECTS),
            "point": str(points),
        }
    assessment = vocab.assessment(awarded.assessment_type)
    if assessment is not None:
        spec["provenBy"] = {
            "id": _urn("learningAssessmentSpec", awarded.uuid),
            "type": "LearningAssessmentSpecification",
            "title": {"en": assessment["prefLabel"]["en"]},
            "dcType": assessment,
            "mode": vocab.mode(awarded.participation_form),
            "language": vocab.language(lang),
        }
    return spec


def person(learner: Learner, lang: str, claim: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"id": learner.subject_id, "type": "Person", "hasClaim": claim}
    if learner.full_name:
        node["fullName"] = _text(lang, learner.full_name)
    elif learner.name_hash:
        node["identifier"] = {
            "id": _urn("identifier", learner.subject_id, "name"),
            "type": "Identifier",
            "notation": learner.name_hash,
            "schemeName": f"salted SHA-256 of the learner's name (salt {learner.name_salt})",
        }
    return node


def display(
    *,
    awarded: Awarded,
    awarding: Awarding,
    learner: Learner,
    issued: dt.datetime,
    lang: str,
    image_png: bytes,
) -> dict[str, Any]:
    language = vocab.language(lang)
    return {
        "id": _urn("displayParameter", awarded.uuid, learner.subject_id),
        "type": "DisplayParameter",
        "title": _text(lang, awarded.name),
        "description": _text(lang, f"awarded by {awarding.name} on {issued.date().isoformat()}"),
        "language": language,
        "primaryLanguage": language,
        "individualDisplay": {
            "id": _urn("individualDisplay", awarded.uuid, learner.subject_id),
            "type": "IndividualDisplay",
            "language": language,
            "displayDetail": {
                "id": _urn("displayDetail", awarded.uuid, learner.subject_id),
                "type": "DisplayDetail",
                "image": {
                    "id": _urn("mediaObject", awarded.uuid, learner.subject_id),
                    "type": "MediaObject",
                    "content": base64.b64encode(image_png).decode(),
                    "contentEncoding": vocab.named(vocab.BASE64),
                    "contentType": vocab.authority("file-type", "PNG", "PNG"),
                },
                "page": 1,
            },
        },
    }


def edc_credential(
    *,
    credential_id: str,
    awarded: Awarded,
    awarding: Awarding,
    learner: Learner,
    issued_at: dt.datetime,
    valid_until: dt.datetime | None,
    image_png: bytes,
) -> dict[str, Any]:
    """The unsealed EDC: a VerifiableCredential + EuropeanDigitalCredential (ELM v3)."""
    lang = (awarded.language or "en").lower()[:2]
    issued = timestamp(issued_at)
    body = organisation(awarding, lang)
    claim = {
        "id": _urn("learningAchievement", credential_id),
        "type": "LearningAchievement",
        "title": _text(lang, awarded.name),
        "description": _text(lang, awarded.description),
        "awardedBy": {
            "id": _urn("awardingProcess", credential_id),
            "type": "AwardingProcess",
            "awardingBody": body,
            "awardingDate": issued,
        },
        "specifiedBy": specification(awarded, awarding, lang),
    }
    if awarded.ects is not None:
        claim["creditReceived"] = claim["specifiedBy"]["creditPoint"]
    credential: dict[str, Any] = {
        "@context": list(jsonld.CONTEXT),
        "id": credential_id,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialProfiles": vocab.named(vocab.GENERIC_PROFILE),
        "credentialSchema": {"id": SCHEMA, "type": "ShaclValidator2017"},
        "displayParameter": display(
            awarded=awarded,
            awarding=awarding,
            learner=learner,
            issued=issued_at,
            lang=lang,
            image_png=image_png,
        ),
        "issuer": body,
        "issuanceDate": issued,
        "issued": issued,
        "validFrom": issued,
        "credentialSubject": person(learner, lang, claim),
    }
    if valid_until is not None:
        credential["expirationDate"] = timestamp(valid_until)
    return credential
