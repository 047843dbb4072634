"""My skills (/my/skills): every person lists, adds, re-levels and removes their own skills with the picker;
what others assessed or certified stays; bad input is named beside the picker and saves nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.people import service as people
from skillatlas.people.models import PersonSkill, SkillLevel, SkillSource
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.taxonomy import service as taxonomy
from skillatlas.taxonomy.models import Skill
from tests.conftest import create_user, login

FIXTURE = Path(__file__).parent.parent / "taxonomy" / "esco_fixture"


@pytest.fixture
def uris(sessions: sessionmaker[Session]) -> dict[str, str]:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)
        return {label: uri for label, uri in db.execute(select(Skill.preferred_label, Skill.uri))}


@pytest.fixture
def ana(client: TestClient, sessions: sessionmaker[Session], uris: dict[str, str]) -> int:
    """A logged-in worker with a claim, an assessed skill and a credentialed one."""
    _, person_id = create_user(sessions, "ana@example.org", {"role": "worker"})
    with unit_of_work(sessions) as db:
        people.set_skills(db=db, actor=SYSTEM, person_id=person_id, skills=[
            PersonSkillIn(uri=uris["battery fluids"], level="awareness", evidence="workshop safety course"),
            PersonSkillIn(uri=uris["battery design"], level="practitioner", source="assessed",
                          evidence="BAT-201 passed"),
            PersonSkillIn(uri=uris["battery management systems"], level="expert", source="credentialed"),
        ])  # fmt: skip
    login(client, "ana@example.org")
    return person_id


def record(db: Session, person_id: int) -> dict[str, tuple[str, str]]:
    """label -> (level, source), as the database holds it."""
    db.expire_all()
    rows = db.execute(
        select(Skill.preferred_label, PersonSkill.level, PersonSkill.source)
        .join(Skill, Skill.id == PersonSkill.skill_id)
        .where(PersonSkill.person_id == person_id)
    )
    return {label: (level.value, source.value) for label, level, source in rows}


def visible(html: str) -> str:
    """The page's text as a reader sees it: no tags, no attribute values (hidden fields included)."""
    return re.sub(r"<[^>]+>", " ", html)


def post(client: TestClient, url: str, data: dict[str, object]):
    return client.post(
        url, data={**data, "csrf_token": client.headers["X-CSRF-Token"]}, follow_redirects=False
    )


def test_my_skills_lists_level_source_in_words_and_evidence(client: TestClient, ana: int) -> None:
    page = client.get("/my/skills")
    assert page.status_code == 200
    text = visible(page.text)
    assert "Claimed by me" in text and "Assessed" in text and "Proven by a credential" in text
    assert "workshop safety course" in text and "BAT-201 passed" in text
    assert "Kept: this skill was assessed" in text and "Kept: this skill is proven by a credential" in text
    # one Remove button on the record, for the one claim; the proof has none
    assert text.count("Remove") >= 1 and page.text.count('action="/my/skills/remove"') == 1
    # the picker holds the claims only, each with its level
    picker = page.text.split('id="f-skills"', 1)[1]
    assert "battery fluids" in picker and "battery design" not in picker.split("</ul>")[0]
    assert "data.europa.eu" not in text  # no URI is ever shown
    assert 'href="/my/skills"' in page.text  # the menu's entry


def test_add_change_level_and_remove_with_the_picker(client: TestClient, ana: int, uris, db: Session) -> None:
    saved = post(client, "/my/skills", {
        "skills.uri": [uris["battery fluids"], uris["system backup best practice"]],
        "skills.level": ["expert", "practitioner"],
    })  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == "/my/skills?saved=1"
    assert record(db, ana) == {
        "battery fluids": ("expert", "claimed"),  # level changed
        "system backup best practice": ("practitioner", "claimed"),  # added
        "battery design": ("practitioner", "assessed"),  # proof untouched
        "battery management systems": ("expert", "credentialed"),
    }
    assert "Your skills are saved." in client.get("/my/skills?saved=1").text
    # a claim left out of the picker is removed; a claim on a proven skill neither lowers nor replaces it
    post(client, "/my/skills", {"skills.uri": [uris["system backup best practice"], uris["battery design"]],
                                "skills.level": ["awareness", "awareness"]})  # fmt: skip
    assert record(db, ana) == {
        "system backup best practice": ("awareness", "claimed"),
        "battery design": ("practitioner", "assessed"),
        "battery management systems": ("expert", "credentialed"),
    }


def test_one_click_removes_a_claim_and_keeps_proof(client: TestClient, ana: int, uris, db: Session) -> None:
    gone = post(client, "/my/skills/remove", {"uri": uris["battery fluids"]})
    assert gone.status_code == 303 and gone.headers["location"] == "/my/skills"
    assert "battery fluids" not in record(db, ana)
    kept = post(client, "/my/skills/remove", {"uri": uris["battery design"]})
    assert kept.status_code == 403 and "it stays on your record" in kept.text
    assert record(db, ana)["battery design"] == ("practitioner", "assessed")
    again = post(client, "/my/skills/remove", {"uri": uris["battery fluids"]})
    assert again.status_code == 404 and "data.europa.eu" not in visible(again.text)


def test_bad_input_is_named_beside_the_picker_and_saves_nothing(
    client: TestClient, ana: int, uris, db: Session
) -> None:
    before = record(db, ana)
    bad = post(client, "/my/skills", {"skills.uri": [uris["system backup best practice"], uris["battery fluids"]],
                                      "skills.level": ["guru", "expert"]})  # fmt: skip
    assert bad.status_code == 422
    assert re.search(
        r'class="field-error" id="f-skills-error">Choose a level for system backup best practice', bad.text
    )
    picker = bad.text.split('id="f-skills"', 1)[1].split("</ul>")[0]
    assert "system backup best practice" in picker and "battery fluids" in picker  # what was picked is kept
    assert record(db, ana) == before
    unknown = post(client, "/my/skills", {"skills.uri": ["http://data.europa.eu/esco/skill/nope"],
                                          "skills.level": ["expert"]})  # fmt: skip
    assert unknown.status_code == 422 and "no longer in the taxonomy" in unknown.text
    assert "data.europa.eu" not in visible(unknown.text)
    assert record(db, ana) == before


def test_my_skills_needs_a_login(client: TestClient, uris) -> None:
    first = client.get("/my/skills", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login")


def test_proof_stays_through_the_api_too(client: TestClient, ana: int, uris, db: Session) -> None:
    refused = client.delete(f"/api/people/{ana}/skills", params={"uri": uris["battery management systems"]})
    assert refused.status_code == 403
    assert record(db, ana)["battery management systems"] == ("expert", "credentialed")
    assert (
        client.delete(f"/api/people/{ana}/skills", params={"uri": uris["battery fluids"]}).status_code == 204
    )


def test_save_claims_is_the_persons_or_their_managers(sessions, uris, db: Session) -> None:
    from skillatlas.auth.permissions import Principal
    from skillatlas.errors import PermissionDenied

    _, ana = create_user(sessions, "ana@example.org", {"role": "worker"})
    _, bo = create_user(sessions, "bo@example.org", {"role": "worker"})
    claim = [PersonSkillIn(uri=uris["battery design"], level=SkillLevel.EXPERT)]
    with pytest.raises(PermissionDenied):
        people.save_claims(db=db, actor=Principal(user_id=1, person_id=bo), person_id=ana, skills=claim)
    saved = people.save_claims(db=db, actor=Principal(user_id=1, person_id=ana), person_id=ana, skills=claim)
    assert [(s.label, s.source) for s in saved] == [("battery design", SkillSource.CLAIMED)]
