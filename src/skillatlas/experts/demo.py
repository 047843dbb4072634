"""The demo's experts: a handful of fictional people from the ASA's fields, listed with their consent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.auth.permissions import SYSTEM
from skillatlas.experts import service
from skillatlas.experts.models import ExpertProfile
from skillatlas.experts.schemas import ExpertProfileIn
from skillatlas.people import service as people_service
from skillatlas.people.models import Person, PersonKind
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.taxonomy.models import Skill

# Fictional people (demo data only); skills by their ESCO preferred labels: (label, level, source).
DEMO_EXPERTS: list[dict[str, Any]] = [
    {"ref": "demo-expert-batteries", "name": "Greta Lindqvist (demo)", "country": "SE",
     "headline": "Battery systems engineer", "sectors": ["batteries"], "rate": 950,
     "bio": "Fifteen years designing lithium-ion packs and battery management systems for buses and cars; "
            "leads teardown and second-life assessments. Demo profile.",
     "languages": [("en", "C2"), ("sv", "native"), ("de", "B2")], "countries": ["SE", "DE", "NO"],
     "skills": [("battery design", "expert", "credentialed"), ("battery management systems", "expert", "assessed"),
                ("operate battery test equipment", "practitioner", "claimed")]},
    {"ref": "demo-expert-hydrogen", "name": "Mateo Ruiz (demo)", "country": "ES",
     "headline": "Hydrogen and fuel-cell consultant", "sectors": ["hydrogen"], "rate": 850,
     "bio": "Feasibility studies for hydrogen refuelling and fuel-cell trucks; trains technicians on safe "
            "handling of hydrogen. Demo profile.",
     "languages": [("es", "native"), ("en", "C1"), ("fr", "B2")], "countries": ["ES", "PT", "FR"],
     "skills": [("fuel cell types", "expert", "assessed"), ("execute feasibility study on hydrogen", "expert", "claimed"),
                ("provide information on hydrogen", "practitioner", "claimed")]},
    {"ref": "demo-expert-software", "name": "Ioana Popescu (demo)", "country": "RO",
     "headline": "Automotive software architect", "sectors": ["software"], "rate": 800,
     "bio": "Architecture of embedded software for electronic control units, AUTOSAR, and secure "
            "over-the-air updates. Demo profile.",
     "languages": [("ro", "native"), ("en", "C1"), ("de", "B1")], "countries": ["RO", "DE"], "mode": "remote",
     "skills": [("define software architecture", "expert", "credentialed"), ("embedded systems", "expert", "assessed"),
                ("cyber security", "practitioner", "claimed")]},
    {"ref": "demo-expert-packaging", "name": "Jan Novak (demo)", "country": "CZ",
     "headline": "Electronics packaging and assembly specialist", "sectors": ["electronics packaging"], "rate": 700,
     "bio": "Surface-mount assembly, soldering processes and reliability of power electronics modules. "
            "Demo profile.",
     "languages": [("cs", "native"), ("en", "B2"), ("de", "B2")], "countries": ["CZ", "SK", "AT"],
     "skills": [("surface-mount technology", "expert", "assessed"), ("soldering techniques", "expert", "claimed")]},
    {"ref": "demo-expert-repair", "name": "Luca Bianchi (demo)", "country": "IT",
     "headline": "Repair and maintenance trainer for electrified vehicles", "sectors": ["repair and maintenance"],
     "rate": 600,
     "bio": "Workshop trainer: diagnostics of hybrid and electric vehicles, safe high-voltage work. Demo profile.",
     "languages": [("it", "native"), ("en", "B2")], "countries": ["IT"], "mode": "on_site",
     "skills": [("use automotive diagnostic equipment", "expert", "credentialed"),
                ("execute vehicle maintenance", "expert", "claimed"), ("repair battery components", "practitioner", "claimed")]},
    {"ref": "demo-expert-innovation", "name": "Sophie Martin (demo)", "country": "FR",
     "headline": "Innovation agent for automotive SMEs", "sectors": ["innovation"], "rate": 750,
     "bio": "Helps small suppliers run innovation processes and find funding for new products. Demo profile.",
     "languages": [("fr", "native"), ("en", "C1")], "countries": ["FR", "BE", "LU"],
     "skills": [("innovation processes", "expert", "assessed"), ("automotive engineering", "practitioner", "claimed")]},
]  # fmt: skip


def load_demo_experts(*, db: Session, now: dt.datetime | None = None) -> int:
    """Adds the missing demo experts (needs the taxonomy); how many were added."""
    if db.scalar(select(Skill.id).limit(1)) is None:
        return 0
    now = now or dt.datetime.now(dt.UTC)
    added = 0
    for spec in DEMO_EXPERTS:
        person = db.scalar(select(Person).where(Person.external_ref == spec["ref"]))
        if person is not None and db.get(ExpertProfile, person.id) is not None:
            continue
        labels = [label for label, _, _ in spec["skills"]]
        uris = dict(
            db.execute(
                select(Skill.preferred_label, Skill.uri).where(Skill.preferred_label.in_(labels))
            ).all()
        )
        if person is None:
            person = Person(full_name=spec["name"], country=spec["country"], kind=PersonKind.EXPERT,
                            external_ref=spec["ref"])  # fmt: skip
            db.add(person)
            db.flush()
        skills = [PersonSkillIn(uri=uris[label], level=level, source=source)
                  for label, level, source in spec["skills"] if label in uris]  # fmt: skip
        if skills:
            people_service.set_skills(db=db, actor=SYSTEM, person_id=person.id, skills=skills)
        start = now.date()
        data = ExpertProfileIn(
            headline=spec["headline"], bio=spec["bio"], sectors=spec["sectors"], day_rate_eur=spec["rate"],
            languages=[{"code": c, "level": lvl} for c, lvl in spec["languages"]], countries=spec["countries"],
            work_mode=spec.get("mode", "either"),
            availability=[{"starts_on": start, "ends_on": start + dt.timedelta(days=365), "days_per_month": 4}],
            consent=True,  # the demo's fictional experts are listed as if they had agreed
        )  # fmt: skip
        service.save_profile(db=db, actor=SYSTEM, person_id=person.id, data=data, now=now,
                             external_id=spec["ref"])  # fmt: skip
        added += 1
    return added
