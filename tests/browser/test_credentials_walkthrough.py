"""Micro-credentials in a real browser: the alliance office defines an achievement with the skill picker, finds a
demo worker by name and issues them the credential after a preview; the worker opens My credentials and finds
it with its share link, downloads and wallet code. The database is checked at the end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import AuditEntry, User
from skillatlas.credentials.models import Achievement, IssuedCredential
from skillatlas.db import unit_of_work
from skillatlas.taxonomy import service as taxonomy
from skillatlas.taxonomy.models import Skill
from tests.browser.page_checks import axe_violations, problems_in
from tests.experts.conftest import FIXTURE

pytestmark = pytest.mark.browser

PASSWORD = "asa-demo-2026"  # the demo accounts' documented password
OFFICE = "office@asa-demo.eu"  # Olga Office, the alliance office
WORKER = "worker@asa-demo.eu"  # Wim Worker, employed by EDUCAM
NAME = "EV battery safety"
SLUG = "ev-battery-safety"
SKILL = "battery management systems"


@pytest.fixture
def esco(sessions: sessionmaker[Session], demo: None) -> None:
    """Arranged, not clicked: the small ESCO fixture's skills, which the picker offers."""
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def log_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()  # the shared browser context may still hold another login
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def reads_well(page: Page) -> None:
    """Nothing internal on the page (no URI field, underscores, raw floats, traces) and no serious axe finding."""
    assert problems_in(page.content()) == []
    assert axe_violations(page) == []


def open_menu(page: Page, group: str, link: str) -> None:
    page.locator("summary", has_text=group).click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def test_the_office_defines_and_issues_a_credential_and_the_worker_finds_it(
    live_server: str, page: Page, esco: None, db: Session, tmp_path: Path
) -> None:
    log_in(page, live_server, OFFICE)

    # The office defines the achievement: the skills are chosen from the taxonomy, never typed as URIs.
    open_menu(page, "Skills", "Achievements")
    expect(page).to_have_url(f"{live_server}/achievements")
    page.get_by_role("link", name="New achievement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New achievement")
    page.get_by_label(re.compile(r"^Name")).fill(NAME)
    page.get_by_label("Issuing organisation").select_option("asa")
    page.get_by_label("Description").fill("Works safely on the high-voltage battery of an electric vehicle.")
    page.get_by_label("Criteria").fill("Attend the safety day and pass the practical test.")
    page.get_by_label("Learning outcomes").fill(
        "Isolates a traction battery\nChecks the battery management system"
    )
    search = page.get_by_label("Add a skill")
    search.fill("battery")
    options = page.get_by_role("listbox", name="Matching skills")
    expect(options.get_by_role("option", name=SKILL)).to_be_visible()
    options.get_by_role("option", name=SKILL).click()
    picked = page.locator("fieldset.skill-picker ul.picked li")
    expect(picked).to_have_count(1)
    expect(picked.first.locator(".skill-label")).to_have_text(SKILL)
    reads_well(page)
    page.get_by_label("EQF level").select_option("4")
    page.get_by_label("Notional workload in hours").fill("8")
    page.get_by_label("Type of assessment").select_option(label="Practical demonstration")
    page.get_by_label("Form of participation").select_option(label="On site")
    page.get_by_label("Quality assurance").fill("ASA Education and Training committee")
    page.get_by_role("button", name="Define the achievement").click()
    expect(page).to_have_url(f"{live_server}/achievements/{SLUG}")
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_text(SKILL, exact=True)).to_be_visible()
    reads_well(page)

    # One credential: the recipient is found by typing a name, the credential previewed, then signed.
    page.get_by_role("link", name="Issue to someone").click()
    expect(page.get_by_label("Achievement")).to_have_value(SLUG)
    page.get_by_label("Recipient").fill("wim")
    # type-ahead searches as one types; pressing Search does the same (and does not depend on the input
    # event reaching htmx before it has processed the page that was just swapped in, as on a slow machine)
    page.get_by_role("button", name="Search").click()
    recipient = page.get_by_role("radio", name=re.compile(r"^Wim Worker · worker@asa-demo\.eu"))
    expect(recipient).to_be_visible()
    expect(page.locator("#recipients")).not_to_contain_text(re.compile(r"\b\d+\b · "))  # no ids to read
    reads_well(page)
    recipient.check()
    page.get_by_role("button", name="Preview the credential").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview")
    expect(page.locator("article.certificate")).to_contain_text("to be awarded to Wim Worker")
    page.screenshot(path=tmp_path / "preview.png", full_page=True)
    reads_well(page)
    page.get_by_role("button", name="Issue and sign the credential").click()
    expect(page.locator("#issued-notice")).to_contain_text("The credential is issued and signed")
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/credentials/[0-9a-f-]{{36}}\?issued=1$"))
    uuid = page.url.rsplit("/", 1)[1].split("?")[0]
    expect(page.locator("#verdict")).to_have_text("✔ Valid credential")
    reads_well(page)

    # The worker finds it under My credentials, with what they need to share it and keep it.
    log_in(page, live_server, WORKER)
    open_menu(page, "My work", "My credentials")
    expect(page).to_have_url(f"{live_server}/my/credentials")
    card = page.locator(f"#credential-{uuid}")
    expect(card.get_by_role("heading", level=2)).to_have_text(NAME)
    expect(card.get_by_label("Share link")).to_have_value(f"{live_server}/credentials/{uuid}")
    card.get_by_text("Add to a wallet").click()
    expect(card.locator("figure.qr svg")).to_be_visible()
    with page.expect_download() as download_info:
        card.get_by_role("link", name="Download JSON").click()
    saved = json.loads(Path(download_info.value.path()).read_text())
    assert saved["id"] == f"urn:uuid:{uuid}"
    assert saved["credentialSubject"]["achievement"]["name"] == NAME
    page.screenshot(path=tmp_path / "my-credentials.png", full_page=True)
    reads_well(page)
    card.get_by_role("link", name=NAME).click()
    expect(page).to_have_url(f"{live_server}/credentials/{uuid}")
    expect(page.locator("#credential-status")).to_contain_text("active")

    # What the pages did is in the database: the achievement with its skill, one credential for Wim, audited.
    db.expire_all()
    achievement = db.scalars(select(Achievement).where(Achievement.slug == SLUG)).one()
    uri = db.scalar(select(Skill.uri).where(Skill.preferred_label == SKILL))
    assert achievement.skills == [{"uri": uri, "label": SKILL}]
    assert achievement.learning_outcomes == [
        "Isolates a traction battery",
        "Checks the battery management system",
    ]
    assert (achievement.eqf_level, achievement.hours, achievement.issuer.slug) == (4, 8, "asa")
    worker_person = db.scalar(select(User.person_id).where(func.lower(User.email) == WORKER))
    credentials = list(db.scalars(select(IssuedCredential)))
    assert [(c.uuid, c.person_id, c.achievement_id) for c in credentials] == [
        (uuid, worker_person, achievement.id)
    ]
    office = db.scalar(select(User.id).where(func.lower(User.email) == OFFICE))
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.user_id == office)))
    assert {"credentials.achievement.create", "credentials.issue"} <= actions
