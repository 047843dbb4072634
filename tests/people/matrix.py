"""My skills' permission-matrix entries: every logged-in person manages their own skills, nobody else's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.people import service as people
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.taxonomy.models import Skill
from tests.auth.matrix_support import ROLES, USERS, Case, World, fixed
from tests.taxonomy.matrix import ensure_esco


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """Each role's person claims a skill of its own (not the one the experts' entries use), to remove it."""
    ensure_esco(world, sessions)
    with unit_of_work(sessions) as db:
        uri = db.scalar(select(Skill.uri).where(Skill.uri != world.extra["skill_uri"]).order_by(Skill.id))
        for role in ROLES:
            claim = PersonSkillIn(uri=uri, level="practitioner")
            people.save_claims(db=db, actor=SYSTEM, person_id=world.person_ids[role], skills=[claim])
    world.extra["my_skill_uri"] = uri


def _both(role: str, w: World) -> dict[str, list[str]]:
    # Saving replaces one's claims: the list keeps the expert's skill at its level (the experts' entries use it).
    return {
        "skills.uri": [w.extra["skill_uri"], w.extra["my_skill_uri"]],
        "skills.level": ["expert", "practitioner"],
    }


ENTRIES: dict[tuple[str, str], Case] = {
    ("GET", "/my/skills"): Case(USERS, fixed("/my/skills")),
    ("POST", "/my/skills"): Case(USERS, fixed("/my/skills"), form=_both),
    # one click removes one's own claim (each role has its own person, so each removes its own)
    ("POST", "/my/skills/remove"): Case(
        USERS, fixed("/my/skills/remove"), form=lambda role, w: {"uri": w.extra["my_skill_uri"]}
    ),
}
