"""Fixtures for the search tests: a tiny deterministic embedding backend and a small skill corpus."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from skillatlas.search.backends import Role


class TrigramBackend:
    """Hashed character trigrams: a real (if crude) embedding that needs no model, for logic tests."""

    name = "test-trigrams"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts_embedded = 0

    def embed(self, texts: list[str], *, role: Role = "passage") -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()} "
            for start in range(len(padded) - 2):
                vectors[row, zlib.crc32(padded[start : start + 3].encode()) % self.dim] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms


SKILLS = [
    ("s1", "work in teams"),
    ("s2", "communicate with customers"),
    ("s3", "Python (computer programming)"),
    ("s4", ("JavaScript", "ECMAScript", "JS")),
    ("s5", "drive vehicles"),
    ("s6", "maintain electric vehicle batteries"),
    ("s7", "manage a budget"),
    ("s8", "C++"),
    ("s9", "C#"),
    ("s10", ("repair engines", "fix motors", "engine repair")),
]


@pytest.fixture
def trigram_backend() -> TrigramBackend:
    return TrigramBackend()
