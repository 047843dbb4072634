"""Password hashing with Argon2id (argon2-cffi); the parameters live in the hash, so they can change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so that a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no account has this password")


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Replaces the hasher (the tests use cheap parameters); returns the previous one."""
    global _hasher, _DUMMY_HASH
    previous = _hasher
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("no account has this password")
    return previous


def hash_password(password: str) -> str:
    """The Argon2id hash of a password, with a fresh salt."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; an unknown account is checked against a dummy hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
