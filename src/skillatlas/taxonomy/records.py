"""The taxonomy as plain data, whatever it was read from: the official ESCO CSV files or the bundle."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class SkillRecord:
    uri: str
    preferred_label: str
    alt_labels: list[str] = field(default_factory=list)
    description: str = ""
    skill_type: str = ""
    reuse_level: str = ""
    automotive: bool = False


@dataclass(slots=True)
class SkillGroupRecord:
    uri: str
    preferred_label: str
    code: str = ""
    description: str = ""


@dataclass(slots=True)
class IscoGroupRecord:
    uri: str
    code: str
    preferred_label: str
    description: str = ""


@dataclass(slots=True)
class OccupationRecord:
    uri: str
    preferred_label: str
    alt_labels: list[str] = field(default_factory=list)
    description: str = ""
    isco_code: str = ""
    code: str = ""


@dataclass(slots=True)
class TaxonomyData:
    """Everything one import brings; `version` names its source (e.g. "ESCO 1.2.0 en")."""

    version: str
    skills: list[SkillRecord] = field(default_factory=list)
    skill_groups: list[SkillGroupRecord] = field(default_factory=list)
    broader: list[tuple[str, str]] = field(default_factory=list)
    isco_groups: list[IscoGroupRecord] = field(default_factory=list)
    occupations: list[OccupationRecord] = field(default_factory=list)
    occupation_skills: list[tuple[str, str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many of each kind of record."""
        return {
            "skills": len(self.skills),
            "skill groups": len(self.skill_groups),
            "hierarchy relations": len(self.broader),
            "ISCO groups": len(self.isco_groups),
            "occupations": len(self.occupations),
            "occupation-skill relations": len(self.occupation_skills),
        }
