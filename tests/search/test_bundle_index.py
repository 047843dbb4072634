"""A search index frozen into one shared file (issue 14): a second process maps it, with the vectors and ANN
graph it names, and answers exactly as an index built in memory; it refuses changes; a missing vectors file
means building again, never a wrong answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skillatlas.search import HybridIndex
from skillatlas.search.shared import SharedSpace, shared_bundle

from .conftest import SKILLS, TrigramBackend
from .test_hybrid_index import _results


def _mapped(array: np.ndarray) -> bool:
    while array is not None:
        if isinstance(array, np.memmap):
            return True
        array = array.base  # type: ignore[assignment]
    return False


@pytest.mark.parametrize("ann_threshold", [100_000, 5])
def test_a_frozen_index_answers_as_one_built_in_memory(
    tmp_path: Path, trigram_backend: TrigramBackend, ann_threshold: int
) -> None:
    where = SharedSpace(tmp_path, "skills")
    in_memory = HybridIndex(trigram_backend, ann_threshold=ann_threshold)
    in_memory.add(SKILLS)

    def build() -> tuple[dict[str, np.ndarray], dict[str, object]]:
        built = HybridIndex(trigram_backend, ann_threshold=ann_threshold, shared=where)
        built.add(SKILLS)
        return built.to_bundle()

    found = shared_bundle(where.child("index"), "v1", build)
    assert found is not None
    embedded = trigram_backend.texts_embedded
    frozen = HybridIndex.from_bundle(*found, backend=trigram_backend, shared=where)

    assert frozen is not None and frozen.frozen
    assert trigram_backend.texts_embedded == embedded  # nothing embedded again
    assert _mapped(frozen._vectors) and _mapped(frozen._row_keys)
    assert frozen.uses_ann == (ann_threshold == 5)
    assert len(frozen) == len(SKILLS) and "s2" in frozen and "nope" not in frozen
    assert frozen.ids == [item_id for item_id, _ in SKILLS]
    assert _results(frozen) == _results(in_memory)
    with pytest.raises(RuntimeError, match="read-only"):
        frozen.add([("s11", "weld aluminium car bodies")])


def test_a_bundle_whose_vectors_file_is_gone_is_not_used(
    tmp_path: Path, trigram_backend: TrigramBackend
) -> None:
    where = SharedSpace(tmp_path, "skills")

    def build() -> tuple[dict[str, np.ndarray], dict[str, object]]:
        built = HybridIndex(trigram_backend, shared=where)
        built.add(SKILLS)
        return built.to_bundle()

    found = shared_bundle(where.child("index"), "v1", build)
    assert found is not None
    for vectors in tmp_path.glob("skills-*.npy"):
        vectors.unlink()
    assert HybridIndex.from_bundle(*found, backend=trigram_backend, shared=where) is None


def test_an_empty_index_bundles(tmp_path: Path, trigram_backend: TrigramBackend) -> None:
    where = SharedSpace(tmp_path, "skills")
    found = shared_bundle(where.child("index"), "v0", HybridIndex(trigram_backend, shared=where).to_bundle)
    assert found is not None
    frozen = HybridIndex.from_bundle(*found, backend=trigram_backend, shared=where)
    assert frozen is not None and len(frozen) == 0 and frozen.search("welding") == []


def test_an_index_without_shared_vectors_is_not_bundled(trigram_backend: TrigramBackend) -> None:
    private = HybridIndex(trigram_backend)
    private.add(SKILLS)
    with pytest.raises(ValueError, match="shared"):
        private.to_bundle()
