"""The process-wide skill extractor and job-title matcher, built from the database's taxonomy and cached."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.intelligence.extraction import SkillExtractor, SkillRecord, default_settings
from skillatlas.intelligence.schemas import OccupationMatch
from skillatlas.search.backends import get_backend
from skillatlas.search.cache import EmbeddingCache
from skillatlas.search.index import HybridIndex
from skillatlas.search.shared import space
from skillatlas.taxonomy.models import Occupation, ReviewState, Skill


@dataclass(frozen=True, slots=True)
class _Version:
    """Changes whenever skills or occupations are added or removed: then the indexes are rebuilt."""

    count: int
    max_id: int


def _version(db: Session, model: type[Skill] | type[Occupation]) -> _Version:
    count, max_id = db.execute(select(func.count(), func.coalesce(func.max(model.id), 0))).one()
    return _Version(int(count), int(max_id))


class IntelligenceEngine:
    """Holds the indexes over the taxonomy; embeddings are cached on disk so each text is embedded once."""

    def __init__(self, data_dir: Path, backend: str) -> None:
        self.backend_name = backend
        self.cache = EmbeddingCache(data_dir / "embeddings")
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._extractor: tuple[_Version, SkillExtractor] | None = None
        self._occupations: tuple[_Version, HybridIndex, dict[str, tuple[int, str, str]]] | None = None

    def skill_extractor(self, db: Session) -> SkillExtractor:
        """The extractor over the approved skills of the database."""
        version = _version(db, Skill)
        with self._lock:
            if self._extractor is None or self._extractor[0] != version:
                rows = db.execute(
                    select(Skill.uri, Skill.preferred_label, Skill.alt_labels, Skill.description)
                    .where(Skill.review_state == ReviewState.APPROVED)
                    .order_by(Skill.id)  # the same order in every process: the shared file's digest
                ).all()
                records = [SkillRecord(uri=u, label=label, alt_labels=tuple(alts or ()), description=d or "")
                           for u, label, alts, d in rows]  # fmt: skip
                extractor = SkillExtractor(
                    records,
                    settings=default_settings(self.backend_name),
                    cache=self.cache,
                    shared=space(self.data_dir, f"skills-{self.backend_name}"),
                )
                self.cache.save()
                self._extractor = (version, extractor)
            return self._extractor[1]

    def classify_job_title(self, db: Session, title: str) -> int | None:
        """The occupation a job ad is filed under: the best match, if the title shares words with it."""
        self._occupation_index(db)
        assert self._occupations is not None
        _, index, by_uri = self._occupations
        hits = index.search(title, 1)
        # A match on meaning alone is too loose to file an ad under; some words must be shared.
        if not hits or hits[0].lexical_score <= 0:
            return None
        return by_uri[hits[0].id][0]

    def match_job_title(self, db: Session, title: str, k: int = 5) -> list[OccupationMatch]:
        """The ESCO occupations closest to a free job title ("HV battery repair tech")."""
        self._occupation_index(db)
        assert self._occupations is not None
        _, index, by_uri = self._occupations
        return [
            OccupationMatch(
                occupation_id=by_uri[hit.id][0],
                uri=hit.id,
                label=by_uri[hit.id][2],
                score=round(hit.score, 4),
            )
            for hit in index.search(title, k)
        ]

    def _occupation_index(self, db: Session) -> None:
        """Builds the index over the occupations, again whenever occupations were added or removed."""
        version = _version(db, Occupation)
        with self._lock:
            if self._occupations is None or self._occupations[0] != version:
                rows = db.execute(
                    select(
                        Occupation.id,
                        Occupation.uri,
                        Occupation.preferred_label,
                        Occupation.alt_labels,
                        Occupation.description,
                    ).order_by(Occupation.id)
                ).all()
                index = HybridIndex(
                    get_backend(self.backend_name),
                    cache=self.cache,
                    shared=space(self.data_dir, f"occupations-{self.backend_name}"),
                )
                # Titles are matched against labels and the first sentence of the description, which names the job.
                index.add(
                    (uri, [label, *(alts or []), (description or "").split(". ")[0]])
                    for _, uri, label, alts, description in rows
                )
                self.cache.save()
                self._occupations = (version, index, {uri: (i, uri, label) for i, uri, label, _, _ in rows})


_engines: dict[tuple[str, str], IntelligenceEngine] = {}
_engines_lock = threading.Lock()


def engine_for(data_dir: Path, backend: str) -> IntelligenceEngine:
    """One engine per data directory and backend in this process."""
    key = (str(data_dir.resolve()), backend)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = IntelligenceEngine(data_dir, backend)
        return _engines[key]
