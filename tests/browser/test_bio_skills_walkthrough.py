"""Skills found in an expert's bio, in a real browser: an expert described only in words logs in, opens their
profile from their home page, sees each skill found with the sentence that shows it, keeps one, removes
another, and finds both choices still there after a reload (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.config import Settings
from skillatlas.db import unit_of_work
from skillatlas.experts import service
from skillatlas.experts.schemas import ExpertProfileIn
from skillatlas.people.models import PersonSkill
from skillatlas.taxonomy import service as taxonomy
from skillatlas.taxonomy.models import Skill
from tests.browser.page_checks import axe_violations, problems_in
from tests.conftest import NOW, PASSWORD, create_user
from tests.experts.conftest import BATTERY_DESIGN, BMS, FIXTURE

pytestmark = pytest.mark.browser

EMAIL = "ana.words@example.org"
BMS_SENTENCE = "I design battery management systems for electric buses."
MODELS_SENTENCE = "I also document software architecture models for vehicle controllers."
FOUND_IN_BIO = re.compile(r"found in (my|the) bio", re.I)  # how a derived skill is marked
BIO = f"{BMS_SENTENCE} {MODELS_SENTENCE} On weekends I sail."
MODELS = (
    "http://data.europa.eu/esco/skill/2450c3b3-e78e-435b-b84d-e05d984e71dc"  # software architecture models
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Lexical-only text matching, as in tests/experts: no embedding model to load in the server."""
    return Settings(database_url=database_url, data_dir=tmp_path, embedding_backend="none")


def record(db: Session, person_id: int) -> dict[str, tuple[str, str | None]]:
    """uri -> (source, evidence) of the person's skills, as saved."""
    db.expire_all()
    rows = db.execute(
        select(Skill.uri, PersonSkill.source, PersonSkill.evidence)
        .join(Skill, Skill.id == PersonSkill.skill_id)
        .where(PersonSkill.person_id == person_id)
    )
    return {uri: (source.value, evidence) for uri, source, evidence in rows}


@pytest.fixture
def ana(sessions: sessionmaker[Session], settings: Settings, demo: None) -> int:
    """Arranged, not clicked: an expert whose profile is a headline and a bio, no skill listed; the skills in
    the bio are found by the platform's one extractor (`skill_finder`, as the import and the profile page do).

    Returns her person id."""
    _, person_id = create_user(sessions, EMAIL, {"role": "expert"})
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)
        profile = ExpertProfileIn(
            headline="Battery consultant", bio=BIO, languages=[{"code": "en", "level": "C1"}], consent=True
        )
        find = service.skill_finder(db, settings.data_dir, settings.embedding_backend)
        service.save_profile(db=db, actor=SYSTEM, person_id=person_id, data=profile, now=NOW, find=find)
    return person_id


def test_an_expert_keeps_one_skill_found_in_the_bio_and_removes_another(
    ana: int, live_server: str, page: Page, db: Session, tmp_path: Path
) -> None:
    found = record(db, ana)
    assert found[BMS] == ("derived", BMS_SENTENCE)
    assert found[MODELS] == ("derived", MODELS_SENTENCE)
    assert found[BATTERY_DESIGN] == ("derived", BMS_SENTENCE)  # a third, left for later
    assert all(source == "derived" for source, _ in found.values())  # only the bio: nothing claimed

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # from the home page to the profile
    page.goto(f"{live_server}/home")
    page.get_by_role("region", name="My pages").get_by_role("link", name="My expert profile").click()
    expect(page).to_have_url(f"{live_server}/experts/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("My expert profile")

    # every skill found, each with the sentence of the bio that shows it
    section = page.locator("#found-in-bio")
    expect(section.get_by_role("heading", name="Skills found in your bio")).to_be_visible()
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(len(found))
    labels = dict(
        db.execute(select(Skill.uri, Skill.preferred_label).where(Skill.uri.in_(list(found)))).all()
    )
    for uri, (_, evidence) in found.items():
        row = rows.filter(has=page.get_by_role("cell", name=labels[uri], exact=True))
        expect(row).to_have_count(1)
        expect(row.get_by_role("cell").nth(1)).to_have_text(f"“{evidence}”")
    assert problems_in(page.content()) == []
    assert not axe_violations(page), axe_violations(page)

    # a second tab, left open on the profile as it is now
    stale = page.context.new_page()
    stale.goto(f"{live_server}/experts/profile")

    # keep one, remove another
    section.get_by_role("button", name="Keep battery management systems as my skill").click()
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    expect(section.get_by_role("cell", name="battery management systems", exact=True)).to_have_count(0)
    section.get_by_role("button", name="Remove software architecture models").click()
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    expect(section.get_by_role("cell", name="software architecture models", exact=True)).to_have_count(0)

    # both choices hold after a reload
    page.reload()
    expect(rows).to_have_count(len(found) - 2)
    expect(rows.filter(has_text="battery design")).to_contain_text(f"“{BMS_SENTENCE}”")  # still to review
    for label in ("battery management systems", "software architecture models"):
        expect(section.get_by_role("cell", name=label, exact=True)).to_have_count(0)
    # the kept skill is now one she claims: in the picker of her claimed skills, no longer "found in the bio"
    expect(page.get_by_label("Level for battery management systems")).to_be_visible()
    assert problems_in(page.content()) == []
    page.screenshot(path=tmp_path / "reviewed.png", full_page=True)

    # a click in the tab left open (the skill was kept meanwhile) is told in words beside the list, which is
    # shown up to date; the kept skill stays kept (this showed an error page with the skill's URI)
    stale.locator("#found-in-bio").get_by_role("button", name="Remove battery management systems").click()
    expect(stale.get_by_role("heading", level=1)).to_have_text("My expert profile")
    expect(stale.locator("#f-derived-error")).to_have_text(
        "battery management systems no longer waits for you: it was kept or removed already."
    )
    expect(stale.get_by_role("alert")).to_contain_text("Skills found in your bio")
    expect(stale.locator("main")).not_to_contain_text("http")  # no URI shown
    expect(stale.locator("#found-in-bio tbody tr")).to_have_count(len(found) - 2)
    assert problems_in(stale.content()) == []
    assert not axe_violations(stale), axe_violations(stale)
    stale.close()

    page.goto(f"{live_server}/my/skills")
    my_rows = page.locator("table.my-skills tbody tr")
    kept = my_rows.filter(has=page.get_by_role("link", name="battery management systems", exact=True))
    expect(kept).to_have_count(1)
    expect(kept).not_to_contain_text(FOUND_IN_BIO)
    expect(kept).to_contain_text(BMS_SENTENCE)  # the evidence is kept with the claim
    expect(
        page.locator("table.my-skills").get_by_role("link", name="software architecture models")
    ).to_have_count(0)
    left = my_rows.filter(has=page.get_by_role("link", name="battery design", exact=True))
    expect(left).to_contain_text(FOUND_IN_BIO)  # the one not reviewed yet is still marked so

    after = record(db, ana)
    assert after[BMS] == ("claimed", BMS_SENTENCE)
    assert MODELS not in after
    assert {uri for uri, (source, _) in after.items() if source == "derived"} == set(found) - {BMS, MODELS}
