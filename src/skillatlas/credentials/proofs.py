"""Proofs: Data Integrity `eddsa-rdfc-2022` (embedded) and VC-JOSE (a JWS with `EdDSA`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from skillatlas import limits
from skillatlas.credentials import jsonld
from skillatlas.credentials.keys import b58encode, b64url, b64url_decode, from_multibase_b58

CRYPTOSUITE = "eddsa-rdfc-2022"
JWT_TYP = "vc+jwt"


class ProofError(Exception):
    """The proof is malformed or does not verify; the message says which."""


@lru_cache(maxsize=256)
def _config_hash(config_json: str) -> bytes:
    # A bulk run signs thousands of credentials with one proof configuration: canonicalize it once.
    return hashlib.sha256(jsonld.canonize(json.loads(config_json)).encode()).digest()


def hash_data(
    unsecured: dict[str, Any],
    proof_config: dict[str, Any],
    *,
    canonize: Callable[[dict[str, Any]], str] | None = None,
) -> bytes:
    """sha256(canonical proof configuration) + sha256(canonical document), as eddsa-rdfc-2022 says.

    `canonize` is `jsonld.canonize` (our own documents, the proof configuration canonicalised once per
    bulk run) unless given: verification passes the limited one of `canon`, run in a worker.
    """
    if canonize is None:
        canonical_document = jsonld.canonize(unsecured)
        config_hash = _config_hash(json.dumps(proof_config, sort_keys=True, ensure_ascii=False))
    else:
        canonical_document = canonize(unsecured)
        config_hash = hashlib.sha256(canonize(proof_config).encode()).digest()
    return config_hash + hashlib.sha256(canonical_document.encode()).digest()


_hash_data = hash_data


def sign_data_integrity(
    credential: dict[str, Any], *, key: Ed25519PrivateKey, verification_method: str, created: str
) -> dict[str, Any]:
    """The credential with an embedded DataIntegrityProof (eddsa-rdfc-2022, proofPurpose assertionMethod)."""
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    config = {"@context": unsecured["@context"], **proof}
    signature = key.sign(hash_data(unsecured, config))
    return {**unsecured, "proof": {**proof, "proofValue": "z" + b58encode(signature)}}


def data_integrity_proof(credential: dict[str, Any]) -> dict[str, Any]:
    """The one embedded eddsa-rdfc-2022 proof; ProofError when there is none or it is malformed."""
    proof = credential.get("proof")
    if isinstance(proof, list):
        ours = [p for p in proof if isinstance(p, dict) and p.get("cryptosuite") == CRYPTOSUITE]
        if len(ours) != 1:
            raise ProofError("expected exactly one eddsa-rdfc-2022 proof")
        proof = ours[0]
    if not isinstance(proof, dict):
        raise ProofError("the credential carries no embedded proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            f"unsupported proof {proof.get('type')!r}/{proof.get('cryptosuite')!r}: expected DataIntegrityProof/{CRYPTOSUITE}"
        )
    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            raise ProofError(f"the proof has no {name}")
    if proof["proofPurpose"] != "assertionMethod":
        raise ProofError(f"proofPurpose is {proof['proofPurpose']!r}, expected 'assertionMethod'")
    return proof


def verify_data_integrity(
    credential: dict[str, Any],
    public: Ed25519PublicKey,
    *,
    hasher: Callable[[dict[str, Any], dict[str, Any]], bytes] = hash_data,
) -> None:
    """Returns when the embedded proof verifies with `public`; ProofError says why not.

    `hasher(unsecured, proof_config)` computes what was signed: verification of what anybody sends passes
    `canon.Budget.hash_data`, which canonicalises within the limits in a worker process.
    """
    proof = data_integrity_proof(credential)
    try:
        signature = from_multibase_b58(proof["proofValue"])
    except ValueError as exc:
        raise ProofError(f"proofValue is not base58btc multibase: {exc}") from exc
    if len(signature) != 64:
        raise ProofError("proofValue is not a 64-byte Ed25519 signature")
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    config = {"@context": unsecured.get("@context"), **{k: v for k, v in proof.items() if k != "proofValue"}}
    if "@context" in proof and proof["@context"] != unsecured.get("@context"):
        raise ProofError("the proof's @context differs from the credential's")
    try:
        public.verify(signature, hasher(unsecured, config))
    except InvalidSignature as exc:
        raise ProofError("the signature does not match the signed content or the key") from exc


# --- VC-JOSE: the credential itself is the JWT claims set -----------------------------------------


def sign_jwt(credential: dict[str, Any], *, key: Ed25519PrivateKey, kid: str) -> str:
    """A compact JWS (`alg` EdDSA, `typ` vc+jwt, `cty` vc) whose payload is the unsecured credential."""
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    header = {"alg": "EdDSA", "kid": kid, "typ": JWT_TYP, "cty": "vc"}
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(unsecured, separators=(",", ":"), ensure_ascii=False).encode())
    )
    return signing_input + "." + b64url(key.sign(signing_input.encode()))


def parse_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Header, payload, signing input and signature of a compact JWS; ProofError when malformed."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ProofError("a compact JWS has three dot-separated parts")
    try:
        raw = [b64url_decode(part) for part in parts]
        if [b64url(r) for r in raw] != parts:
            raise ValueError("not canonical base64url (stray characters or padding bits)")
        limits.check_json_depth(raw[0], what="the JWS header")
        limits.check_json_depth(raw[1], what="the JWS payload")
        header, payload, signature = json.loads(raw[0]), json.loads(raw[1]), raw[2]
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProofError(f"the JWS is not valid base64url JSON: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ProofError("the JWS header and payload must be JSON objects")
    if header.get("alg") != "EdDSA":
        raise ProofError(f"unsupported JWS algorithm {header.get('alg')!r}: expected EdDSA")
    if not isinstance(header.get("kid"), str):
        raise ProofError("the JWS header names no key (kid)")
    return header, payload, f"{parts[0]}.{parts[1]}".encode(), signature


def verify_jwt(token: str, public: Ed25519PublicKey) -> None:
    """Returns when the JWS signature verifies with `public`; ProofError otherwise."""
    _header, _payload, signing_input, signature = parse_jwt(token)
    try:
        public.verify(signature, signing_input)
    except InvalidSignature as exc:
        raise ProofError("the JWS signature does not match the signed content or the key") from exc
