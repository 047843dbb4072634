"""A visitor's walk through the demo alliance in a real browser, ending with an event registration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.alliance.models import Event, Registration, RegistrationStatus
from skillatlas.people.models import Person

pytestmark = pytest.mark.browser

COMMITTEES = ["Technology", "Education", "Social Aspects", "Regional Dimension"]
# A demo account (worker role) with the documented demo password.
EMAIL = "worker@asa-demo.eu"
PASSWORD = "asa-demo-2026"


def test_walk_from_home_to_a_registration(live_server: str, page: Page, db: Session, tmp_path: Path) -> None:
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name="Topic committees and their groups")).to_be_visible()
    expect(page.locator("section.committee h3")).to_have_text(COMMITTEES)

    # The pages are boosted by htmx: a click swaps the body over AJAX, so wait on the URL and on text.
    # A mark on the window survives only if no click below loads a whole new page.
    page.evaluate("window.walkthroughMark = true")
    page.get_by_role("link", name="Hydrogen VET Forum", exact=True).first.click()
    expect(page).to_have_url(f"{live_server}/groups/hydrogen-vet-forum")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hydrogen VET Forum")
    members = page.locator("ul.members li")
    expect(members).to_have_count(9)
    expect(members.filter(has_text="Automobile Club de l'Ouest")).to_have_count(1)
    expect(members.filter(has_text="Vamia")).to_have_count(1)
    expect(page.get_by_role("heading", name="Working plan")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^Train the trainer activity"))).to_be_visible()

    page.get_by_role("link", name="Hydrogen VET Forum 2027").click()
    event_url = f"{live_server}/events/hydrogen-vet-forum-2027"
    expect(page).to_have_url(event_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hydrogen VET Forum 2027")
    expect(page.get_by_text("0 registered of 20 places")).to_be_visible()
    page.screenshot(path=tmp_path / "event.png", full_page=True)
    assert page.evaluate("window.walkthroughMark === true"), "a link was followed by a full page load"

    # An anonymous visitor is asked to log in; after logging in they come back and register themselves.
    expect(page.get_by_text("Log in or sign up to register")).to_be_visible()
    second_tab = page.context.new_page()  # opened before registering, to submit a stale form later
    page.get_by_role("link", name="Log in", exact=True).first.click()
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()  # the login has gone through
    page.goto(event_url)
    second_tab.goto(event_url)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_have_text("You are registered for Hydrogen VET Forum 2027.")
    expect(page.get_by_text("1 registered of 20 places")).to_be_visible()
    page.screenshot(path=tmp_path / "registered.png", full_page=True)

    # The other tab still shows the old form: registering twice is refused with a clear message.
    second_tab.get_by_role("button", name="Register").click()
    expect(second_tab.get_by_role("alert")).to_contain_text(
        "is already registered for Hydrogen VET Forum 2027"
    )
    expect(second_tab.get_by_text("1 registered of 20 places")).to_be_visible()

    registrations = db.scalars(
        select(Registration)
        .join(Person, Registration.person_id == Person.id)
        .join(Event, Registration.event_id == Event.id)
        .where(Event.slug == "hydrogen-vet-forum-2027", func.lower(Person.email) == EMAIL)
    ).all()
    assert [r.status for r in registrations] == [RegistrationStatus.REGISTERED]
    assert db.scalar(select(func.count()).select_from(Registration)) == 1
