"""Fixtures of the EDC tests: the credential tests' world (the ASA issues an achievement to three learners), the
official ELM shapes vendored in `data/elm` (EUPL 1.2), and certificates made with `cryptography`."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests.credentials.conftest import achievement, issuing, world  # noqa: F401  (fixtures)

ELM = Path(__file__).resolve().parent / "data" / "elm"


@cache
def _shapes() -> tuple[Any, Any]:
    from rdflib import Graph

    shapes = Graph().parse(ELM / "shapes" / "EDC-generic-no-cv.ttl", format="turtle")
    ontology = Graph().parse(ELM / "shapes" / "ELM.ttl", format="turtle")
    return shapes, ontology


def shacl(credential: dict[str, Any]) -> tuple[bool, int, str]:
    """(conforms, triples, report) of the official EDC-generic-no-cv shapes, offline (pyshacl)."""
    from pyshacl import validate

    from skillatlas.credentials.edc import jsonld

    data = jsonld.to_graph(credential)
    shapes, ontology = _shapes()
    conforms, _, text = validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    return bool(conforms), len(data), text


def _name(common: str, legal: str | None = None) -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, common),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ]
    if legal:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, legal))
    return x509.Name(parts)


@cache
def _rsa_keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    """The CA's and the seal's RSA 2048 keys, made once per test process (each takes ~0.1 s); every call of
    `ca_and_seal` still issues its own certificates with fresh serial numbers."""
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


def ca_and_seal(
    *, not_after: dt.datetime | None = None, legal: str | None = "VATBE-0999888777"
) -> tuple[rsa.RSAPrivateKey, x509.Certificate, x509.Certificate]:
    """A test CA (RSA 2048) and a seal certificate it issued (RSA 2048): (seal key, seal certificate, CA)."""
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # before every clock the tests pin
    ca_key, key = _rsa_keys()
    ca_name = _name("Test Qualified Seal CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=6000))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Automotive Skills Alliance", legal))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(not_after or now + dt.timedelta(days=5000))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return key, leaf, ca


def p12(
    password: bytes | None = b"seal-pass", **kwargs: Any
) -> tuple[bytes, x509.Certificate, x509.Certificate]:
    """A PKCS#12 file with the seal key, its certificate and the CA: (file, seal certificate, CA)."""
    key, leaf, ca = ca_and_seal(**kwargs)
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(b"seal", key, leaf, [ca], encryption), leaf, ca


def pem(password: bytes | None = None) -> tuple[bytes, x509.Certificate]:
    """PEM: the (optionally encrypted) private key, the seal certificate and the CA."""
    key, leaf, ca = ca_and_seal()
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    text = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    text += leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    return text, leaf


def shacl_rdflib(credential: dict[str, Any]) -> tuple[bool, int, str]:
    """The same check as the EU files' own `edc_check.py` makes it: rdflib's JSON-LD parser (not pyld) over
    the document with the two vendored contexts put inline."""
    import copy
    import json

    from pyshacl import validate
    from rdflib import Graph

    from skillatlas.credentials.edc import jsonld

    doc = copy.deepcopy(credential)
    doc["@context"] = [jsonld.context_document(c)["@context"] for c in doc["@context"]]
    data = Graph().parse(data=json.dumps(doc), format="json-ld")
    shapes, ontology = _shapes()
    conforms, _, text = validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    return bool(conforms), len(data), text
