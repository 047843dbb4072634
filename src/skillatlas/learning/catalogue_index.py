"""Free-text search of the catalogue through the shared search package, rebuilt when courses are added."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas import changes
from skillatlas.learning.models import Course
from skillatlas.search.backends import get_backend
from skillatlas.search.cache import EmbeddingCache
from skillatlas.search.index import HybridIndex
from skillatlas.search.shared import Digest, release_freed_memory, shared_bundle, space

#: The least cosine at which a course that shares no word with the query still counts as a match, per
#: embedding backend (each model spreads its cosines differently). Chosen on the demo catalogue: with use-m3
#: "accumulator" finds the battery courses (0.31) and "programming" the software testing course (0.26),
#: while "cooking pasta", "knitting" or "tax law" reach at most 0.14; e5-small puts everything near 0.8,
#: its related courses from 0.83. Below the threshold the dense side only ranks, it never adds a course.
SEMANTIC_THRESHOLD = {"use-m3": 0.25, "e5-small": 0.83}


class CourseIndex:
    """Titles, descriptions and learning outcomes of every course in a HybridIndex (BM25 + embeddings)."""

    def __init__(self, backend: str, data_dir: Path | None = None) -> None:
        self.backend = backend
        self.version: int | None = None
        self.index: HybridIndex | None = None
        self.lock = threading.Lock()
        self.cache = EmbeddingCache()
        self.data_dir: Path | None = None
        if data_dir is not None:
            self.use_data_dir(data_dir)

    def use_data_dir(self, data_dir: Path) -> None:
        """Embeddings cached on disk (a rebuild embeds only new texts) and the index's vectors and ANN graph
        shared by the server's processes (search/shared.py)."""
        if self.data_dir is None:
            self.data_dir = data_dir
            self.cache = EmbeddingCache(data_dir / "embeddings")

    def _shared_build(self, db: Session, version: int) -> HybridIndex:
        """The index as one file shared by the server's processes, named by the change counter: the first
        process to see a counter value reads the courses and writes the file, the others map it (with the
        vectors and ANN graph it names) without reading a course (issue 14). A counter of 0 names no data."""
        shared = space(self.data_dir, f"courses-{self.backend}")
        if shared is None or not version:
            return self._build(db)
        key = Digest("courses-index", self.backend, str(db.get_bind().url), str(version)).hexdigest()
        found = shared_bundle(shared.child("index"), key, lambda: self._build(db).to_bundle())
        if found is not None:
            index = HybridIndex.from_bundle(
                *found, backend=get_backend(self.backend), shared=shared, cache=self.cache
            )
            if index is not None:
                return index
        return self._build(db)

    def _build(self, db: Session, *, keep: bool = True) -> HybridIndex:
        shared = space(self.data_dir, f"courses-{self.backend}") if keep else None
        # A build not kept (uncommitted courses) runs outside the lock: it gets a cache of its own.
        cache = self.cache if keep else EmbeddingCache()
        index = HybridIndex(get_backend(self.backend), cache=cache, shared=shared)
        # In id order: the same courses give the same shared files in every process.
        rows = db.execute(
            select(Course.id, Course.title, Course.description, Course.learning_outcomes).order_by(Course.id)
        )
        index.add(
            (str(cid), [title, description or "", *(outcomes or [])])
            for cid, title, description, outcomes in rows
        )
        if keep:
            self.cache.save()
        return index

    def search(self, db: Session, query: str, limit: int) -> list[int]:
        """Course ids, best first."""
        version = changes.current(db, "courses")  # any committed change to a course
        if changes.pending(db, "courses"):
            index = self._build(db, keep=False)  # this transaction's own, uncommitted courses: not kept
        else:
            with self.lock:
                if self.index is None or self.version != version:
                    self.index, self.version = None, None  # the old index is freed before the new one is read
                    self.index, self.version = self._shared_build(db, version), version
                    release_freed_memory()  # the rows read to build it
                index = self.index
        if len(index) == 0:
            return []
        threshold = SEMANTIC_THRESHOLD.get(self.backend, 1.0)
        return [
            int(hit.id)
            for hit in index.search(query, k=limit, mode="hybrid" if self.backend != "none" else "lexical")
            if hit.lexical_score > 0 or hit.dense_score >= threshold  # relevant, not merely ranked
        ]


_indexes: dict[tuple[str, str], CourseIndex] = {}
_lock = threading.Lock()


def course_index(db: Session, backend: str, data_dir: Path | None = None) -> CourseIndex:
    """One index per database and backend in this process; the server names its data directory once, at
    start (web/warm.py), before any search."""
    key = (str(db.get_bind().url), backend)
    with _lock:
        if key not in _indexes:
            _indexes[key] = CourseIndex(backend)
        if data_dir is not None:
            _indexes[key].use_data_dir(data_dir)
        return _indexes[key]
