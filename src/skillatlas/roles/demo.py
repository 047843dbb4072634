"""The demo's job roles (data/roles.yaml), created, reviewed and published through the service as SYSTEM."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.auth.permissions import SYSTEM
from skillatlas.errors import InvalidInput
from skillatlas.roles import service
from skillatlas.roles.models import JobRole
from skillatlas.roles.schemas import RoleCreate
from skillatlas.taxonomy.models import Occupation, Skill
from skillatlas.validation import parse_input


def demo_roles() -> list[dict[str, Any]]:
    """The role definitions, skills and occupations named by their ESCO preferred labels."""
    text = (resources.files("skillatlas.roles") / "data" / "roles.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["roles"])


def _uri_by_label(db: Session, model: type[Skill] | type[Occupation], label: str) -> str:
    uri = db.scalar(select(model.uri).where(model.preferred_label == label).order_by(model.uri).limit(1))
    if uri is None:
        raise InvalidInput(f"the demo role names {label!r}, which the taxonomy lacks", field="label")
    return uri


def load_demo_roles(*, db: Session) -> int:
    """Adds the missing demo roles, published; a role whose skills the taxonomy lacks is left out. How many were added."""
    if db.scalar(select(Skill.id).limit(1)) is None:
        return 0
    added = 0
    for spec in demo_roles():
        if db.scalar(select(JobRole.id).where(JobRole.slug == spec["slug"])) is not None:
            continue
        try:
            skills = [
                {
                    "uri": _uri_by_label(db, Skill, s["label"]),
                    "level": s["level"],
                    "weight": s.get("weight", "essential"),
                }
                for s in spec["skills"]
            ]
            occupations = [_uri_by_label(db, Occupation, o) for o in spec.get("occupations", [])]
        except InvalidInput:
            continue  # a partial taxonomy (a test's ESCO extract): the role cannot be built from it
        data = parse_input(
            RoleCreate,
            {
                "slug": spec["slug"],
                "title": spec["title"],
                "description": spec.get("description", ""),
                "group": spec.get("group"),
                "skills": skills,
                "occupations": occupations,
                "change_note": "demo: first version",
            },
        )
        if data.group and not _group_exists(db, data.group):
            data = data.model_copy(update={"group": None})
        service.create_role(db=db, actor=SYSTEM, data=data)
        service.submit(db=db, actor=SYSTEM, slug=spec["slug"])
        service.publish(db=db, actor=SYSTEM, slug=spec["slug"])
        added += 1
    return added


def _group_exists(db: Session, slug: str) -> bool:
    from skillatlas.alliance.models import Group

    return db.scalar(select(Group.id).where(Group.slug == slug)) is not None
