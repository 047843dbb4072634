"""Substring search over every skill's labels, in memory: the taxonomy is read far more than it is written.

The SQL it replaces (`lower(label) LIKE '%q%'` over the preferred label and the JSON of the alternative
labels) scanned the whole skill table at every search: 60 ms on PostgreSQL for the 13,939 ESCO skills, most
of a search page's time. Here the lowered labels of all skills sit in one list per process (about 4 MB for
ESCO), rebuilt when the `taxonomy` change counter moves; a search is a substring test per skill (1-3 ms).
Matching is by Python's Unicode lower-casing, so "Ä" finds "ä" on every database, and '%' or '_' in a
query are plain characters rather than SQL wildcards.

Every hit contains the query in a label. Skills whose preferred label contains it come first; a skill found
only through an alternative label ("root cause analysis", found by "battery" through "battery analysis
methods") comes after them, and the search names that alternative label, so a page can say why the skill is
there (issue 13: such hits looked unrelated when only the preferred label was shown).
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
    alt_labels: tuple[str, ...]  # as stored, to name the one that matched
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
                   alt_labels=tuple(alt or ()), automotive=bool(auto), skill_type=kind, sort_label=label)
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
        """Ids of the skills whose labels contain the query, in the order of `search_matches`."""
        return [i for i, _ in self.search_matches(
            db, query, automotive=automotive, skill_type=skill_type, limit=limit, offset=offset)]  # fmt: skip

    def search_matches(
        self,
        db: Session,
        query: str,
        *,
        automotive: bool | None = None,
        skill_type: SkillType | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[tuple[int, str | None]]:
        """(id, matched alternative label or None) of the skills whose labels contain the query.

        Preferred-label hits first (exact, then prefix, then shortest), then skills found only through an
        alternative label (an exact alternative first, then by preferred label's length); the second element
        is that alternative label as stored, None when the preferred label itself contains the query.
        """
        q = " ".join(query.lower().split())
        if not q:
            return []
        hits = [
            e
            for e in self._fresh(db)
            if q in e.text
            and (automotive is None or e.automotive == automotive)
            and (skill_type is None or e.skill_type == skill_type)
        ]
        hits.sort(key=lambda e: (_tier(e, q), len(e.label), e.sort_label))
        return [(e.id, None if q in e.label else _matched_alt(e, q)) for e in hits[offset : offset + limit]]


def _tier(entry: _Entry, q: str) -> int:
    if entry.label == q:
        return 0
    if entry.label.startswith(q):
        return 1
    if q in entry.label:
        return 2
    return 3 if any(alt.lower() == q for alt in entry.alt_labels) else 4


def _matched_alt(entry: _Entry, q: str) -> str | None:
    """The alternative label that contains the query: an exact one first, then a prefix, then the shortest."""
    found = [alt for alt in entry.alt_labels if q in alt.lower()]
    found.sort(key=lambda a: (a.lower() != q, not a.lower().startswith(q), len(a), a))
    return found[0] if found else None


_indexes: dict[str, LabelIndex] = {}
_lock = threading.Lock()


def label_index(db: Session) -> LabelIndex:
    """One index per database in this process."""
    key = str(db.get_bind().url)
    with _lock:
        return _indexes.setdefault(key, LabelIndex())
