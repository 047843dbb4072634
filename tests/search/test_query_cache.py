"""Query vectors are embedded once while they stay among the recent ones, and are the backend's own."""

from __future__ import annotations

import numpy as np
import pytest

from skillatlas.search import backends
from skillatlas.search.backends import embed_queries


class Counting:
    """A backend that counts what it embeds (a real model's vectors would do as well; counting needs this)."""

    name = "counting"
    dim = 3

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str], *, role: str = "passage") -> np.ndarray:
        assert role == "query"
        self.embedded += texts
        return np.array([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32)


def test_a_repeated_query_is_embedded_once_and_gives_the_same_vector() -> None:
    backend = Counting()
    first = embed_queries(backend, ["battery"])
    again = embed_queries(backend, ["battery"])
    assert backend.embedded == ["battery"]
    assert np.array_equal(first, backend.embed(["battery"], role="query"))
    assert np.array_equal(again, first)
    again[0, 0] = -1  # the caller's array is its own: the cache is not changed through it
    assert embed_queries(backend, ["battery"])[0, 0] == len("battery")


def test_a_batch_is_embedded_as_a_batch_never_from_the_cache() -> None:
    """A model's vector of a text varies with its batch: extraction's results must not depend on history."""
    backend = Counting()
    embed_queries(backend, ["battery"])
    embed_queries(backend, ["battery", "hydrogen"])
    embed_queries(backend, ["battery", "hydrogen"])
    assert backend.embedded == ["battery", "battery", "hydrogen", "battery", "hydrogen"]


def test_the_cache_keeps_only_the_most_recent_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "QUERY_CACHE_SIZE", 2)
    backend = Counting()
    for text in ["a", "b", "c", "c", "a"]:  # "a" falls out when "c" comes in
        embed_queries(backend, [text])
    assert backend.embedded == ["a", "b", "c", "a"]


def test_each_backend_has_its_own_vectors() -> None:
    one, other = Counting(), Counting()
    embed_queries(one, ["welding"])
    embed_queries(other, ["welding"])
    assert one.embedded == other.embedded == ["welding"]
