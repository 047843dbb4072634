"""Substring search over every skill's labels, in memory: the taxonomy is read far more than it is written.

The SQL it replaces (`lower(label) LIKE '%q%'` over the preferred label and the JSON of the alternative
labels) scanned the whole skill table at every search: 60 ms on PostgreSQL for the 13,939 ESCO skills, most
of a search page's time. Here the lowered labels of all skills sit in one list per process (about 4 MB for
ESCO), rebuilt when the `taxonomy` change counter moves; a search is a substring test per skill (1-3 ms).
Matching is by Python's Unicode lower-casing, so "Ä" finds "ä" on every database, and '%' or '_' in a
query are plain characters rather than SQL wildcards.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas import changes
from skillatlas.taxonomy.models import Skill, SkillType


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    label: str  # preferred label, lowered
    text: str  # every label, lowered, one per line
    automotive: bool
    skill_type: SkillType
    sort_label: str  # the preferred label as stored (the tie-breaker of the SQL ordering)


class LabelIndex:
    def __init__(self) -> None:
        self.version: int | None = None
        self.entries: list[_Entry] = []
        self.lock = threading.Lock()

    def _fresh(self, db: Session) -> list[_Entry]:
        version = changes.current(db, "taxonomy")
        if changes.pending(db, "taxonomy"):
            return self._build(db)  # this transaction's own, uncommitted skills: not kept
        with self.lock:
            if self.version != version:
                self.entries, self.version = self._build(db), version
            return self.entries

    @staticmethod
    def _build(db: Session) -> list[_Entry]:
        rows = db.execute(
            select(Skill.id, Skill.preferred_label, Skill.alt_labels, Skill.automotive, Skill.skill_type)
        )
        return [
            _Entry(id=i, label=label.lower(), text="\n".join([label, *(alt or [])]).lower(),
                   automotive=bool(auto), skill_type=kind, sort_label=label)
            for i, label, alt, auto, kind in rows
        ]  # fmt: skip

    def search(
        self,
        db: Session,
        query: str,
        *,
        automotive: bool | None = None,
        skill_type: SkillType | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[int]:
        """Ids of the skills whose labels contain the query: exact label first, then prefix, then shortest."""
        q = " ".join(query.lower().split())
        hits = [
            e
            for e in self._fresh(db)
            if q in e.text
            and (automotive is None or e.automotive == automotive)
            and (skill_type is None or e.skill_type == skill_type)
        ]
        hits.sort(
            key=lambda e: (
                0 if e.label == q else 1 if e.label.startswith(q) else 2,
                len(e.label),
                e.sort_label,
            )
        )
        return [e.id for e in hits[offset : offset + limit]]


_indexes: dict[str, LabelIndex] = {}
_lock = threading.Lock()


def label_index(db: Session) -> LabelIndex:
    """One index per database in this process."""
    key = str(db.get_bind().url)
    with _lock:
        return _indexes.setdefault(key, LabelIndex())
