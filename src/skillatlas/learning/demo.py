"""The demo's job roles and courses (roles/data/roles.yaml, learning/data/courses.yaml), through the services."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.alliance.models import Organisation
from skillatlas.auth.permissions import SYSTEM
from skillatlas.errors import InvalidInput
from skillatlas.learning import service
from skillatlas.learning.models import Course
from skillatlas.learning.schemas import CourseIn
from skillatlas.roles.demo import load_demo_roles
from skillatlas.taxonomy.models import Skill
from skillatlas.validation import parse_input


def demo_courses() -> dict[str, list[dict[str, Any]]]:
    text = (resources.files("skillatlas.learning") / "data" / "courses.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text)["provider_courses"])


def load_demo_learning(*, db: Session) -> dict[str, int]:
    """Adds the missing demo roles and courses; nothing when the taxonomy lacks their skills."""
    added = {"job roles": load_demo_roles(db=db), "courses": 0}
    for provider, courses in demo_courses().items():
        if db.scalar(select(Organisation.id).where(Organisation.slug == provider)) is None:
            continue
        items = []
        for spec in courses:
            if db.scalar(select(Course.id).where(Course.code == spec["code"])) is not None:
                continue
            skills = []
            for s in spec["skills"]:
                uri = db.scalar(
                    select(Skill.uri).where(Skill.preferred_label == s["label"]).order_by(Skill.uri).limit(1)
                )
                if uri is None:
                    break
                skills.append({"uri": uri, "level": s["level"]})
            else:
                items.append(
                    parse_input(
                        CourseIn, {**{k: v for k, v in spec.items() if k != "skills"}, "skills": skills}
                    )
                )
        if items:
            savepoint = db.begin_nested()
            try:
                service.save_courses(db=db, actor=SYSTEM, provider=provider, items=items)
            except InvalidInput:
                savepoint.rollback()  # a prerequisite left out with its skills: a partial taxonomy
                continue
            savepoint.commit()
            added["courses"] += len(items)
    return {k: v for k, v in added.items() if v}
