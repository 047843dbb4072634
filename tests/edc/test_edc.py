"""European Digital Credentials: the EDC of an issued credential passes the official ELM v3 shapes
(EDC-generic-no-cv, pyshacl, offline); its JAdES seal verifies with jwcrypto (not joserfc, which signs) and the
certificate in `x5c`; one changed character breaks it; seal certificates load from PKCS#12 and PEM."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jws
from jwcrypto.common import JWSEHeaderParameter
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance.models import Organisation
from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials.edc import seal, service
from skillatlas.credentials.edc.models import SealCertificate
from skillatlas.credentials.models import Achievement
from skillatlas.db import unit_of_work
from skillatlas.errors import Conflict, InvalidInput
from tests.credentials.conftest import ISSUED_AT, SKILL, issue
from tests.edc.conftest import ELM, p12, pem, shacl, shacl_rdflib

NOW = ISSUED_AT + dt.timedelta(days=1)
LEGAL = "VATBE-0123456789"


def header_of(sealed: dict[str, Any]) -> dict[str, Any]:
    protected = sealed["signatures"][0]["protected"]
    return json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))


def jwcrypto_open(sealed: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[x509.Certificate]]:
    """Verifies the seal with jwcrypto and the public key of the first certificate in `x5c`; checks the
    thumbprint with hashlib. Raises jwcrypto's InvalidJWSSignature when the seal does not match."""
    header = header_of(sealed)
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
    der = chain[0].public_bytes(serialization.Encoding.DER)
    assert header["x5t#S256"] == base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    public = (
        chain[0]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = jws.JWS(header_registry={"sigT": JWSEHeaderParameter("claimed signing time", False, True, None)})
    token.deserialize(json.dumps(sealed))
    token.verify(jwk.JWK.from_pem(public))
    return json.loads(token.payload), header, chain


def _prepare(sessions: sessionmaker[Session], achievement: str, legal: str | None = LEGAL) -> None:
    with unit_of_work(sessions) as db:
        db.scalar(select(Organisation).where(Organisation.slug == "asa")).legal_identifier = legal
        db.scalar(select(Achievement).where(Achievement.slug == achievement)).isced_f = "0716"


def _sealed(
    sessions: sessionmaker[Session], issuing: Any, uuid: str, now: dt.datetime = NOW
) -> dict[str, Any]:
    with unit_of_work(sessions) as db:
        return service.sealed_edc(db=db, actor=SYSTEM, credential_id=uuid, issuing=issuing, now=now)


def concepts(node: Any, found: set[str] | None = None) -> set[str]:
    """Every `id` in the document."""
    found = set() if found is None else found
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            found.add(node["id"])
        for value in node.values():
            concepts(value, found)
    elif isinstance(node, list):
        for value in node:
            concepts(value, found)
    return found


def test_the_edc_passes_the_official_shapes_and_carries_the_eu_elements(
    sessions: sessionmaker[Session], issuing: Any, achievement: str, world: dict[str, int]
) -> None:
    _prepare(sessions, achievement)
    uuid, _ = issue(sessions, issuing, achievement, world["p0"])
    sealed = _sealed(sessions, issuing, uuid)
    credential = json.loads(sealed["payload"])
    conforms, triples, report = shacl(credential)
    assert conforms, report
    assert triples > 100
    # rdflib's own JSON-LD parser (as the EU files' edc_check.py reads it) sees the same graph
    assert shacl_rdflib(credential)[:2] == (True, triples)

    assert credential["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "http://data.europa.eu/snb/model/context/edc-ap",
    ]
    assert credential["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert credential["id"] == f"urn:uuid:{uuid}"
    assert credential["issued"] == credential["validFrom"] == "2026-05-20T10:00:00Z"
    ids = concepts(credential)
    assert {
        "http://data.europa.eu/snb/eqf/5",  # EQF level
        "http://data.europa.eu/snb/isced-f/0716",  # ISCED-F: motor vehicles, ships and aircraft
        "http://data.europa.eu/snb/learning-assessment/9191af2ed9",  # mode: presential (on site)
        "http://data.europa.eu/snb/assessment/6a4db9f11d",  # practical assessment
        "http://data.europa.eu/snb/education-credit/6fcec5c5af",  # ECTS
        "http://data.europa.eu/snb/credential/e34929035b",  # the generic EDC profile
        "http://publications.europa.eu/resource/authority/country/BEL",
        "http://publications.europa.eu/resource/authority/language/ENG",
        SKILL,  # the achievement's ESCO skill, as a learning outcome's relatedESCOSkill
    } <= ids
    claim = credential["credentialSubject"]["hasClaim"]
    spec = claim["specifiedBy"]
    assert spec["creditPoint"]["point"] == "0.5"
    assert spec["volumeOfLearning"] == "PT16H"
    assert [o["relatedESCOSkill"]["id"] for o in spec["learningOutcome"] if "relatedESCOSkill" in o] == [
        SKILL
    ]
    assert spec["title"] == {"en": "Hydrogen VET teacher"}  # multilingual fields: language maps
    issuer = credential["issuer"]
    assert issuer["eIDASIdentifier"]["notation"] == LEGAL
    assert issuer["legalName"] == {"en": "Automotive Skills Alliance"}
    assert claim["awardedBy"]["awardingBody"]["id"] == issuer["id"]
    # The learner as the Open Badge names them: no name shown without their consent, its salted hash instead.
    person = credential["credentialSubject"]
    assert "fullName" not in person
    assert person["identifier"]["notation"].startswith("sha256$")
    assert "Ana" not in json.dumps(credential)
    image = credential["displayParameter"]["individualDisplay"]["displayDetail"]["image"]
    assert base64.b64decode(image["content"]).startswith(b"\x89PNG")


def test_the_shapes_can_fail_and_accept_the_official_sample(
    sessions: sessionmaker[Session], issuing: Any, achievement: str, world: dict[str, int]
) -> None:
    """The check is not a formality: without the issuer's legal identifier (or a title) it refuses; the EU's
    own sealed sample passes it (the same offline contexts)."""
    _prepare(sessions, achievement)
    uuid, _ = issue(sessions, issuing, achievement, world["p1"])
    credential = json.loads(_sealed(sessions, issuing, uuid)["payload"])
    broken = copy.deepcopy(credential)
    del broken["issuer"]["eIDASIdentifier"]  # the issuer is the awarding body: the same node twice
    del broken["credentialSubject"]["hasClaim"]["awardedBy"]["awardingBody"]["eIDASIdentifier"]
    conforms, _, report = shacl(broken)
    assert not conforms and "eidasLegalIdentifier" in report
    broken = copy.deepcopy(credential)
    del broken["credentialSubject"]["hasClaim"]["title"]
    assert not shacl(broken)[0]

    official = json.loads((ELM / "samples" / "Sample-MC-Annex1-signed.jsonld").read_text())
    conforms, triples, report = shacl(json.loads(official["payload"]))
    assert conforms, report
    assert triples > 300


def test_the_seal_verifies_with_jwcrypto_and_a_changed_character_breaks_it(
    sessions: sessionmaker[Session], issuing: Any, achievement: str, world: dict[str, int]
) -> None:
    _prepare(sessions, achievement)
    uuid, _ = issue(sessions, issuing, achievement, world["p0"])
    sealed = _sealed(sessions, issuing, uuid)
    payload, header, chain = jwcrypto_open(sealed)
    assert payload["id"] == f"urn:uuid:{uuid}"
    # JAdES baseline header, as the EU's issuing service writes it
    assert header["alg"] == "ES256" and header["typ"] == "jose+json"
    assert header["b64"] is False and set(header["crit"]) == {"b64", "sigT"}
    assert header["sigT"] == "2026-05-21T10:00:00Z"
    assert sealed["payload"].startswith("{")  # the unencoded payload: the credential itself
    # the demo's self-signed certificate, made for the organisation, names its legal identifier
    certificate = chain[0]
    assert certificate.issuer == certificate.subject
    assert "VATBE-0123456789" in certificate.subject.rfc4514_string()
    # our own check agrees
    assert seal.open_seal(sealed, NOW)[0] == payload

    tampered = dict(
        sealed, payload=sealed["payload"].replace("Hydrogen VET teacher", "Hydrogen VET teachers", 1)
    )
    assert tampered["payload"] != sealed["payload"]
    with pytest.raises(jws.InvalidJWSSignature):
        jwcrypto_open(tampered)
    with pytest.raises(seal.SealInvalid):
        seal.open_seal(tampered)
    one_char = dict(sealed, payload=sealed["payload"].replace('"issued":"2026', '"issued":"2027', 1))
    with pytest.raises(jws.InvalidJWSSignature):
        jwcrypto_open(one_char)
    signature = sealed["signatures"][0]["signature"]
    flipped = ("A" if signature[5] != "A" else "B").join([signature[:5], signature[6:]])
    forged = {"payload": sealed["payload"], "signatures": [{**sealed["signatures"][0], "signature": flipped}]}
    with pytest.raises(jws.InvalidJWSSignature):
        jwcrypto_open(forged)

    # the same seal again: the organisation keeps one certificate
    again = _sealed(sessions, issuing, uuid)
    assert header_of(again)["x5c"] == header["x5c"]


def test_a_pkcs12_seal_certificate_loads_and_seals_with_its_chain(
    sessions: sessionmaker[Session], issuing: Any, achievement: str, world: dict[str, int]
) -> None:
    _prepare(sessions, achievement, legal=None)
    data, leaf, ca = p12(b"seal-pass")

    def load(content: bytes, password: str | None) -> Any:
        with unit_of_work(sessions) as db:
            return service.load_certificate(
                db=db,
                actor=SYSTEM,
                organisation="asa",
                data=content,
                password=password,
                issuing=issuing,
                now=NOW,
            )

    for password, field in ((None, "password"), ("wrong", "password")):
        with pytest.raises(InvalidInput) as refused:
            load(data, password)
        assert refused.value.field == field, refused.value.message
    with pytest.raises(InvalidInput) as refused:
        load(b"not a certificate at all", None)
    assert refused.value.field == "certificate"
    expired, _, _ = p12(b"x", not_after=NOW - dt.timedelta(days=1))
    with pytest.raises(InvalidInput) as refused:
        load(expired, "x")
    assert refused.value.field == "certificate" and "expired" in refused.value.message

    row = load(data, "seal-pass")
    assert not row.self_signed and "Test Qualified Seal CA" in row.issuer
    with pytest.raises(Conflict):
        load(data, "seal-pass")  # the same certificate twice
    with unit_of_work(sessions) as db:
        # the organisation had no legal identifier: it takes the one its seal certificate names
        assert (
            db.scalar(select(Organisation.legal_identifier).where(Organisation.slug == "asa"))
            == "VATBE-0999888777"
        )
        stored = db.scalar(select(SealCertificate).where(SealCertificate.id == row.id))
        assert b"PRIVATE" not in stored.private_key_sealed  # sealed with the key-encryption key

    uuid, _ = issue(sessions, issuing, achievement, world["p0"])
    sealed = _sealed(sessions, issuing, uuid)
    payload, header, chain = jwcrypto_open(sealed)
    assert header["alg"] == "RS256"
    assert chain == [leaf, ca]  # the signing certificate first, then its CA
    chain[0].verify_directly_issued_by(chain[1])
    assert payload["issuer"]["eIDASIdentifier"]["notation"] == "VATBE-0999888777"
    assert shacl(payload)[0]


def test_pem_with_an_encrypted_key(
    sessions: sessionmaker[Session], issuing: Any, world: dict[str, int]
) -> None:
    data, leaf = pem(b"pem-pass")

    def load(password: str | None) -> Any:
        with unit_of_work(sessions) as db:
            return service.load_certificate(
                db=db,
                actor=SYSTEM,
                organisation="asa",
                data=data,
                password=password,
                issuing=issuing,
                now=NOW,
            )

    for password in (None, "wrong"):
        with pytest.raises(InvalidInput) as refused:
            load(password)
        assert refused.value.field == "password"
    row = load("pem-pass")
    assert row.fingerprint == hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest()


def test_no_legal_identifier_no_edc(
    sessions: sessionmaker[Session], issuing: Any, achievement: str, world: dict[str, int]
) -> None:
    _prepare(sessions, achievement, legal=None)
    uuid, _ = issue(sessions, issuing, achievement, world["p0"])
    with pytest.raises(Conflict) as refused:
        _sealed(sessions, issuing, uuid)
    assert refused.value.field == "legal_identifier"


def test_no_edc_after_the_holders_erasure(
    sessions: sessionmaker[Session], issuing: Any, achievement: str, world: dict[str, int]
) -> None:
    from skillatlas.config import Settings
    from skillatlas.credentials.service import Withdrawn
    from skillatlas.privacy import service as privacy

    _prepare(sessions, achievement)
    uuid, _ = issue(sessions, issuing, achievement, world["p0"])
    assert _sealed(sessions, issuing, uuid)
    with unit_of_work(sessions) as db:
        # the erasure re-signs the status list with the issuer's key, found through the app's settings
        db.info["skillatlas.settings"] = Settings(data_dir=issuing.data_dir)
        privacy.erase(db=db, actor=SYSTEM, person_id=world["p0"], now=NOW)
    with pytest.raises(Withdrawn):
        _sealed(sessions, issuing, uuid)
