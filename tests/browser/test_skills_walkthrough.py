"""Skills without URIs, in a real browser: a worker manages My skills with the picker and the keyboard; an expert
edits her profile's skills with the picker and "suggest from my CV"; then the database is checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import User
from skillatlas.auth.permissions import SYSTEM
from skillatlas.config import Settings
from skillatlas.db import unit_of_work
from skillatlas.experts import service as experts
from skillatlas.experts.models import ExpertProfile
from skillatlas.experts.schemas import ExpertProfileIn
from skillatlas.people import service as people
from skillatlas.people.models import PersonSkill
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.taxonomy import service as taxonomy
from skillatlas.taxonomy.models import Skill
from tests.conftest import NOW
from tests.experts.conftest import BATTERY_DESIGN, BMS, FIXTURE

pytestmark = pytest.mark.browser

PASSWORD = "asa-demo-2026"  # the demo accounts' documented password
WORKER = "worker@asa-demo.eu"  # Wim Worker
EXPERT = "expert@asa-demo.eu"  # Eva Expert
BIO = "I design battery management systems for electric buses."


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Lexical-only text matching and extraction: no embedding model to load in the server."""
    return Settings(database_url=database_url, data_dir=tmp_path, embedding_backend="none")


def person_of(db: Session, email: str) -> int:
    person_id = db.scalar(select(User.person_id).where(func.lower(User.email) == email))
    assert person_id is not None
    return person_id


def uri_of(db: Session, label: str) -> str:
    uri = db.scalar(select(Skill.uri).where(Skill.preferred_label == label))
    assert uri is not None
    return uri


@pytest.fixture
def people_with_skills(sessions: sessionmaker[Session], demo: None) -> dict[str, int]:
    """Arranged, not clicked: the ESCO fixture; Wim claims one skill and was assessed on another; Eva is a listed
    expert who claims battery design."""
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)
        wim, eva = person_of(db, WORKER), person_of(db, EXPERT)
        people.set_skills(db=db, actor=SYSTEM, person_id=wim, skills=[
            PersonSkillIn(uri=uri_of(db, "prepare vehicle trim"), level="awareness", evidence="garage job"),
            PersonSkillIn(uri=uri_of(db, "system backup best practice"), level="practitioner", source="assessed",
                          evidence="IT basics course passed"),
        ])  # fmt: skip
        people.set_skills(db=db, actor=SYSTEM, person_id=eva, skills=[
            PersonSkillIn(uri=BATTERY_DESIGN, level="expert"),
        ])  # fmt: skip
        profile = ExpertProfileIn(headline="Battery engineer", bio=BIO, languages=[{"code": "en", "level": "C1"}],
                                  consent=True)  # fmt: skip
        experts.save_profile(db=db, actor=SYSTEM, person_id=eva, data=profile, now=NOW)
    return {"wim": wim, "eva": eva}


def record(db: Session, person_id: int) -> dict[str, tuple[str, str]]:
    """label -> (level, source), as the database holds it."""
    db.expire_all()
    rows = db.execute(
        select(Skill.preferred_label, PersonSkill.level, PersonSkill.source)
        .join(Skill, Skill.id == PersonSkill.skill_id)
        .where(PersonSkill.person_id == person_id)
    )
    return {label: (level.value, source.value) for label, level, source in rows}


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def open_menu(page: Page, label: str) -> None:
    """Through the menu, as a person would: "My work", then the entry."""
    page.locator("details.menu-group summary", has_text="My work").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def test_a_worker_manages_my_skills_with_the_keyboard(
    people_with_skills: dict[str, int], live_server: str, page: Page, db: Session, tmp_path: Path
) -> None:
    wim = people_with_skills["wim"]
    log_in(page, live_server, WORKER)
    open_menu(page, "My skills")
    expect(page).to_have_url(f"{live_server}/my/skills")
    expect(page.get_by_role("heading", level=1)).to_have_text("My skills")
    table = page.locator("table.my-skills")
    trim_row = table.locator("tr").filter(has_text="prepare vehicle trim")
    backup_row = table.locator("tr").filter(has_text="system backup best practice")
    expect(trim_row).to_contain_text("Claimed by me")
    expect(trim_row).to_contain_text("garage job")
    expect(backup_row).to_contain_text("Assessed")
    expect(backup_row).to_contain_text("Kept: this skill was assessed")
    expect(backup_row.get_by_role("button")).to_have_count(0)  # proof cannot be removed here
    expect(page.locator("main")).not_to_contain_text("data.europa.eu")

    # type "batt", then the keyboard only: ArrowDown to the first battery skill, Enter to pick it
    search = page.get_by_label("Add a skill")
    search.click()
    search.press_sequentially("batt", delay=40)
    options = page.get_by_role("listbox", name="Matching skills").get_by_role("option")
    expect(options.first).to_contain_text("battery")
    search.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    search.press("Enter")
    picked = page.locator("#f-skills ul.picked li").filter(has_text=re.compile("^battery"))
    expect(picked).to_have_count(1)
    label = picked.locator(".skill-label").inner_text()
    assert label.startswith("battery")
    expect(options).to_have_count(0)  # the list closed, the form was not sent
    expect(page).to_have_url(f"{live_server}/my/skills")
    page.get_by_label(f"Level for {label}").select_option("expert")
    page.get_by_role("button", name="Save my skills").click()

    expect(page.get_by_role("status")).to_have_text("Your skills are saved.")
    new_row = table.locator("tr").filter(has_text=label)
    expect(new_row).to_contain_text("Expert")
    expect(new_row).to_contain_text("Claimed by me")

    # one click removes another claim
    trim_row.get_by_role("button", name="Remove prepare vehicle trim from my record").click()
    expect(table.locator("tr").filter(has_text="prepare vehicle trim")).to_have_count(0)
    expect(new_row).to_be_visible()
    page.screenshot(path=tmp_path / "my-skills.png", full_page=True)

    assert record(db, wim) == {
        label: ("expert", "claimed"),
        "system backup best practice": ("practitioner", "assessed"),
    }


def test_an_expert_edits_her_profile_skills_with_the_picker(
    people_with_skills: dict[str, int], live_server: str, page: Page, db: Session, tmp_path: Path
) -> None:
    eva = people_with_skills["eva"]
    log_in(page, live_server, EXPERT)
    open_menu(page, "My expert profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("My expert profile")
    picker = page.locator("#f-skills")
    expect(picker.locator("ul.picked li")).to_have_count(1)
    expect(picker.locator("ul.picked")).to_contain_text("battery design")

    # suggest from my CV: the bio above is what it reads
    picker.get_by_text("Suggest skills from my CV").click()
    expect(picker.get_by_label("Paste the text")).to_have_value(BIO)
    picker.get_by_role("button", name="Suggest skills").click()
    picker.locator(".suggestions").get_by_label("battery management systems").check()
    picker.get_by_role("button", name="Add the ticked skills").click()
    expect(picker.locator("ul.picked")).to_contain_text("battery management systems")
    picker.get_by_label("Level for battery management systems").select_option("expert")
    # remove battery design with one click in the picker
    picker.get_by_role("button", name="Remove battery design").click()
    expect(picker.locator("ul.picked li")).to_have_count(1)

    # a period that ends before it starts: the error beside its line, nothing saved
    page.get_by_label("Period 1: from").fill("2026-09-01")
    page.get_by_label("until").first.fill("2026-08-01")
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator("#f-availability-0-error")
    expect(error).to_have_text("Period 1: Ends on: The end date is before the start date")
    assert record(db, eva) == {"battery design": ("expert", "claimed")}
    expect(picker.locator("ul.picked")).to_contain_text("battery management systems")  # kept as picked

    page.get_by_label("until").first.fill("2026-10-31")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    expect(page.locator("#f-skills ul.picked")).to_contain_text("battery management systems")
    page.screenshot(path=tmp_path / "expert-profile.png", full_page=True)

    assert record(db, eva) == {"battery management systems": ("expert", "claimed")}
    profile = db.get(ExpertProfile, eva)
    assert profile is not None and profile.listed
    assert profile.availability == [{"starts_on": "2026-09-01", "ends_on": "2026-10-31", "days_per_month": 4}]
    assert db.scalar(select(Skill.uri).where(Skill.preferred_label == "battery management systems")) == BMS
