"""The taxonomy's permission-matrix entries: every read is public."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.db import unit_of_work
from skillatlas.taxonomy import service
from skillatlas.taxonomy.models import Occupation, Skill
from tests.auth.matrix_support import EVERYONE, Case, World, public

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
}
