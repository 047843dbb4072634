"""Revocation and suspension through signed Bitstring Status Lists; key storage and rotation; did:web."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials import keys, service, status
from skillatlas.credentials.models import IssuerKey, KeyStatus
from skillatlas.credentials.schemas import IssuerIdentity
from skillatlas.db import unit_of_work
from skillatlas.errors import Conflict
from tests.credentials.conftest import ISSUED_AT, failed, issue, verify

LATER = ISSUED_AT + dt.timedelta(days=3)


def status_list(sessions: sessionmaker[Session], path: str = "asa", purpose: str = "revocation") -> dict:
    with sessions() as db:
        return service.status_list_document(db=db, path=path, purpose=purpose)


def test_the_status_list_is_a_real_signed_gzip_bitstring(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    issue(sessions, issuing, achievement, world["p0"])
    document = status_list(sessions)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = document["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded
    bitstring = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bitstring) * 8 >= 131_072 and not any(bitstring)
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert status_list(sessions, purpose="suspension")["credentialSubject"]["statusPurpose"] == "suspension"


def test_revoking_flips_one_bit_and_the_credential_fails_with_the_reason(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    uuid, text = issue(sessions, issuing, achievement, world["p0"])
    _other_uuid, other = issue(sessions, issuing, achievement, world["p1"])
    with unit_of_work(sessions) as db:
        service.revoke(
            db=db, actor=SYSTEM, credential_id=f"urn:uuid:{uuid}", reason="fraud", issuing=issuing, now=LATER
        )
    bits = status.decode(status_list(sessions)["credentialSubject"]["encodedList"])
    index = int(json.loads(text)["credentialStatus"][0]["statusListIndex"])
    assert status.get_bit(bits, index) and sum(bin(b).count("1") for b in bits) == 1
    report = verify(sessions, text, at=LATER)
    assert not report.valid and failed(report) == {"status": "revoked by the issuer"}
    assert verify(sessions, other, at=LATER).valid
    with pytest.raises(Conflict, match="cannot be undone"), unit_of_work(sessions) as db:
        service.revoke(db=db, actor=SYSTEM, credential_id=uuid, reason=None, issuing=issuing, now=LATER)


def test_suspension_is_reversible(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    uuid, token = issue(sessions, issuing, achievement, world["p0"], fmt="jwt")
    with unit_of_work(sessions) as db:
        service.suspend(
            db=db, actor=SYSTEM, credential_id=uuid, reason="under review", issuing=issuing, now=LATER
        )
    assert failed(verify(sessions, token, at=LATER)) == {"status": "suspended by the issuer"}
    with unit_of_work(sessions) as db:
        service.reinstate(db=db, actor=SYSTEM, credential_id=uuid, reason=None, issuing=issuing, now=LATER)
    assert verify(sessions, token, at=LATER).valid


def test_a_tampered_status_list_is_not_trusted(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    from skillatlas.credentials.verify import OfflineResolver
    from skillatlas.credentials.verify import verify as offline_verify

    _uuid, text = issue(sessions, issuing, achievement, world["p0"])
    url, suspension = (e["statusListCredential"] for e in json.loads(text)["credentialStatus"])
    lists = {url: status_list(sessions), suspension: status_list(sessions, purpose="suspension")}
    forged = status_list(sessions)
    forged["credentialSubject"]["encodedList"] = status.encode(status.set_bit(status.empty_list(), 5, True))
    report = offline_verify(text, resolver=OfflineResolver({**lists, url: forged}), now=LATER)
    assert "does not verify" in failed(report)["status"]
    assert offline_verify(text, resolver=OfflineResolver(lists), now=LATER).valid


def test_rotating_a_did_key_keeps_old_credentials_valid(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    old_uuid, old = issue(sessions, issuing, achievement, world["p0"])
    with unit_of_work(sessions) as db:
        new_key = service.rotate_key(db=db, actor=SYSTEM, organisation="asa", issuing=issuing, now=LATER)
    _new_uuid, new = issue(sessions, issuing, achievement, world["p1"], at=LATER)
    assert json.loads(new)["issuer"]["id"] == new_key.did != json.loads(old)["issuer"]["id"]
    assert json.loads(new)["credentialStatus"][0]["statusListCredential"].endswith(
        "/credentials/status/asa.2/revocation"
    )
    old_report = verify(sessions, old, at=LATER)
    assert old_report.valid, failed(old_report)
    assert "retired key" in next(c.reason for c in old_report.checks if c.check == "issuer")
    assert verify(sessions, new, at=LATER).valid
    # The retired key still keeps the status list of its own identity.
    with unit_of_work(sessions) as db:
        service.revoke(db=db, actor=SYSTEM, credential_id=old_uuid, reason=None, issuing=issuing, now=LATER)
    assert failed(verify(sessions, old, at=LATER)) == {"status": "revoked by the issuer"}
    with sessions() as db:
        states = [k.status for k in db.scalars(select(IssuerKey).order_by(IssuerKey.id))]
    assert states == [KeyStatus.RETIRED, KeyStatus.ACTIVE]


def test_did_web_identity_is_served_and_survives_rotation(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    identity = IssuerIdentity(method="web", domain="127.0.0.1%3A8000")  # type: ignore[arg-type]
    with unit_of_work(sessions) as db:
        service.rotate_key(
            db=db, actor=SYSTEM, organisation="asa", issuing=issuing, now=ISSUED_AT, identity=identity
        )
    _uuid, first = issue(sessions, issuing, achievement, world["p0"])
    did = "did:web:127.0.0.1%3A8000:credentials:issuers:asa"
    assert json.loads(first)["issuer"]["id"] == did
    with unit_of_work(sessions) as db:
        service.rotate_key(db=db, actor=SYSTEM, organisation="asa", issuing=issuing, now=LATER)
    _uuid, second = issue(sessions, issuing, achievement, world["p1"], at=LATER)
    with sessions() as db:
        document = service.did_document_for(db=db, organisation="asa")
    assert document["id"] == did and len(document["assertionMethod"]) == 2
    assert json.loads(second)["issuer"]["id"] == did
    for text in (first, second):
        report = verify(sessions, text, at=LATER)
        assert report.valid, failed(report)


def test_private_keys_are_sealed_and_need_the_right_kek(
    sessions: sessionmaker[Session],
    issuing: service.Issuing,
    achievement: str,
    world: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    issue(sessions, issuing, achievement, world["p0"])
    with sessions() as db:
        key = db.scalars(select(IssuerKey)).one()
        sealed = key.private_key_sealed
        label = key.verification_method
    raw = keys.unseal(keys.load_kek(issuing.data_dir), sealed, label=label)
    assert raw not in sealed and len(raw) == 32
    monkeypatch.setenv(keys.KEK_ENV, keys.b64url(os.urandom(32)))
    with pytest.raises(keys.KeyUnavailable, match="not the one it was sealed with"):
        keys.unseal(keys.load_kek(tmp_path), sealed, label=label)
    monkeypatch.setenv(keys.KEK_ENV, "c2hvcnQ")
    with pytest.raises(keys.KeyUnavailable, match="32 bytes"):
        keys.load_kek(tmp_path)


def test_status_indexes_never_repeat() -> None:
    indexes = {status.index_for(n) for n in range(status.LIST_BITS)}
    assert len(indexes) == status.LIST_BITS and min(indexes) == 0 and max(indexes) == status.LIST_BITS - 1
    with pytest.raises(ValueError, match="full"):
        status.index_for(status.LIST_BITS)


def test_base58_and_multikey_round_trip() -> None:
    for data in (b"", b"\0\0abc", os.urandom(34)):
        assert keys.b58decode(keys.b58encode(data)) == data
    private = keys.new_private_key()
    multikey = keys.public_multikey(private.public_key())
    assert multikey.startswith("z6Mk")
    assert keys.public_multikey(keys.public_from_multikey(multikey)) == multikey
