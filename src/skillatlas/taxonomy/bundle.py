"""Typed reader for the bundled English ESCO taxonomy in ``skillatlas/taxonomy/data/esco/``.

The files are built by ``scripts/build_esco_bundle.py`` from data shipped in PyPI packages; see
``data/esco/ATTRIBUTION.md`` for provenance, the ESCO licence and what every column means.
Every loader reads the gzip-compressed CSV through :mod:`importlib.resources`, so it works from
a source checkout, an installed wheel or a zip import alike, and returns fresh, immutable rows
in the file's (URI) order.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Literal, cast

__all__ = [
    "LIST_SEP",
    "BundledOccupation",
    "BundledOccupationSkill",
    "BundledSkill",
    "BundledSkillGroup",
    "OccupationKind",
    "Relation",
    "SkillType",
    "bundle_dir",
    "load_isco_groups",
    "load_manifest",
    "load_occupation_skills",
    "load_occupations",
    "load_skill_groups",
    "load_skills",
]

#: Separator of list-valued cells (alt labels, broader URIs).
LIST_SEP = "|"

SkillType = Literal["skill/competence", "knowledge", ""]
OccupationKind = Literal["occupation", "isco_group"]
Relation = Literal["essential", "optional"]

SKILLS_FILE = "skills.csv.gz"
SKILL_GROUPS_FILE = "skill_groups.csv.gz"
OCCUPATIONS_FILE = "occupations.csv.gz"
OCCUPATION_SKILLS_FILE = "occupation_skills.csv.gz"
MANIFEST_FILE = "manifest.json"

_SKILL_COLUMNS = (
    "uri",
    "preferred_label",
    "alt_labels",
    "description",
    "skill_type",
    "reuse_level",
    "broader_uris",
    "automotive",
    "alt_labels_unsplit",
)
_SKILL_GROUP_COLUMNS = ("uri", "preferred_label", "broader_uris", "code")
_OCCUPATION_COLUMNS = (
    "uri",
    "preferred_label",
    "alt_labels",
    "description",
    "isco_group",
    "code",
    "kind",
    "alt_labels_unsplit",
)
_OCCUPATION_SKILL_COLUMNS = ("occupation_uri", "skill_uri", "relation")


@dataclass(frozen=True, slots=True)
class BundledSkill:
    """One ESCO 1.2 skill/competence or knowledge concept."""

    uri: str
    preferred_label: str
    alt_labels: tuple[str, ...]
    description: str
    skill_type: SkillType
    #: ESCO reuse level (transversal, cross-sector, sector-specific, occupation-specific);
    #: empty in this bundle because no source package carries it.
    reuse_level: str
    #: Skill-group URIs (``skill_groups.csv.gz``) from the ESCO 1.1.1 hierarchy.
    broader_uris: tuple[str, ...]
    #: Relevant to the automotive sector (rule in ATTRIBUTION.md).
    automotive: bool
    #: Runs of alternative labels whose boundaries the sources lost (space-joined labels).
    alt_labels_unsplit: tuple[str, ...] = ()

    @property
    def is_knowledge(self) -> bool:
        return self.skill_type == "knowledge"

    @property
    def labels(self) -> tuple[str, ...]:
        """Preferred label first, then the alternative labels."""
        return (self.preferred_label, *self.alt_labels)

    @property
    def search_text(self) -> str:
        """Labels, unsplit label runs and description as one text, for lexical indexing."""
        return "\n".join(part for part in (*self.labels, *self.alt_labels_unsplit, self.description) if part)


@dataclass(frozen=True, slots=True)
class BundledSkillGroup:
    """A node of the ESCO skill hierarchy (skill group, knowledge field, transversal group)."""

    uri: str
    preferred_label: str
    broader_uris: tuple[str, ...]
    #: ESCO hierarchy code, e.g. ``S4.5.0`` or ``K0613``.
    code: str


@dataclass(frozen=True, slots=True)
class BundledOccupation:
    """An ESCO 1.2 occupation (``kind="occupation"``) or an ISCO-08 group (``kind="isco_group"``)."""

    uri: str
    preferred_label: str
    alt_labels: tuple[str, ...]
    description: str
    #: For ISCO groups: the parent group's URI; empty for occupations (not in the sources).
    isco_group: str
    #: For ISCO groups: the ISCO-08 code (``"2512"``); empty for occupations.
    code: str
    kind: OccupationKind
    alt_labels_unsplit: tuple[str, ...] = ()

    @property
    def is_isco_group(self) -> bool:
        return self.kind == "isco_group"

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.preferred_label, *self.alt_labels)

    @property
    def search_text(self) -> str:
        return "\n".join(part for part in (*self.labels, *self.alt_labels_unsplit, self.description) if part)


@dataclass(frozen=True, slots=True)
class BundledOccupationSkill:
    """An occupation-to-skill link."""

    occupation_uri: str
    skill_uri: str
    relation: Relation


def bundle_dir() -> Traversable:
    """The bundled ESCO data directory inside the installed package."""
    return files("skillatlas.taxonomy").joinpath("data", "esco")


def split_list(cell: str) -> tuple[str, ...]:
    """A ``|``-joined cell as a tuple (empty cell: empty tuple)."""
    return tuple(part for part in cell.split(LIST_SEP) if part) if cell else ()


def _read_rows(name: str, columns: Sequence[str]) -> Iterator[dict[str, str]]:
    resource = bundle_dir().joinpath(name)
    with resource.open("rb") as raw, gzip.open(raw, "rb") as unzipped:
        text = io.TextIOWrapper(unzipped, encoding="utf-8", newline="")
        reader = csv.DictReader(text)
        if tuple(reader.fieldnames or ()) != tuple(columns):
            raise ValueError(f"{name}: unexpected columns {reader.fieldnames!r}, expected {list(columns)!r}")
        yield from reader


def load_skills() -> list[BundledSkill]:
    """All 13,939 ESCO 1.2 skills, sorted by URI."""
    return [
        BundledSkill(
            uri=row["uri"],
            preferred_label=row["preferred_label"],
            alt_labels=split_list(row["alt_labels"]),
            description=row["description"],
            skill_type=cast(SkillType, row["skill_type"]),
            reuse_level=row["reuse_level"],
            broader_uris=split_list(row["broader_uris"]),
            automotive=row["automotive"] == "1",
            alt_labels_unsplit=split_list(row["alt_labels_unsplit"]),
        )
        for row in _read_rows(SKILLS_FILE, _SKILL_COLUMNS)
    ]


def load_skill_groups() -> list[BundledSkillGroup]:
    """The ESCO 1.1.1 skill hierarchy nodes, sorted by URI."""
    return [
        BundledSkillGroup(
            uri=row["uri"],
            preferred_label=row["preferred_label"],
            broader_uris=split_list(row["broader_uris"]),
            code=row["code"],
        )
        for row in _read_rows(SKILL_GROUPS_FILE, _SKILL_GROUP_COLUMNS)
    ]


def load_occupations(kind: OccupationKind | None = None) -> list[BundledOccupation]:
    """ESCO occupations and ISCO-08 groups (both by default; pass ``kind`` to get one)."""
    rows = (
        BundledOccupation(
            uri=row["uri"],
            preferred_label=row["preferred_label"],
            alt_labels=split_list(row["alt_labels"]),
            description=row["description"],
            isco_group=row["isco_group"],
            code=row["code"],
            kind=cast(OccupationKind, row["kind"]),
            alt_labels_unsplit=split_list(row["alt_labels_unsplit"]),
        )
        for row in _read_rows(OCCUPATIONS_FILE, _OCCUPATION_COLUMNS)
    )
    return [row for row in rows if kind is None or row.kind == kind]


def load_isco_groups() -> list[BundledOccupation]:
    """The 619 ISCO-08 groups (major, sub-major, minor and unit groups)."""
    return load_occupations("isco_group")


def load_occupation_skills() -> list[BundledOccupationSkill]:
    """Occupation-to-skill links (essential skills of the ESCO ICT occupations)."""
    return [
        BundledOccupationSkill(
            occupation_uri=row["occupation_uri"],
            skill_uri=row["skill_uri"],
            relation=cast(Relation, row["relation"]),
        )
        for row in _read_rows(OCCUPATION_SKILLS_FILE, _OCCUPATION_SKILL_COLUMNS)
    ]


def load_manifest() -> dict[str, Any]:
    """``manifest.json``: row counts, sha256 of every file and the source package versions."""
    return cast(dict[str, Any], json.loads(bundle_dir().joinpath(MANIFEST_FILE).read_text(encoding="utf-8")))
