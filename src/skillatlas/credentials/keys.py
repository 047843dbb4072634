"""Ed25519 keys: multibase and did:key encodings, and the key-encryption key that protects them at rest."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from skillatlas.errors import InvalidInput, SkillAtlasError

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec ed25519-pub, varint-encoded
KEK_ENV = "SKILLATLAS_CREDENTIALS_KEK"
KEK_FILE = "credentials-kek.key"


class KeyUnavailable(SkillAtlasError):
    """The key-encryption key is missing or wrong, so an issuer's private key cannot be opened."""

    status_code = 500
    code = "key_unavailable"


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet)."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_B58[rest])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Bytes of a base58 string; ValueError on a character outside the alphabet."""
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError(f"not base58: {char!r}")
        number = number * 58 + _B58_INDEX[char]
    pad = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * pad + body


def multibase_b58(data: bytes) -> str:
    return "z" + b58encode(data)


def from_multibase_b58(value: str) -> bytes:
    if not value.startswith("z"):
        raise ValueError("expected a base58btc multibase value (starting with 'z')")
    return b58decode(value[1:])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_multikey(public: Ed25519PublicKey) -> str:
    """The Multikey `publicKeyMultibase`: z + base58btc(0xed01 + 32 bytes)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_b58(ED25519_PUB_PREFIX + raw)


def public_from_multikey(value: str) -> Ed25519PublicKey:
    """The public key of a Multikey value; ValueError when it is not an Ed25519 key."""
    data = from_multibase_b58(value)
    if not data.startswith(ED25519_PUB_PREFIX) or len(data) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def did_key(public: Ed25519PublicKey) -> str:
    return "did:key:" + public_multikey(public)


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


# --- the key-encryption key ----------------------------------------------------------------------


def load_kek(data_dir: Path) -> bytes:
    """The 32-byte key-encryption key: from SKILLATLAS_CREDENTIALS_KEK (base64url), else a 0600 file
    under the data directory, created on first use."""
    env = os.environ.get(KEK_ENV)
    if env:
        try:
            key = b64url_decode(env.strip())
        except ValueError as exc:
            raise KeyUnavailable(f"{KEK_ENV} is not base64url") from exc
        if len(key) != 32:
            raise KeyUnavailable(f"{KEK_ENV} must hold 32 bytes (base64url), it holds {len(key)}")
        return key
    path = Path(data_dir) / KEK_FILE
    if path.exists():
        key = b64url_decode(path.read_text().strip())
        if len(key) != 32:
            raise KeyUnavailable(f"{path} does not hold a 32-byte key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(b64url(key) + "\n")
    return key


def seal(kek: bytes, secret: bytes, *, label: str) -> bytes:
    """AES-256-GCM: 12-byte nonce + ciphertext; `label` (the key's id) is bound as associated data."""
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(kek).encrypt(nonce, secret, label.encode())


def unseal(kek: bytes, sealed: bytes, *, label: str) -> bytes:
    try:
        return AESGCM(kek).decrypt(sealed[:12], sealed[12:], label.encode())
    except InvalidTag as exc:
        raise KeyUnavailable(
            "an issuer's private key cannot be decrypted: the key-encryption key is not the one it was sealed with"
        ) from exc


def private_from_raw(raw: bytes) -> Ed25519PrivateKey:
    if len(raw) != 32:
        raise InvalidInput("an Ed25519 private key has 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)
