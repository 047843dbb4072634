"""W3C Bitstring Status List: the bitstring, its GZIP + base64url multibase encoding, and index allocation."""

from __future__ import annotations

import gzip
import math

from skillatlas.credentials.keys import b64url, b64url_decode

LIST_BITS = 131_072  # the spec's minimum size: 16 KiB, herd privacy for the learners on it
PURPOSES = ("revocation", "suspension")
# A prime step walks every index of a list of LIST_BITS (a power of two) once, in a scattered order, so an
# index says nothing about when the credential was issued or to whom.
_STEP = 92_821


def empty_list(bits: int = LIST_BITS) -> bytes:
    return bytes(math.ceil(bits / 8))


def index_for(sequence: int, bits: int = LIST_BITS) -> int:
    """The list index of the `sequence`-th credential of an issuer (0-based); a bijection on [0, bits)."""
    if not 0 <= sequence < bits:
        raise ValueError("the status list is full")
    return (sequence * _STEP + 7) % bits


def get_bit(bitstring: bytes, index: int) -> bool:
    """Bit `index`, counting from the left-most bit of the first byte, as the spec says."""
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def set_bit(bitstring: bytes, index: int, value: bool) -> bytes:
    data = bytearray(bitstring)
    if value:
        data[index // 8] |= 0x80 >> (index % 8)
    else:
        data[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF
    return bytes(data)


def encode(bitstring: bytes) -> str:
    """`encodedList`: multibase base64url (prefix `u`, no padding) of the GZIP-compressed bitstring."""
    return "u" + b64url(gzip.compress(bitstring, mtime=0))


def decode(encoded: str) -> bytes:
    """The bitstring of an `encodedList`; ValueError when it is not one."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (start with 'u')")
    try:
        return gzip.decompress(b64url_decode(encoded[1:]))
    except (OSError, EOFError) as exc:
        raise ValueError(f"encodedList is not GZIP data: {exc}") from exc
