"""The job-role editor without URIs: skills with level and weight, and occupations, chosen with the picker;
a skill removed there leaves the new version; errors beside their fields, in words, nothing saved."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.db import unit_of_work
from skillatlas.roles.models import JobRole, JobRoleOccupation, JobRoleSkill, JobRoleVersion
from skillatlas.taxonomy import service as taxonomy
from skillatlas.taxonomy.models import Occupation, Skill
from tests.learning.conftest import BMS, DESIGN, FIXTURE, FLUIDS

ANALYST = "http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86"  # software analyst


@pytest.fixture
def esco(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def form(client: TestClient, url: str, data: dict[str, object]):
    return client.post(
        url, data={**data, "csrf_token": client.headers["X-CSRF-Token"]}, follow_redirects=False
    )


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def version(db: Session, slug: str, number: int) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """(skill label -> (level, weight), occupation labels) of a version, as the database holds it."""
    db.expire_all()
    found = db.scalar(
        select(JobRoleVersion).join(JobRole).where(JobRole.slug == slug, JobRoleVersion.number == number)
    )
    assert found is not None
    skills = db.execute(
        select(Skill.preferred_label, JobRoleSkill.level, JobRoleSkill.weight)
        .join(JobRoleSkill, JobRoleSkill.skill_id == Skill.id)
        .where(JobRoleSkill.version_id == found.id)
    )
    occupations = db.scalars(
        select(Occupation.preferred_label)
        .join(JobRoleOccupation, JobRoleOccupation.occupation_id == Occupation.id)
        .where(JobRoleOccupation.version_id == found.id)
    )
    return {label: (level.value, weight.value) for label, level, weight in skills}, list(occupations)


def test_a_role_is_made_and_changed_with_the_pickers(
    office_client: TestClient, demo: None, esco: None, db: Session
) -> None:
    page = office_client.get("/roles/new")
    assert page.status_code == 200 and "URI" not in visible(page.text)
    assert '<textarea name="skills"' not in page.text and '<textarea name="occupations"' not in page.text
    assert 'data-source="/api/taxonomy/occupations"' in page.text and "Add an occupation" in page.text
    # one select per skill: the level required and the weight, in words
    assert "Expert, essential" in page.text and "Awareness, optional" in page.text
    assert re.search(r'<option value="hydrogen-vet-forum"\s*>', page.text)  # the reviewing group, chosen

    made = form(office_client, "/roles", {
        "title": "Cell engineer", "description": "Designs battery cells.", "group": "hydrogen-vet-forum",
        "skills.uri": [DESIGN, FLUIDS], "skills.level": ["expert|essential", "awareness|optional"],
        "occupations.uri": [ANALYST],
    })  # fmt: skip
    assert made.status_code == 303 and made.headers["location"] == "/roles/cell-engineer?version=1"
    assert version(db, "cell-engineer", 1) == (
        {"battery design": ("expert", "essential"), "battery fluids": ("awareness", "optional")},
        ["software analyst"],
    )

    editor = office_client.get("/roles/cell-engineer/edit")
    assert editor.status_code == 200 and "data.europa.eu" not in visible(editor.text)
    picker = editor.text.split('id="f-skills"', 1)[1].split("</ul>", 1)[0]
    assert "battery design" in picker and '<option value="expert|essential" selected>' in picker
    assert '<option value="awareness|optional" selected>' in picker
    assert "software analyst" in editor.text.split('id="f-occupations"', 1)[1].split("</ul>", 1)[0]

    # battery fluids removed in the picker, BMS added, the occupation removed: the draft says so
    changed = form(office_client, "/roles/cell-engineer", {
        "title": "Cell engineer", "skills.uri": [DESIGN, BMS],
        "skills.level": ["practitioner|essential", "expert|optional"], "change_note": "BMS instead of fluids",
    })  # fmt: skip
    assert changed.status_code == 303
    assert version(db, "cell-engineer", 1) == (
        {
            "battery design": ("practitioner", "essential"),
            "battery management systems": ("expert", "optional"),
        },
        [],
    )


def test_role_editor_errors_are_beside_their_fields_and_save_nothing(
    office_client: TestClient, esco: None, db: Session
) -> None:
    empty = form(office_client, "/roles", {"title": "X", "description": "A role"})
    assert empty.status_code == 422
    assert re.search(r'id="f-title-error">Enter at least 2 characters', empty.text)
    assert re.search(r'id="f-skills-error">Pick at least one skill the role requires', empty.text)
    assert 'value="X"' in empty.text and ">A role</textarea>" in empty.text  # kept as typed

    unclear = form(office_client, "/roles", {"title": "Cell engineer", "slug": "Cell Engineer!",
                                             "skills.uri": [DESIGN, FLUIDS],
                                             "skills.level": ["expert|essential", "guru|always"],
                                             "occupations.uri": [ANALYST]})  # fmt: skip
    assert unclear.status_code == 422
    assert re.search(
        r'id="f-skills-error">Choose the level and weight required for battery fluids', unclear.text
    )
    assert re.search(r'id="f-slug-error">', unclear.text)
    picker = unclear.text.split('id="f-skills"', 1)[1].split("</ul>", 1)[0]
    assert "battery design" in picker and "battery fluids" in picker  # the picks are kept
    assert "software analyst" in unclear.text.split('id="f-occupations"', 1)[1].split("</ul>", 1)[0]

    gone = form(office_client, "/roles", {"title": "Cell engineer", "skills.uri": [DESIGN],
                                          "skills.level": ["expert|essential"],
                                          "occupations.uri": ["http://data.europa.eu/esco/occupation/gone"]})  # fmt: skip
    assert gone.status_code == 422 and "A chosen occupation is no longer in the taxonomy" in gone.text
    assert "data.europa.eu" not in visible(gone.text)
    assert db.scalar(select(func.count()).select_from(JobRole)) == 0
