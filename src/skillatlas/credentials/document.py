"""Builds the JSON-LD documents: the OpenBadgeCredential, the status list credential, DID documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from skillatlas.credentials import jsonld
from skillatlas.credentials.models import Achievement, IssuerKey
from skillatlas.geo import country_name

OB_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
# VC 2.0 and Open Badges 3.0 (both shipped by every OB 3.0 verifier), then the EU micro-credential extension
# that the issuing server publishes (`jsonld.extension_url`).
STANDARD_CONTEXT = [jsonld.VC_V2, jsonld.OB_V3]
EQF_URI = "http://data.europa.eu/snb/eqf/{level}"
EQF_FRAMEWORK = "European Qualifications Framework"


def timestamp(moment: dt.datetime) -> str:
    """XML Schema dateTime in UTC to the second: 2026-06-01T09:00:00Z."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def number(value: float) -> int | float:
    """A whole number as an integer: JSON-LD canonicalizes 2.0 (a double) and 2 (an integer) differently,
    and a JavaScript verifier reads both as 2, so only the integer form signs the same everywhere."""
    return int(value) if float(value).is_integer() else float(value)


def issuer_profile(
    *, did: str, name: str, country: str, region: str | None, url: str | None
) -> dict[str, Any]:
    """The awarding body as an Open Badges Profile, with its country and (NUTS) region."""
    address: dict[str, Any] = {
        "type": ["Address"],
        "addressCountry": country_name(country),
        "addressCountryCode": country,
    }
    if region:
        address["addressRegion"] = region
    profile: dict[str, Any] = {"id": did, "type": ["Profile"], "name": name, "address": address}
    if url:
        profile["url"] = url
    return profile


def achievement_document(achievement: Achievement) -> dict[str, Any]:
    """The Achievement in Open Badges 3.0 terms wherever OB has one: criteria, the ESCO skills and the EQF
    level as `alignment`s (the level to the EU's own EQF concept), ECTS as `creditsAvailable`, the assessment
    as a `resultDescription`; the extension context adds what OB lacks (hours, outcome statements, the
    assessment and participation codes, quality assurance, what it is awarded for)."""
    alignment = [
        {
            "type": ["Alignment"],
            "targetName": skill["label"],
            "targetUrl": skill["uri"],
            "targetCode": skill["uri"].rsplit("/", 1)[-1],
            "targetFramework": "ESCO",
            "targetType": "ceasn:Competency",
        }
        for skill in achievement.skills
    ]
    alignment.append(
        {
            "type": ["Alignment"],
            "targetName": f"EQF level {achievement.eqf_level}",
            "targetUrl": EQF_URI.format(level=achievement.eqf_level),
            "targetCode": str(achievement.eqf_level),
            "targetFramework": EQF_FRAMEWORK,
            "targetType": "ext:EQFLevel",
        }
    )
    assessment = achievement.assessment_type.value
    document: dict[str, Any] = {
        "id": f"urn:uuid:{achievement.uuid}",
        "type": ["Achievement"],
        "achievementType": achievement.achievement_type,
        "name": achievement.name,
        "description": achievement.description,
        "criteria": {"narrative": achievement.criteria},
        "inLanguage": achievement.language,
        "alignment": alignment,
        "resultDescription": [
            {
                "id": f"urn:uuid:{achievement.uuid}#assessment",
                "type": ["ResultDescription"],
                "name": f"Assessment: {assessment.replace('_', ' ')}",
                "resultType": "Status",
            }
        ],
        "learningOutcome": list(achievement.learning_outcomes),
        "workloadHours": number(achievement.hours),
        "assessmentType": assessment,
        "participationForm": achievement.participation_form.value,
        "qualityAssurance": achievement.quality_assurance,
        "awardedForKind": achievement.awarded_for.value,
    }
    if achievement.ects is not None:
        document["creditsAvailable"] = number(achievement.ects)
    if achievement.awarded_for_ref:
        document["awardedFor"] = achievement.awarded_for_ref
    return document


def eu_elements(achievement: dict[str, Any]) -> dict[str, Any]:
    """The EQF level and ECTS credits of an Achievement document, from its Open Badges terms (or from the
    extension terms of credentials issued before they moved there), for pages and PDFs."""
    level = achievement.get("eqfLevel")
    for item in achievement.get("alignment") or []:
        if isinstance(item, dict) and item.get("targetFramework") == EQF_FRAMEWORK:
            level = item.get("targetCode", level)
    ects = achievement.get("creditsAvailable", achievement.get("ectsCredits"))
    return {"eqf_level": level, "ects": ects}


def identity_hash(value: str, salt: str) -> str:
    """An Open Badges 3.0 IdentityHash: `sha256$` and the hex SHA-256 of the value followed by the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode()).hexdigest()


def learner_subject(
    *,
    subject_id: str,
    full_name: str,
    email: str | None,
    achievement: dict[str, Any],
    salt: str,
    show_name: bool = False,
    name_salt: str | None = None,
) -> dict[str, Any]:
    """The AchievementSubject: the learner's name and e-mail address as IdentityObjects.

    The name is a salted SHA-256 hash (`hashed: true` with its own `salt`, as Open Badges 3.0 defines) unless
    the learner chose to show it (`show_name`): then it is in plain words. Whoever is told the name can check
    it against the hash; nobody reads it off the credential. The e-mail address (lower-cased) is always
    hashed, with `salt`. The name is hashed as recorded, its spaces collapsed.
    """
    name = " ".join(full_name.split())
    if show_name:
        identifier = [
            {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}
        ]
    else:
        name_salt = name_salt or secrets.token_hex(8)
        identifier = [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": True,
                "identityHash": identity_hash(name, name_salt),
                "salt": name_salt,
            }
        ]
    if email:
        identifier.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": identity_hash(email.strip().lower(), salt),
                "salt": salt,
            }
        )
    subject: dict[str, Any] = {
        "id": subject_id,
        "type": ["AchievementSubject"],
        "identifier": identifier,
        "achievement": achievement,
    }
    if achievement.get("resultDescription"):
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": achievement["resultDescription"][0]["id"],
                "status": "Completed",
            }
        ]
    return subject


def open_badge_credential(
    *,
    credential_id: str,
    issuer: dict[str, Any],
    subject: dict[str, Any],
    issued_at: dt.datetime,
    valid_until: dt.datetime | None,
    status_entry: dict[str, Any] | list[dict[str, Any]],
    extension: str,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential (VC 2.0, `validFrom`) carrying all eleven EU mandatory elements.

    `extension` is the URL where the issuing server publishes the EU micro-credential extension context;
    `relatedResource` pins its SHA-384 digest, so a verifier knows it reads the context that was signed.
    `status_entry` is one BitstringStatusListEntry or several (revocation and suspension).
    """
    issued = timestamp(issued_at)
    credential: dict[str, Any] = {
        "@context": [*STANDARD_CONTEXT, extension],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": subject["achievement"]["name"],
        "description": subject["achievement"]["description"],
        "issuer": issuer,
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": subject,
        "credentialStatus": status_entry,
        "credentialSchema": [{"id": OB_SCHEMA_URL, "type": "JsonSchema"}],
        "relatedResource": [
            {"id": extension, "digestSRI": jsonld.extension_sri(), "mediaType": "application/ld+json"}
        ],
    }
    if valid_until is not None:
        credential["validUntil"] = timestamp(valid_until)
    return credential


def status_entries(*, revocation_url: str, suspension_url: str, index: int) -> list[dict[str, Any]]:
    """The two BitstringStatusListEntry of a credential: revocation and suspension, one index in both."""
    return [
        status_entry(list_url=revocation_url, index=index, purpose="revocation"),
        status_entry(list_url=suspension_url, index=index, purpose="suspension"),
    ]


def status_entry(*, list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *, url: str, issuer_did: str, purpose: str, encoded: str, at: dt.datetime
) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential."""
    return {
        "@context": [jsonld.VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": timestamp(at),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }


def did_document(did: str, keys: list[IssuerKey]) -> dict[str, Any]:
    """The DID document: every key of the identity, active and retired, as a Multikey assertion method.

    A retired key signs nothing new, yet stays listed so that what it signed still verifies.
    """
    methods = [
        {
            "id": key.verification_method,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in keys
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": [jsonld.DID_V1, jsonld.MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }
