"""A group lead takes an applicant from application to accepted member, in a real browser, through the pages
only: the hydrogen group's lead opens the group to applications; a person of a company outside the group
applies from the group's page; the lead finds the application on the home page, shortlists it, schedules the
interview with a panel chosen by name and records the acceptance; the applicant sees it on their home page.
Then the database: the application is accepted and the applicant's company is a member of the group."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance.models import Group, GroupMembership, Organisation
from skillatlas.applications.models import Application, ApplicationState
from skillatlas.config import Settings
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from tests.browser.page_checks import axe_violations, scrolls_sideways
from tests.conftest import NOW, PASSWORD, create_user

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "asa-demo-2026"
GROUP = "hydrogen-vet-forum"
APPLICANT = "applicant@test.example"


CV = (
    "Test engineer for fuel-cell stacks since 2018. I manage innovation processes in our test lab, "
    "run ideation workshops with the design team and apply change management when new test methods come in."
)


@pytest.fixture
def demo(sessions: sessionmaker[Session], settings: Settings) -> None:
    """The living demo on the bundled ESCO: the CV's skills are suggested from the whole taxonomy."""
    from skillatlas.demo.loader import load_demo

    with unit_of_work(sessions) as db:
        load_demo(db=db, taxonomy=True, issuing=issuing_for(settings), now=NOW)


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/home")


def test_a_lead_takes_an_applicant_to_member(
    live_server: str, page: Page, db: Session, sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, APPLICANT, {"role": "worker"}, organisation="continental-automotive")

    # the lead opens the group to applications
    log_in(page, live_server, "hydrogen.lead@asa-demo.eu", DEMO_PASSWORD)
    page.goto(f"{live_server}/groups/{GROUP}")
    page.get_by_role("link", name="Applications to this group").click()
    page.get_by_label("The group takes applications").check()
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_role("status")).to_contain_text("settings are saved")

    # the applicant applies from the group's page
    log_in(page, live_server, APPLICANT, PASSWORD)
    page.locator('details.menu-group[data-group="Alliance"] > summary').click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups", exact=True).click()
    page.get_by_role("link", name="Hydrogen VET Forum").first.click()
    page.get_by_role("link", name="Apply to join").click()
    expect(page.get_by_text("Continental Automotive becomes a member")).to_be_visible()
    expect(page.locator("summary", has_text="Suggest skills from my CV text")).to_be_visible()
    page.get_by_label("Why do you want to join?").fill("Too short")
    page.get_by_label("Your CV").fill(CV)
    # "suggest skills from my CV text": the platform's extraction reads the CV above
    picker = page.locator("#f-skills")
    picker.get_by_text("Suggest skills from my CV text").click()
    expect(picker.get_by_label("Paste the text")).to_have_value(CV)
    picker.get_by_role("button", name="Suggest skills").click()
    # the first extraction loads the embedding model: it may take longer than a click
    expect(picker.locator(".suggestions")).not_to_contain_text("Looking", timeout=90_000)
    picker.locator(".suggestions input[type=checkbox]").first.check()
    picker.get_by_role("button", name="Add the ticked skills").click()
    expect(picker.locator("ul.picked li")).to_have_count(1)
    chosen = picker.locator("ul.picked li .skill-label").inner_text()
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator("#f-motivation-error")).to_be_visible()  # beside the field, the CV and the skill kept
    expect(page.get_by_label("Your CV")).to_have_value(CV)
    expect(page.locator("#f-skills ul.picked")).to_contain_text(chosen)
    assert not axe_violations(page), axe_violations(page)
    page.get_by_label("Why do you want to join?").fill(
        "We test fuel-cell stacks and want to bring our test benches to the forum's training."
    )
    page.get_by_role("button", name="Send the application").click()
    expect(page.get_by_role("status")).to_contain_text("Your application is sent")
    expect(page.locator("#application-state")).to_have_text("Submitted")
    expect(page.locator("main")).to_contain_text(chosen)

    # the lead: from the home page to the application, shortlist, interview, acceptance
    log_in(page, live_server, "hydrogen.lead@asa-demo.eu", DEMO_PASSWORD)
    page.get_by_role("link", name="Application to Hydrogen VET Forum to review: Applicant").click()
    page.get_by_role("button", name="Shortlist").click()
    expect(page.locator("#application-state")).to_have_text("Shortlisted")
    page.get_by_label("Day").fill("2026-06-15")
    page.get_by_label("Time (UTC)").fill("10:00")
    page.get_by_label("Place or video link").fill("https://meet.example/hydrogen-forum")
    page.get_by_label("Eva Expert").check()
    page.get_by_role("button", name="Schedule the interview").click()
    expect(page.locator("#application-state")).to_have_text("Interview scheduled")
    expect(page.get_by_text("15 June 2026, 10:00 UTC")).to_be_visible()
    assert not axe_violations(page), axe_violations(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert scrolls_sideways(page) == 0
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Accepted: joins the group").check()
    page.get_by_label("Notes").fill("Welcome: please bring the test bench plans.")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_role("status")).to_contain_text("Continental Automotive is a member")
    expect(page.locator("#application-state")).to_have_text("Accepted")

    # the applicant sees it on the home page
    log_in(page, live_server, APPLICANT, PASSWORD)
    expect(page.get_by_text("Your application to Hydrogen VET Forum")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Accepted")

    db.expire_all()
    application = db.scalar(
        select(Application).join(Group, Group.id == Application.group_id).where(Group.slug == GROUP)
    )
    assert application is not None and application.state == ApplicationState.ACCEPTED
    assert [skill["label"] for skill in application.skills] == [chosen]
    member = db.scalar(
        select(GroupMembership)
        .join(Group, Group.id == GroupMembership.group_id)
        .join(Organisation, Organisation.id == GroupMembership.organisation_id)
        .where(Group.slug == GROUP, Organisation.slug == "continental-automotive")
    )
    assert member is not None
