"""The JAdES seal of an EDC: a JWS JSON serialisation whose protected header carries the X.509 chain.

As the EU's issuing service makes it: `alg`, `typ: jose+json`, the signing certificate and its chain in `x5c`
(standard base64 DER, signer first), its SHA-256 thumbprint `x5t#S256`, the claimed signing time `sigT`, and
the unencoded payload (`b64: false`, RFC 7797), so `payload` is the credential's JSON itself; `sigT` and `b64`
are critical. Signed with joserfc (pinned); the tests verify with jwcrypto, an independent implementation.

Certificates: a self-signed one made for an organisation (the demo), or the organisation's own (a qualified
seal certificate), read from PEM (key and chain) or PKCS#12 (with its password).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.registry import HeaderParameter, is_str

from skillatlas.errors import InvalidInput

MAX_FILE_BYTES = 64 * 1024
HEADER_REGISTRY = {"sigT": HeaderParameter("JAdES claimed signing time", is_str)}


class _Registry(jws.JWSRegistry):
    """joserfc's registry with room for a certificate chain in the header and a credential as payload."""

    max_header_length = 64 * 1024
    max_payload_length = 4 * 1024 * 1024
    max_signature_length = 2048


def registry(algorithms: list[str] | None = None) -> jws.JWSRegistry:
    return _Registry(header_registry=HEADER_REGISTRY, algorithms=algorithms or ALGORITHMS)


ALGORITHMS = ["ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"]


@dataclass(frozen=True)
class SealKey:
    """A private key and its certificate chain (the signing certificate first)."""

    private: Any
    chain: list[x509.Certificate]

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]


def algorithm(private: Any) -> str:
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}[private.curve.name]
    if isinstance(private, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise InvalidInput(
        "the seal's key must be RSA, ECDSA (P-256, P-384, P-521) or Ed25519", field="certificate"
    )


def _jwk(private: Any) -> Any:
    """joserfc's key over the cryptography key object itself (no re-import: RSA's key check is slow)."""
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return ECKey.import_key(private)
    if isinstance(private, rsa.RSAPrivateKey):
        return RSAKey.import_key(private)
    return OKPKey.import_key(private)


def der_b64(certificate: x509.Certificate) -> str:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def thumbprint(certificate: x509.Certificate) -> str:
    digest = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def protected_header(key: SealKey, signed_at: dt.datetime) -> dict[str, Any]:
    return {
        "alg": algorithm(key.private),
        "typ": "jose+json",
        "cty": "application/json",
        "x5t#S256": thumbprint(key.certificate),
        "x5c": [der_b64(c) for c in key.chain],
        "sigT": timestamp(signed_at),
        "b64": False,
        "crit": ["b64", "sigT"],
    }


def payload_text(credential: dict[str, Any]) -> str:
    """The credential's JSON as it is sealed (compact, UTF-8)."""
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))


def seal(credential: dict[str, Any], key: SealKey, signed_at: dt.datetime) -> dict[str, Any]:
    """The sealed EDC: {"payload": the credential's JSON, "signatures": [{"protected", "signature"}]}."""
    header = protected_header(key, signed_at)
    return jws.serialize_json(
        [{"protected": header}],
        payload_text(credential),
        _jwk(key.private),
        registry=registry([header["alg"]]),
    )


class SealInvalid(Exception):
    """A seal that does not verify, with the reason."""


def header_of(sealed: dict[str, Any]) -> dict[str, Any]:
    """The protected header of the (first) seal."""
    protected = sealed["signatures"][0]["protected"]
    header = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
    if not isinstance(header, dict):
        raise ValueError("the protected header is not a JSON object")
    return header


def certificate_chain(sealed: dict[str, Any]) -> list[x509.Certificate]:
    try:
        header = header_of(sealed)
        return [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise SealInvalid("the seal names no certificate (x5c) in its protected header") from exc


def open_seal(
    sealed: dict[str, Any], at: dt.datetime | None = None
) -> tuple[dict[str, Any], x509.Certificate]:
    """Checks the seal with the public key of the certificate in its own `x5c` (and the thumbprint); returns the
    credential and that certificate. Whether the certificate is a trusted (qualified) one is a trust-list
    question this does not answer."""
    chain = certificate_chain(sealed)
    certificate = chain[0]
    public_pem = certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for kind in (ECKey, RSAKey, OKPKey):
        try:
            key = kind.import_key(public_pem)
            break
        except (JoseError, ValueError, TypeError):
            continue
    else:
        raise SealInvalid("the certificate's key is of a kind a seal does not use")
    try:
        result = jws.deserialize_json(sealed, key, registry=registry())
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SealInvalid(f"the seal does not match the credential: {exc}") from exc
    if len(result.members) != 1:
        raise SealInvalid("an EDC carries exactly one seal")
    header = result.members[0].headers()
    if header.get("x5t#S256") not in (None, thumbprint(certificate)):
        raise SealInvalid("the certificate is not the one the seal names (x5t#S256)")
    if at is not None and not (certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc):
        raise SealInvalid("the seal's certificate is not valid at this time")
    payload = result.payload
    try:
        credential = json.loads(payload.decode() if isinstance(payload, bytes) else payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SealInvalid("the sealed payload is not JSON") from exc
    if not isinstance(credential, dict):
        raise SealInvalid("the sealed payload is not a credential")
    return credential, certificate


# --- certificates --------------------------------------------------------------------------------------


def self_signed(
    *, name: str, country: str, legal_identifier: str | None, now: dt.datetime, years: int = 3
) -> SealKey:
    """A self-signed seal certificate for an organisation (ECDSA P-256), for the demo and for trying out: an
    EDC viewer shows such a seal as not trusted. Its subject carries the legal identifier (organizationIdentifier)."""
    private = ec.generate_private_key(ec.SECP256R1())
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, country.upper()),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, name[:64]),
    ]
    if legal_identifier:
        parts.insert(2, x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, legal_identifier[:64]))
    subject = x509.Name(parts)
    start = now.astimezone(dt.UTC) - dt.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(private, hashes.SHA256())
    )
    return SealKey(private=private, chain=[certificate])


def _order(certificate: x509.Certificate, others: list[x509.Certificate]) -> list[x509.Certificate]:
    """The chain from the signing certificate upwards, as far as the given certificates reach."""
    chain, rest = [certificate], [c for c in others if c != certificate]
    while rest:
        issuer = next((c for c in rest if c.subject == chain[-1].issuer), None)
        if issuer is None or issuer.subject == chain[-1].subject:
            break
        chain.append(issuer)
        rest.remove(issuer)
    return chain


def load(data: bytes, password: str | None, *, now: dt.datetime) -> SealKey:
    """A seal key from a PKCS#12 file (.p12/.pfx) or PEM (private key and certificates), checked: the key
    matches the certificate, the certificate is valid now and may sign. Errors name the field they concern."""
    if not data:
        raise InvalidInput("choose a certificate file", field="certificate")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"a certificate file has at most {MAX_FILE_BYTES // 1024} KiB", field="certificate"
        )
    secret = password.encode() if password else None
    if b"-----BEGIN" in data:
        try:
            private = serialization.load_pem_private_key(data, secret)
        except TypeError as exc:
            raise InvalidInput(
                "the private key is protected by a password: enter it"
                if secret is None
                else "this private key is not protected by a password: leave the password empty",
                field="password",
            ) from exc
        except ValueError as exc:
            if b"ENCRYPTED" in data and secret is not None:
                raise InvalidInput("the password does not open the private key", field="password") from exc
            raise InvalidInput(
                "the file holds no private key this platform can read (PEM)", field="certificate"
            ) from exc
        try:
            certificates = x509.load_pem_x509_certificates(data)
        except ValueError as exc:
            raise InvalidInput("the file holds no certificate (PEM)", field="certificate") from exc
    else:
        try:
            private, leaf, extra = pkcs12.load_key_and_certificates(data, secret)
        except ValueError as exc:
            text = str(exc).lower()
            if "password" in text or "mac" in text or "decrypt" in text:
                raise InvalidInput("the password does not open this PKCS#12 file", field="password") from exc
            raise InvalidInput(
                "this is neither a PKCS#12 file (.p12, .pfx) nor PEM", field="certificate"
            ) from exc
        if private is None or leaf is None:
            raise InvalidInput(
                "the PKCS#12 file must hold the private key and its certificate", field="certificate"
            )
        certificates = [leaf, *extra]
    algorithm(private)
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    leaf = next(
        (
            c
            for c in certificates
            if c.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            == public
        ),
        None,
    )
    if leaf is None:
        raise InvalidInput("no certificate in the file belongs to its private key", field="certificate")
    at = now.astimezone(dt.UTC)
    if at < leaf.not_valid_before_utc:
        raise InvalidInput("the certificate is not valid yet", field="certificate")
    if at > leaf.not_valid_after_utc:
        raise InvalidInput(
            f"the certificate expired on {leaf.not_valid_after_utc.date().isoformat()}", field="certificate"
        )
    if isinstance(private, rsa.RSAPrivateKey) and private.key_size < 2048:
        raise InvalidInput("an RSA seal key needs 2048 bits at least", field="certificate")
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            raise InvalidInput(
                "the certificate may not be used for signatures (key usage)", field="certificate"
            )
    except x509.ExtensionNotFound:
        pass
    return SealKey(private=private, chain=_order(leaf, certificates))


def private_der(key: SealKey) -> bytes:
    return key.private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def chain_pem(key: SealKey) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in key.chain)


def from_stored(private: bytes, chain: str) -> SealKey:
    return SealKey(
        # our own key, checked when it was loaded: RSA's consistency check (~0.1 s) is not repeated per seal
        private=serialization.load_der_private_key(private, None, unsafe_skip_rsa_key_validation=True),
        chain=x509.load_pem_x509_certificates(chain.encode()),
    )


def subject_text(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def organization_identifier(certificate: x509.Certificate) -> str | None:
    found = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)
    return str(found[0].value) if found else None


def is_self_signed(certificate: x509.Certificate) -> bool:
    return certificate.issuer == certificate.subject
