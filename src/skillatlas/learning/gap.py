"""Gap analysis as a pure function: a person's skill levels against a role's requirements."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Essential skills count fully in the readiness score, optional ones half.
WEIGHTS = {"essential": 1.0, "optional": 0.5}


class GapStatus(enum.StrEnum):
    HAVE = "have"
    PARTLY = "partly"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Requirement:
    """A skill a role requires: its id, the level's rank (1 awareness .. 3 expert), essential or optional."""

    skill_id: int
    level: int
    weight: str = "essential"


@dataclass(frozen=True, slots=True)
class SkillGap:
    skill_id: int
    required: int
    current: int
    weight: str
    status: GapStatus


@dataclass(frozen=True, slots=True)
class Gap:
    skills: tuple[SkillGap, ...]
    readiness: float  # 0.0 .. 1.0

    @property
    def open(self) -> tuple[SkillGap, ...]:
        """The skills still to learn (partly or missing)."""
        return tuple(s for s in self.skills if s.status != GapStatus.HAVE)


def status_of(required: int, current: int) -> GapStatus:
    if current >= required:
        return GapStatus.HAVE
    return GapStatus.PARTLY if current > 0 else GapStatus.MISSING


def analyse(requirements: Sequence[Requirement], current: Mapping[int, int]) -> Gap:
    """Per required skill: have / partly / missing; readiness = weighted share of the required levels reached.

    `current` maps skill id to the person's level rank (claimed, assessed and credentialed alike).
    """
    rows = []
    total = reached = 0.0
    for req in requirements:
        level = current.get(req.skill_id, 0)
        weight = WEIGHTS.get(req.weight, 1.0)
        total += weight
        reached += weight * min(level, req.level) / req.level
        rows.append(SkillGap(req.skill_id, req.level, level, req.weight, status_of(req.level, level)))
    return Gap(tuple(rows), round(reached / total, 4) if total else 1.0)
