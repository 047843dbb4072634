"""Verifying a sealed European Digital Credential at the platform's one verify door (page, API, CLI).

A JAdES JWS JSON serialisation (`{"payload", "signatures"}`) is checked here: the seal against the public key of
the certificate in its own `x5c` (joserfc), the certificate's validity at the claimed signing time, whether it
is a seal certificate an organisation of this platform loaded (else: check it against the EU trust lists), and,
for a credential of this platform, its revocation and suspension. Whether a certificate is qualified is a
trust-list question this platform does not answer offline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.credentials.edc import seal
from skillatlas.credentials.edc.models import SealCertificate
from skillatlas.credentials.models import IssuedCredential
from skillatlas.credentials.schemas import Check, VerificationReport


def sealed_edc_of(data: str | bytes | dict[str, Any]) -> dict[str, Any] | None:
    """The sealed EDC when `data` is one (a JWS JSON serialisation with one signature), else None."""
    if isinstance(data, dict):
        found: Any = data
    else:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if '"signatures"' not in text[:200_000] or '"payload"' not in text:
            return None
        try:
            found = json.loads(text)
        except ValueError:
            return None
    if (
        isinstance(found, dict)
        and set(found) >= {"payload", "signatures"}
        and isinstance(found["signatures"], list)
    ):
        return found
    return None


def _signed_at(sealed: dict[str, Any]) -> dt.datetime | None:
    try:
        text = seal.header_of(sealed).get("sigT")
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except (ValueError, TypeError, KeyError, IndexError):
        return None


def report(db: Session, sealed: dict[str, Any], now: dt.datetime) -> VerificationReport:
    checks = [Check(check="format", ok=True, reason="a European Digital Credential with a JAdES seal")]
    try:
        credential, certificate = seal.open_seal(sealed)
    except seal.SealInvalid as exc:
        checks.append(Check(check="seal", ok=False, reason=str(exc)))
        return VerificationReport(valid=False, checks=checks, format="edc")
    checks.append(Check(check="seal", ok=True, reason=f"sealed by {certificate.subject.rfc4514_string()}"))
    at = _signed_at(sealed) or now
    valid_then = certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc
    checks.append(
        Check(
            check="certificate",
            ok=valid_then,
            reason="valid when the credential was sealed" if valid_then else "not valid when it was sealed",
        )
    )
    fingerprint = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    known = db.scalar(select(SealCertificate).where(SealCertificate.fingerprint == fingerprint))
    if known is None:
        checks.append(
            Check(
                check="issuer",
                ok=False,
                reason="not a seal certificate of an organisation on this platform: check it against the EU"
                " trust lists",
            )
        )
    else:
        kind = (
            "a self-signed certificate (not trusted by EDC viewers)"
            if known.self_signed
            else "its certificate"
        )
        checks.append(
            Check(check="issuer", ok=True, reason=f"sealed with {kind} of {known.organisation.name}")
        )
    credential_id = str(credential.get("id") or "")
    issued = db.scalar(
        select(IssuedCredential).where(IssuedCredential.uuid == credential_id.removeprefix("urn:uuid:"))
    )
    if issued is not None:
        if issued.revoked_at is not None:
            checks.append(Check(check="status", ok=False, reason="revoked by the issuer"))
        elif issued.suspended_at is not None:
            checks.append(Check(check="status", ok=False, reason="suspended by the issuer"))
        else:
            checks.append(Check(check="status", ok=True, reason="neither revoked nor suspended"))
    return VerificationReport(
        valid=all(c.ok for c in checks), checks=checks, format="edc", credential=credential
    )
