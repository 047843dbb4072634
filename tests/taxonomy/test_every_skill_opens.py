"""Every skill page of the bundled ESCO opens: skills with broader and narrower concepts included."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient
from sqlalchemy import select

from skillatlas.db import unit_of_work
from skillatlas.taxonomy import service
from skillatlas.taxonomy.models import BroaderRelation, Skill


def test_a_sample_of_the_whole_taxonomy_opens_as_page_and_api(client: TestClient, sessions) -> None:
    with unit_of_work(sessions) as db:
        service.load_bundled(db=db)
    with sessions() as db:
        ids = list(db.scalars(select(Skill.id).order_by(Skill.id)))
        in_hierarchy = set(
            db.scalars(select(Skill.id).join(BroaderRelation, BroaderRelation.narrower_uri == Skill.uri))
        )
    assert len(ids) > 13_000 and len(in_hierarchy) > 10_000
    rng = random.Random(13)
    sample = rng.sample(ids, 250) + rng.sample(sorted(in_hierarchy), 250)
    for skill_id in sample:
        api = client.get(f"/api/taxonomy/skills/{skill_id}")
        assert api.status_code == 200, (skill_id, api.text[:200])
        page = client.get(f"/skills/{skill_id}")
        assert page.status_code == 200, (skill_id, page.text[:200])
    # a skill with a broader concept shows it as a link
    child = sorted(in_hierarchy)[0]
    read = client.get(f"/api/taxonomy/skills/{child}").json()
    assert read["broader"] and read["broader"][0]["label"] != read["broader"][0]["uri"]
