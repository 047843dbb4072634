"""Index files shared by server processes: same answers as in memory, changes found, damage rebuilt, races safe."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import numpy as np
import pytest

from skillatlas.experts.matching import TextIndex, quantised
from skillatlas.search import EmbeddingCache, HybridIndex
from skillatlas.search.shared import ENV, SharedSpace, enabled, shared_array, space

from .conftest import SKILLS, TrigramBackend
from .test_hybrid_index import _results


def _files(where: SharedSpace, ext: str) -> list[Path]:
    return sorted(p for p in where.directory.glob(f"{where.name}-*.{ext}") if "-ann-" not in p.name)


def _mapped(array: np.ndarray) -> bool:
    while array is not None:
        if isinstance(array, np.memmap):
            return True
        array = array.base  # type: ignore[assignment]
    return False


@pytest.mark.parametrize("ann_threshold", [100_000, 5])
def test_a_shared_index_answers_as_a_fresh_in_memory_one(
    tmp_path: Path, trigram_backend: TrigramBackend, ann_threshold: int
) -> None:
    where = SharedSpace(tmp_path, "skills")
    in_memory = HybridIndex(trigram_backend, ann_threshold=ann_threshold)
    in_memory.add(SKILLS)
    built = HybridIndex(trigram_backend, ann_threshold=ann_threshold, shared=where)
    built.add(SKILLS)  # builds and writes the files
    embedded = trigram_backend.texts_embedded

    opened = HybridIndex(trigram_backend, ann_threshold=ann_threshold, shared=where)
    opened.add(SKILLS)  # another process: maps the files, embeds nothing

    assert trigram_backend.texts_embedded == embedded
    assert _mapped(opened._vectors)
    assert len(_files(where, "npy")) == 1
    if ann_threshold == 5:
        assert opened.uses_ann and opened._ann is not None and opened._ann.view
        assert len(list(tmp_path.glob("skills-ann-*.usearch"))) == 1
    assert _results(opened) == _results(in_memory)
    assert _results(built) == _results(in_memory)


@pytest.mark.parametrize("ann_threshold", [100_000, 5])
def test_a_change_after_the_snapshot_is_found(
    tmp_path: Path, trigram_backend: TrigramBackend, ann_threshold: int
) -> None:
    where = SharedSpace(tmp_path, "skills")
    shared = HybridIndex(trigram_backend, ann_threshold=ann_threshold, shared=where)
    shared.add(SKILLS)

    shared.add([("s11", "weld aluminium car bodies")])
    shared.remove(["s2"])  # on a private copy: the mapped file is read-only

    assert shared.search("aluminium welding", 1)[0].id == "s11"
    assert "s2" not in [hit.id for hit in shared.search("communicate with customers", 10)]
    fresh = HybridIndex(trigram_backend, ann_threshold=ann_threshold)
    fresh.add([item for item in SKILLS if item[0] != "s2"])
    fresh.add([("s11", "weld aluminium car bodies")])
    assert _results(shared) == _results(fresh)


def test_changed_texts_get_a_new_file_and_old_ones_are_pruned(
    tmp_path: Path, trigram_backend: TrigramBackend
) -> None:
    where = SharedSpace(tmp_path, "skills")
    for extra in range(4):  # four versions of the collection, as after four changes of the database
        items = [*SKILLS, (f"x{extra}", f"extra skill number {extra}")]
        index = HybridIndex(trigram_backend, shared=where)
        index.add(items)
        fresh = HybridIndex(trigram_backend)
        fresh.add(items)
        assert _results(index) == _results(fresh)
        time.sleep(0.01)  # distinct modification times

    assert len(_files(where, "npy")) == 2  # the newest and the one before it


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_a_damaged_file_is_built_again_not_read(
    tmp_path: Path, trigram_backend: TrigramBackend, damage: str
) -> None:
    where = SharedSpace(tmp_path, "skills")
    HybridIndex(trigram_backend, ann_threshold=5, shared=where).add(SKILLS)
    for path in [*_files(where, "npy"), *tmp_path.glob("skills-ann-*.usearch")]:
        data = bytearray(path.read_bytes())
        if damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "flip":
            data[-7] ^= 0xFF
        else:
            data = bytearray(b"not an index" * 10)
        path.write_bytes(bytes(data))
    embedded = trigram_backend.texts_embedded

    again = HybridIndex(trigram_backend, ann_threshold=5, shared=where)
    again.add(SKILLS)

    assert trigram_backend.texts_embedded == 2 * embedded  # built again from the texts
    fresh = HybridIndex(trigram_backend, ann_threshold=5)
    fresh.add(SKILLS)
    assert _results(again) == _results(fresh)
    assert again._ann is not None and again._ann.view
    assert len(_files(where, "npy")) == 1


def _build_at_once(directory: str, barrier: multiprocessing.synchronize.Barrier, log: str) -> None:
    def build() -> np.ndarray:
        with open(log, "a") as file:
            file.write("built\n")
        time.sleep(0.3)  # long enough for the other process to find no file and reach the lock
        return np.arange(4000, dtype=np.float32).reshape(1000, 4)

    barrier.wait()
    array = shared_array(SharedSpace(Path(directory), "race"), "k", build, shape=(1000, 4))
    assert float(array.sum()) == float(np.arange(4000).sum())


def test_two_processes_building_at_once_end_with_one_valid_file(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    log = tmp_path / "builds.log"
    workers = [
        context.Process(target=_build_at_once, args=(str(tmp_path), barrier, str(log))) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert [worker.exitcode for worker in workers] == [0, 0]
    assert log.read_text().count("built") == 1  # the second waited on the lock and found the file
    files = _files(SharedSpace(tmp_path, "race"), "npy")
    assert len(files) == 1
    assert np.array_equal(np.load(files[0]), np.arange(4000, dtype=np.float32).reshape(1000, 4))
    assert not list(tmp_path.glob(".*.tmp"))


def test_sharing_turned_off_keeps_private_copies(
    tmp_path: Path, trigram_backend: TrigramBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert enabled() and space(tmp_path, "x") == SharedSpace(tmp_path / "shared", "x")
    monkeypatch.setenv(ENV, "0")
    assert space(tmp_path, "x") is None
    index = HybridIndex(trigram_backend, shared=space(tmp_path, "skills"))
    index.add(SKILLS)
    assert not _mapped(index._vectors)
    assert not (tmp_path / "shared").exists()
    cache = EmbeddingCache(tmp_path / "cache")
    cache.embed(trigram_backend, ["a", "b"])
    cache.save()
    assert not _mapped(cache._stores[trigram_backend.name].matrix())
    reloaded = EmbeddingCache(tmp_path / "cache")
    reloaded.embed(trigram_backend, ["a"])
    assert not _mapped(reloaded._stores[trigram_backend.name].matrix())


def test_an_experts_int8_file_scores_as_the_vectors_it_came_from(tmp_path: Path) -> None:
    from skillatlas.search import get_backend

    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((300, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    backend = get_backend("use-m3")
    private = TextIndex(["x"] * 300, backend, vectors, exact_limit=100, dense_pool=50)
    mapped = shared_array(SharedSpace(tmp_path, "experts"), "k", lambda: quantised(vectors), shape=(300, 512))
    shared = TextIndex(["x"] * 300, backend, mapped, exact_limit=100, dense_pool=50)

    assert _mapped(shared.quantised)  # type: ignore[arg-type]
    assert np.array_equal(
        shared.dense_scores("battery pack design"), private.dense_scores("battery pack design")
    )


def test_a_saved_cache_is_read_through_the_page_cache(
    tmp_path: Path, trigram_backend: TrigramBackend
) -> None:
    cache = EmbeddingCache(tmp_path)
    first = cache.embed(trigram_backend, ["a", "b"])
    cache.save()
    reloaded = EmbeddingCache(tmp_path)

    again = reloaded.embed(trigram_backend, ["b", "a"])

    assert _mapped(reloaded._stores[trigram_backend.name].matrix())
    assert _mapped(cache._stores[trigram_backend.name].matrix())
    assert np.array_equal(again, first[::-1])
    assert trigram_backend.texts_embedded == 2
