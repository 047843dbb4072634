"""Reads the official ESCO download (CSV, any language) into plain records, checking every row."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from skillatlas.errors import InvalidInput
from skillatlas.taxonomy.automotive import is_automotive
from skillatlas.taxonomy.records import (
    IscoGroupRecord,
    OccupationRecord,
    SkillGroupRecord,
    SkillRecord,
    TaxonomyData,
)

URI = re.compile(r"^https?://\S+$")
SKILL_TYPES = {"skill/competence", "knowledge", ""}
RELATIONS = {"essential", "optional"}

# file stem -> the columns it must have (ESCO's own names)
REQUIRED = {
    "skills": {"conceptUri", "preferredLabel"},
    "skillGroups": {"conceptUri", "preferredLabel"},
    "broaderRelationsSkillPillar": {"conceptUri", "broaderUri"},
    "ISCOGroups": {"conceptUri", "code", "preferredLabel"},
    "occupations": {"conceptUri", "preferredLabel"},
    "occupationSkillRelations": {"occupationUri", "relationType", "skillUri"},
}


def _labels(value: str | None) -> list[str]:
    # The main files separate alternative labels by new lines, the collection files by " | ".
    if not value:
        return []
    parts = re.split(r"\n| \| ", value)
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _rows(path: Path, required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise InvalidInput(f"{path.name}: missing column(s) {', '.join(sorted(missing))}", field="file")
        for number, row in enumerate(reader, start=2):
            yield number, {k: (v or "").strip() for k, v in row.items() if k is not None}


def _uri(path: Path, number: int, value: str, column: str) -> str:
    if not URI.match(value):
        raise InvalidInput(f"{path.name} line {number}: {column} {value!r} is not a URI", field="file")
    return value


def find_file(directory: Path, stem: str, language: str) -> Path | None:
    """`skills_en.csv` (or `skills.csv`) in the directory, if present."""
    for name in (f"{stem}_{language}.csv", f"{stem}.csv"):
        if (directory / name).is_file():
            return directory / name
    return None


def read_esco_directory(directory: Path, language: str = "en", version: str = "") -> TaxonomyData:
    """Every file of an ESCO CSV download found in the directory; `skills` and `occupations` are required."""
    if not directory.is_dir():
        raise InvalidInput(f"{directory} is not a directory", field="directory")
    files = {stem: find_file(directory, stem, language) for stem in REQUIRED}
    for stem in ("skills", "occupations"):
        if files[stem] is None:
            raise InvalidInput(
                f"{directory} has no {stem}_{language}.csv: is it an ESCO CSV download?", field="directory"
            )
    data = TaxonomyData(version=version or f"ESCO {language}")

    path = files["skills"]
    assert path is not None
    for number, row in _rows(path, REQUIRED["skills"]):
        skill_type = row.get("skillType", "")
        if skill_type not in SKILL_TYPES:
            raise InvalidInput(f"{path.name} line {number}: unknown skillType {skill_type!r}", field="file")
        if not row["preferredLabel"]:
            raise InvalidInput(f"{path.name} line {number}: empty preferredLabel", field="file")
        record = SkillRecord(
            uri=_uri(path, number, row["conceptUri"], "conceptUri"),
            preferred_label=row["preferredLabel"],
            alt_labels=_labels(row.get("altLabels")),
            description=row.get("description", "") or row.get("definition", ""),
            skill_type=skill_type,
            reuse_level=row.get("reuseLevel", ""),
        )
        record.automotive = is_automotive(record.preferred_label, record.alt_labels, record.description)
        data.skills.append(record)

    if (path := files["skillGroups"]) is not None:
        for number, row in _rows(path, REQUIRED["skillGroups"]):
            data.skill_groups.append(
                SkillGroupRecord(
                    uri=_uri(path, number, row["conceptUri"], "conceptUri"),
                    preferred_label=row["preferredLabel"],
                    code=row.get("code", ""),
                    description=row.get("description", ""),
                )
            )
    if (path := files["broaderRelationsSkillPillar"]) is not None:
        for number, row in _rows(path, REQUIRED["broaderRelationsSkillPillar"]):
            data.broader.append(
                (
                    _uri(path, number, row["conceptUri"], "conceptUri"),
                    _uri(path, number, row["broaderUri"], "broaderUri"),
                )
            )
    if (path := files["ISCOGroups"]) is not None:
        for number, row in _rows(path, REQUIRED["ISCOGroups"]):
            data.isco_groups.append(
                IscoGroupRecord(
                    uri=_uri(path, number, row["conceptUri"], "conceptUri"),
                    code=row["code"],
                    preferred_label=row["preferredLabel"],
                    description=row.get("description", ""),
                )
            )
    path = files["occupations"]
    assert path is not None
    for number, row in _rows(path, REQUIRED["occupations"]):
        data.occupations.append(
            OccupationRecord(
                uri=_uri(path, number, row["conceptUri"], "conceptUri"),
                preferred_label=row["preferredLabel"],
                alt_labels=_labels(row.get("altLabels")),
                description=row.get("description", ""),
                isco_code=row.get("iscoGroup", ""),
                code=row.get("code", ""),
            )
        )
    if (path := files["occupationSkillRelations"]) is not None:
        for number, row in _rows(path, REQUIRED["occupationSkillRelations"]):
            if row["relationType"] not in RELATIONS:
                raise InvalidInput(
                    f"{path.name} line {number}: unknown relationType {row['relationType']!r}", field="file"
                )
            data.occupation_skills.append(
                (
                    _uri(path, number, row["occupationUri"], "occupationUri"),
                    _uri(path, number, row["skillUri"], "skillUri"),
                    row["relationType"],
                )
            )
    return data
