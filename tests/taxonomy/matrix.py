"""The taxonomy's permission-matrix entries: every read is public."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.taxonomy import service
from skillatlas.taxonomy.models import Occupation, Skill
from skillatlas.taxonomy.schemas import AllianceSkillCreate
from tests.auth.matrix_support import EVERYONE, OFFICE, Case, World, fixed, public

FIXTURE = Path(__file__).parent / "esco_fixture"


def ensure_esco(world: World, sessions: sessionmaker[Session]) -> None:
    """The small ESCO fixture, loaded once per world; its first skill and occupation in `world.extra`."""
    if "skill_id" in world.extra:
        return
    with unit_of_work(sessions) as db:
        service.import_esco(db=db, directory=FIXTURE)
        skill = db.scalars(select(Skill).order_by(Skill.id).limit(1)).one()
        occupation = db.scalars(select(Occupation).order_by(Occupation.id).limit(1)).one()
        world.extra.update(skill_id=skill.id, skill_uri=skill.uri, occupation_id=occupation.id)


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    ensure_esco(world, sessions)
    with unit_of_work(sessions) as db:
        proposed = service.propose_skill(
            db=db, actor=SYSTEM, data=AllianceSkillCreate(preferred_label="innovation agent facilitation")
        )
        world.extra["alliance_skill_id"] = proposed.id


def _with(key: str, template: str) -> Any:
    return lambda role, w: template.format(w.extra[key])


ENTRIES: dict[tuple[str, str], Case] = {
    ("GET", "/api/taxonomy"): public("/api/taxonomy"),
    ("GET", "/api/taxonomy/skills"): public("/api/taxonomy/skills?q=battery"),
    ("GET", "/api/taxonomy/skills/by-uri"): Case(
        EVERYONE, lambda role, w: f"/api/taxonomy/skills/by-uri?uri={w.extra['skill_uri']}"
    ),
    ("GET", "/api/taxonomy/skills/{skill_id}"): Case(EVERYONE, _with("skill_id", "/api/taxonomy/skills/{}")),
    ("GET", "/api/taxonomy/occupations"): public("/api/taxonomy/occupations"),
    ("GET", "/api/taxonomy/occupations/{occupation_id}"): Case(
        EVERYONE, _with("occupation_id", "/api/taxonomy/occupations/{}")
    ),
    ("GET", "/skills"): public("/skills?q=battery"),
    ("GET", "/skills/{skill_id}"): Case(EVERYONE, _with("skill_id", "/skills/{}")),
    ("GET", "/occupations"): public("/occupations"),
    ("GET", "/occupations/{occupation_id}"): Case(EVERYONE, _with("occupation_id", "/occupations/{}")),
    # The alliance's own skills: leads propose (each a new label), the office reviews.
    ("POST", "/api/taxonomy/skills"): Case(
        frozenset({"office", "group_lead", "committee_lead"}),
        fixed("/api/taxonomy/skills"),
        json=lambda role, w: {"preferred_label": f"alliance skill proposed by {role}"},
    ),
    ("POST", "/api/taxonomy/skills/{skill_id}/review"): Case(
        OFFICE,
        _with("alliance_skill_id", "/api/taxonomy/skills/{}/review"),
        json=lambda role, w: {"state": "in_review"},
    ),
}
