"""Tampering, wrong keys, expiry and malformed input fail with the precise reason and never crash;
property tests over random achievements and random mutations."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillatlas.alliance.models import Organisation, OrganisationType
from skillatlas.credentials import document, jsonld, keys, proofs
from skillatlas.credentials.models import Achievement, AssessmentType, AwardedFor, ParticipationForm
from skillatlas.credentials.verify import OfflineResolver, schema_errors, verify

KEY = keys.new_private_key()
DID = keys.did_key(KEY.public_key())
METHOD = f"{DID}#{keys.public_multikey(KEY.public_key())}"
AT = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
LATER = AT + dt.timedelta(days=1)


def make_achievement(**changes: Any) -> Achievement:
    values: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "slug": "a",
        "name": "Innovation agent",
        "description": "Drives innovation.",
        "criteria": "Complete the programme.",
        "achievement_type": "MicroCredential",
        "awarded_for": AwardedFor.JOB_ROLE,
        "awarded_for_ref": "innovation-agent-v1",
        "learning_outcomes": ["Runs an innovation workshop"],
        "skills": [
            {"uri": "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab", "label": "x"}
        ],
        "eqf_level": 6,
        "ects": 3.0,
        "hours": 75.0,
        "assessment_type": AssessmentType.PROJECT,
        "participation_form": ParticipationForm.BLENDED,
        "quality_assurance": "External review",
        "language": "en",
        "valid_for_days": None,
    }
    values.update(changes)
    return Achievement(**values)


def unsigned(
    achievement: Achievement | None = None, valid_until: dt.datetime | None = None
) -> dict[str, Any]:
    achievement = achievement or make_achievement()
    organisation = Organisation(
        name="Automotive Skills Alliance",
        country="BE",
        nuts_region=None,
        website=None,
        type=OrganisationType.ASSOCIATION,
    )
    issuer = document.issuer_profile(did=DID, name=organisation.name, country="BE", region=None, url=None)
    subject = document.learner_subject(
        subject_id="urn:uuid:" + str(uuid.uuid4()),
        full_name="Ana Popescu",
        email="ana@example.org",
        achievement=document.achievement_document(achievement),
        salt="00ff",
    )
    return document.open_badge_credential(
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        issuer=issuer,
        subject=subject,
        issued_at=AT,
        valid_until=valid_until,
        status_entry=document.status_entry(list_url="https://x.test/s", index=3),
        extension=jsonld.extension_url("https://x.test"),
    )


def signed(credential: dict[str, Any] | None = None) -> dict[str, Any]:
    credential = credential or unsigned()
    credential.pop("credentialStatus", None)  # offline: no status list to consult
    return proofs.sign_data_integrity(
        credential, key=KEY, verification_method=METHOD, created=document.timestamp(AT)
    )


def check(data: Any, at: dt.datetime = LATER) -> dict[str, str]:
    """The failed checks and their reasons (an empty dict: valid)."""
    report = verify(data, resolver=OfflineResolver(), now=at)
    assert report.valid == all(c.ok for c in report.checks)
    return {c.check: c.reason for c in report.checks if not c.ok}


SIGNATURE_FAILED = "the signature does not match the signed content or the key"


def test_a_signed_credential_is_valid_and_formatting_does_not_matter() -> None:
    credential = signed()
    assert check(credential) == {}
    assert check(json.dumps(credential, separators=(",", ":"))) == {}
    assert check(json.dumps(credential, indent=4, sort_keys=True)) == {}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("name",), "Innovation agenT"),
        (("credentialSubject", "identifier", 0, "identityHash"), "Ana Popescv"),
        (
            ("credentialSubject", "achievement", "alignment", -1, "targetUrl"),
            "http://data.europa.eu/snb/eqf/7",
        ),
        (("credentialSubject", "achievement", "workloadHours"), 76),
        (("credentialSubject", "achievement", "learningOutcome", 0), "Runs an innovation workshop!"),
        (("issuer", "address", "addressCountryCode"), "DE"),
        (("validFrom",), "2026-05-19T10:00:00Z"),
    ],
)
def test_changing_signed_content_breaks_the_signature(path: tuple[Any, ...], value: Any) -> None:
    credential = signed()
    node = credential
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    assert check(credential) == {"signature": SIGNATURE_FAILED}


def test_a_signature_of_another_key_fails() -> None:
    credential = signed()
    other = proofs.sign_data_integrity(
        {k: v for k, v in credential.items() if k != "proof"},
        key=keys.new_private_key(),
        verification_method=METHOD,
        created=document.timestamp(AT),
    )
    assert check(other) == {"signature": SIGNATURE_FAILED}


def test_a_key_that_is_not_the_issuers_is_refused() -> None:
    attacker = keys.new_private_key()
    attacker_method = keys.did_key(attacker.public_key()) + "#" + keys.public_multikey(attacker.public_key())
    credential = proofs.sign_data_integrity(
        unsigned(), key=attacker, verification_method=attacker_method, created=document.timestamp(AT)
    )
    failures = check(credential)
    assert "does not belong to the issuer" in failures["issuer"]
    assert failures["signature"] == "not checked: no usable key"


def test_a_jwt_signed_by_a_key_that_is_not_the_issuers_is_refused() -> None:
    attacker = keys.new_private_key()
    kid = keys.did_key(attacker.public_key()) + "#" + keys.public_multikey(attacker.public_key())
    failures = check(proofs.sign_jwt(signed(), key=attacker, kid=kid))
    assert "does not belong to the issuer" in failures["issuer"]
    failures = check(proofs.sign_jwt(signed(), key=attacker, kid=METHOD))
    assert failures == {"signature": "the JWS signature does not match the signed content or the key"}


def test_expired_and_not_yet_valid() -> None:
    credential = signed(unsigned(valid_until=AT + dt.timedelta(days=30)))
    assert check(credential, at=AT + dt.timedelta(days=29)) == {}
    assert check(credential, at=AT + dt.timedelta(days=31)) == {
        "dates": "expired on 2026-06-19T10:00:00+00:00"
    }
    assert check(credential, at=AT - dt.timedelta(days=1)) == {
        "dates": "not valid yet: valid from 2026-05-20T10:00:00+00:00"
    }


def test_jwt_tampering_fails() -> None:
    token = proofs.sign_jwt(signed(), key=KEY, kid=METHOD)
    assert check(token) == {}
    header, payload, signature = token.split(".")
    forged_payload = json.loads(keys.b64url_decode(payload))
    forged_payload["name"] = "Something else"
    forged = f"{header}.{keys.b64url(json.dumps(forged_payload).encode())}.{signature}"
    assert check(forged) == {"signature": "the JWS signature does not match the signed content or the key"}
    flipped = signature[:-1] + ("B" if signature[-1] != "B" else "C")
    assert check(f"{header}.{payload}.{flipped}")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("", "empty input"),
        ("   ", "empty input"),
        ("{", "not valid JSON"),
        ("[1, 2]", "neither a JSON credential nor a compact JWS"),
        ("null", "neither a JSON credential nor a compact JWS"),
        ("hello world", "neither a JSON credential nor a compact JWS"),
        ("a.b.c", "the JWS is not valid base64url JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        ('{"@context": 5}', None),
        ("{}", None),
    ],
)
def test_malformed_input_is_reported_never_raised(data: Any, reason: str | None) -> None:
    failures = check(data)
    assert failures
    if reason is not None:
        assert reason in failures["format"]


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c.pop("proof"),
        lambda c: c["proof"].update(proofValue="z0OIl"),
        lambda c: c["proof"].update(proofValue="zzz"),
        lambda c: c["proof"].update(cryptosuite="ecdsa-rdfc-2019"),
        lambda c: c["proof"].update(proofPurpose="authentication"),
        lambda c: c["proof"].update(verificationMethod="did:example:123#key"),
        lambda c: c["proof"].update(verificationMethod="did:key:zNotAKey#zNotAKey"),
        lambda c: c.update({"@context": [*c["@context"], "https://example.org/unknown-context"]}),
        lambda c: c.update({"undefinedProperty": "sneaked in"}),
        lambda c: c.update(issuer=42),
        lambda c: c.update(validFrom="yesterday"),
        lambda c: c.update(credentialStatus={"type": "Other"}),
        lambda c: c["credentialSubject"].pop("achievement"),
    ],
)
def test_broken_credentials_fail_without_crashing(breakage: Any) -> None:
    credential = signed()
    breakage(credential)
    assert check(credential)


def test_an_undefined_property_type_or_relative_id_is_named() -> None:
    credential = signed()
    credential["credentialSubject"]["achievement"]["secretBonus"] = 1
    assert "credentialSubject.achievement.secretBonus" in check(credential)["contexts"]
    credential = signed()
    credential["credentialSubject"]["achievement"]["type"] = ["Achievement", "GoldStar"]
    assert "type GoldStar" in check(credential)["contexts"]
    credential = signed()
    credential["credentialSubject"]["achievement"]["id"] = "just-a-name"
    assert "id just-a-name" in check(credential)["contexts"]


_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60
)
_achievements = st.builds(
    make_achievement,
    name=_text.filter(str.strip),
    description=_text,
    criteria=_text,
    learning_outcomes=st.lists(_text, min_size=1, max_size=4),
    eqf_level=st.integers(1, 8),
    hours=st.one_of(
        st.integers(1, 2000).map(float), st.floats(0.25, 2000, allow_nan=False).map(lambda x: round(x, 2))
    ),
    ects=st.one_of(st.none(), st.integers(0, 60).map(float), st.sampled_from([0.5, 1.5, 2.25])),
    assessment_type=st.sampled_from(list(AssessmentType)),
    participation_form=st.sampled_from(list(ParticipationForm)),
    achievement_type=st.sampled_from(["MicroCredential", "Badge", "Course", "ext:TrainTheTrainer"]),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(achievement=_achievements)
def test_any_valid_achievement_gives_a_valid_schema_conformant_credential(achievement: Achievement) -> None:
    credential = signed(unsigned(achievement))
    assert schema_errors(credential) == []
    assert check(credential) == {}


def _string_leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [
            p
            for k, v in node.items()
            if k not in ("@context", "proof")
            for p in _string_leaves(v, (*path, k))
        ]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _string_leaves(v, (*path, i))]
    return [path] if isinstance(node, str) else []


BASE = signed()
LEAVES = _string_leaves(BASE)


@settings(max_examples=40, deadline=None)
@given(
    leaf=st.sampled_from(LEAVES),
    position=st.integers(0, 10_000),
    char=st.characters(codec="utf-8", exclude_categories=("Cs",)),
)
def test_any_changed_character_of_signed_content_invalidates(
    leaf: tuple[Any, ...], position: int, char: str
) -> None:
    credential = copy.deepcopy(BASE)
    node = credential
    for step in leaf[:-1]:
        node = node[step]
    value: str = node[leaf[-1]]
    at = position % (len(value) + 1)
    mutated = value[:at] + char + value[at + 1 :]
    if mutated == value:
        mutated = value + char
    node[leaf[-1]] = mutated
    failures = check(credential)
    assert failures, f"{leaf} changed to {mutated!r} still verifies"
