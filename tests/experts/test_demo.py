"""The demo's experts: every skill they name is in the bundled ESCO, they are listed, and loading twice adds none."""

from __future__ import annotations

from sqlalchemy import select

from skillatlas.db import unit_of_work
from skillatlas.experts.demo import DEMO_EXPERTS, load_demo_experts
from skillatlas.experts.models import ExpertProfile
from skillatlas.people.models import PersonSkill
from skillatlas.taxonomy import service as taxonomy


def test_demo_experts_load_once_with_all_their_skills(sessions) -> None:
    with unit_of_work(sessions) as db:
        assert load_demo_experts(db=db) == 0  # no taxonomy yet: nothing to speak in
        taxonomy.load_bundled(db=db)
        assert load_demo_experts(db=db) == len(DEMO_EXPERTS)
        assert load_demo_experts(db=db) == 0
        profiles = db.scalars(select(ExpertProfile)).all()
        assert all(p.listed and p.consent_at for p in profiles)
        named = sum(len(spec["skills"]) for spec in DEMO_EXPERTS)
        assert len(db.scalars(select(PersonSkill)).all()) == named
        assert {s for p in profiles for s in p.sectors} >= {"batteries", "hydrogen", "software", "innovation"}
