"""Writes a TaxonomyData into the database in bulk: new rows inserted, known URIs updated, nothing twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from skillatlas.errors import InvalidInput
from skillatlas.taxonomy.models import (
    BroaderRelation,
    IscoGroup,
    Occupation,
    OccupationSkill,
    Skill,
    SkillGroup,
    SkillOrigin,
)
from skillatlas.taxonomy.records import TaxonomyData

BATCH = 5_000
Progress = Callable[[str, int], None]


@dataclass
class StoreReport:
    """Rows inserted and updated per table."""

    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [
            f"{kind}: {self.inserted.get(kind, 0)} new, {self.updated.get(kind, 0)} updated"
            for kind in self.inserted
        ]
        return "; ".join(parts)


def _batches(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _upsert(
    db: Session,
    model: Any,
    key: str,
    rows: list[dict[str, Any]],
    kind: str,
    report: StoreReport,
    progress: Progress | None,
) -> dict[str, int]:
    """Inserts rows whose key is new, updates the others; returns key -> id for all of them."""
    column = getattr(model, key)
    existing = dict(db.execute(select(column, model.id)).all())
    fresh = [row for row in rows if row[key] not in existing]
    known = [{**row, "id": existing[row[key]]} for row in rows if row[key] in existing]
    for batch in _batches(fresh):
        db.execute(insert(model), list(batch))
        if progress:
            progress(kind, len(batch))
    for batch in _batches(known):
        db.execute(update(model), list(batch))
        if progress:
            progress(kind, len(batch))
    report.inserted[kind] = len(fresh)
    report.updated[kind] = len(known)
    return dict(db.execute(select(column, model.id)).all())


def check(data: TaxonomyData) -> None:
    """Refuses data whose relations point at concepts it does not define (and the database may not have)."""
    for kind, records in (("skill", data.skills), ("occupation", data.occupations)):
        duplicates = [uri for uri, n in Counter(r.uri for r in records).items() if n > 1]
        if duplicates:
            raise InvalidInput(
                f"{kind} URI(s) listed twice: {', '.join(sorted(duplicates)[:3])}", field="file"
            )


def store(db: Session, data: TaxonomyData, progress: Progress | None = None) -> StoreReport:
    """Upserts everything in `data` in the caller's transaction; relations to unknown URIs are refused."""
    check(data)
    report = StoreReport()
    skill_ids = _upsert(
        db,
        Skill,
        "uri",
        [
            {"uri": s.uri, "preferred_label": s.preferred_label, "alt_labels": s.alt_labels,
             "description": s.description, "skill_type": s.skill_type, "reuse_level": s.reuse_level,
             "automotive": s.automotive, "origin": SkillOrigin.ESCO.value, "source_version": data.version}
            for s in data.skills
        ],
        "skills",
        report,
        progress,
    )  # fmt: skip
    _upsert(
        db,
        SkillGroup,
        "uri",
        [{"uri": g.uri, "preferred_label": g.preferred_label, "code": g.code, "description": g.description}
         for g in data.skill_groups],
        "skill groups",
        report,
        progress,
    )  # fmt: skip
    _upsert(
        db,
        IscoGroup,
        "code",
        [{"uri": g.uri, "code": g.code, "preferred_label": g.preferred_label, "description": g.description}
         for g in data.isco_groups],
        "ISCO groups",
        report,
        progress,
    )  # fmt: skip
    occupation_ids = _upsert(
        db,
        Occupation,
        "uri",
        [{"uri": o.uri, "preferred_label": o.preferred_label, "alt_labels": o.alt_labels, "description": o.description,
          "isco_code": o.isco_code, "code": o.code, "source_version": data.version} for o in data.occupations],
        "occupations",
        report,
        progress,
    )  # fmt: skip
    _store_broader(db, data.broader, report)
    _store_occupation_skills(db, data.occupation_skills, skill_ids, occupation_ids, report, progress)
    return report


def _store_broader(db: Session, pairs: list[tuple[str, str]], report: StoreReport) -> None:
    existing = set(db.execute(select(BroaderRelation.narrower_uri, BroaderRelation.broader_uri)))
    fresh = [{"narrower_uri": n, "broader_uri": b} for n, b in dict.fromkeys(pairs) if (n, b) not in existing]
    for batch in _batches(fresh):
        db.execute(insert(BroaderRelation), list(batch))
    report.inserted["hierarchy relations"] = len(fresh)
    report.updated["hierarchy relations"] = 0


def _store_occupation_skills(
    db: Session,
    relations: list[tuple[str, str, str]],
    skill_ids: dict[str, int],
    occupation_ids: dict[str, int],
    report: StoreReport,
    progress: Progress | None,
) -> None:
    unknown = sorted(
        {s for _, s, _ in relations if s not in skill_ids}
        | {o for o, _, _ in relations if o not in occupation_ids}
    )
    if unknown:
        raise InvalidInput(
            f"{len(unknown)} occupation-skill relation(s) name unknown concepts, e.g. {', '.join(unknown[:3])}",
            field="file",
        )
    # The file is authoritative for the occupations it lists: their relations are replaced as a whole.
    wanted = {(occupation_ids[o], skill_ids[s]): r for o, s, r in relations}
    occupations = sorted({o for o, _ in wanted})
    before = 0
    for start in range(0, len(occupations), 900):
        chunk = occupations[start : start + 900]
        before += (
            db.execute(delete(OccupationSkill).where(OccupationSkill.occupation_id.in_(chunk))).rowcount or 0
        )
    rows = [{"occupation_id": o, "skill_id": s, "relation": r} for (o, s), r in wanted.items()]
    for batch in _batches(rows):
        db.execute(insert(OccupationSkill), list(batch))
        if progress:
            progress("occupation-skill relations", len(batch))
    report.inserted["occupation-skill relations"] = max(0, len(rows) - before)
    report.updated["occupation-skill relations"] = min(before, len(rows))
