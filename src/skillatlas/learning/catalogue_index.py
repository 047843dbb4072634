"""Free-text search of the catalogue through the shared search package, rebuilt when courses are added."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.learning.models import Course
from skillatlas.search.backends import get_backend
from skillatlas.search.index import HybridIndex


class CourseIndex:
    """Titles, descriptions and learning outcomes of every course in a HybridIndex (BM25 + embeddings)."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.version: tuple[int, int] | None = None
        self.index: HybridIndex | None = None
        self.lock = threading.Lock()

    def search(self, db: Session, query: str, limit: int) -> list[int]:
        """Course ids, best first."""
        count, max_id = db.execute(select(func.count(), func.coalesce(func.max(Course.id), 0))).one()
        with self.lock:
            if self.index is None or self.version != (count, max_id):
                index = HybridIndex(get_backend(self.backend))
                rows = db.execute(
                    select(Course.id, Course.title, Course.description, Course.learning_outcomes)
                )
                index.add(
                    (str(cid), [title, description or "", *(outcomes or [])])
                    for cid, title, description, outcomes in rows
                )
                self.index, self.version = index, (count, max_id)
            index = self.index
        if len(index) == 0:
            return []
        return [
            int(hit.id)
            for hit in index.search(query, k=limit, mode="hybrid" if self.backend != "none" else "lexical")
        ]


_indexes: dict[tuple[str, str], CourseIndex] = {}
_lock = threading.Lock()


def course_index(db: Session, backend: str) -> CourseIndex:
    """One index per database and backend in this process."""
    key = (str(db.get_bind().url), backend)
    with _lock:
        if key not in _indexes:
            _indexes[key] = CourseIndex(backend)
        return _indexes[key]
