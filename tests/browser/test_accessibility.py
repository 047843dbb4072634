"""Keyboard-only use of the main flow, and axe-core on the states a crawl never sees (an open menu, the skill
picker's list of matches, a form with errors, a failed login), desktop and phone.

The crawl (test_crawl.py) runs axe on one page of every route as it first loads; here the pages are used.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import User
from skillatlas.config import Settings
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from skillatlas.people.models import PersonSkill, SkillSource
from skillatlas.taxonomy.models import Skill
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.page_checks import DEMO_PASSWORD, axe_violations
from tests.conftest import NOW

pytestmark = pytest.mark.browser

WORKER = "worker@asa-demo.eu"
OFFICE = "office@asa-demo.eu"


@pytest.fixture
def demo(sessions: sessionmaker[Session], settings: Settings) -> None:
    """The living demo on the bundled ESCO: the skill picker searches the whole taxonomy."""
    from skillatlas.demo.loader import load_demo

    with unit_of_work(sessions) as db:
        load_demo(db=db, taxonomy=True, issuing=issuing_for(settings), now=NOW)


@pytest.fixture
def phone(browser_context: BrowserContext) -> Iterator[Page]:
    """A tab in a separate context (own cookies) 375 pixels wide, as on a phone."""
    assert browser_context.browser is not None
    context = browser_context.browser.new_context(viewport={"width": 375, "height": 800}, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def focused(page: Page, script: str) -> bool:
    return bool(page.evaluate(f"(() => {{ const e = document.activeElement; return !!e && ({script}); }})()"))


def tab_to(page: Page, script: str, what: str, limit: int = 80) -> None:
    """Presses Tab until the focused element satisfies `script` (a JS expression over `e`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, script):
            return
    raise AssertionError(f"{what} was not reached with Tab in {limit} presses")


def no_serious_violations(page: Page, state: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{state}:\n" + "\n".join(violations)


def test_a_worker_adds_a_skill_with_the_keyboard_only(live_server: str, page: Page, db: Session) -> None:
    # Log in: Tab to the e-mail field, type, Tab to the password, type, Enter.
    page.goto(f"{live_server}/login")
    tab_to(page, "e.name === 'email'", "the e-mail field")
    page.keyboard.type(WORKER)
    page.keyboard.press("Tab")
    assert focused(page, "e.name === 'password'"), "Tab from the e-mail field does not reach the password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # The menu: Tab to the "My work" group, Enter opens it, Escape closes it and keeps the focus there.
    tab_to(page, "e.tagName === 'SUMMARY' && e.textContent.trim() === 'My work'", "the My work menu")
    page.keyboard.press("Enter")
    group = page.locator("details.menu-group", has=page.locator("summary", has_text="My work"))
    expect(group).to_have_attribute("open", "")
    expect(group.get_by_role("link", name="My skills")).to_be_visible()
    no_serious_violations(page, "the menu open")
    page.keyboard.press("Escape")
    expect(group).not_to_have_attribute("open", "")
    assert focused(page, "e.tagName === 'SUMMARY'"), "Escape lost the focus"
    page.keyboard.press("Enter")
    expect(group).to_have_attribute("open", "")
    tab_to(page, "e.tagName === 'A' && e.textContent.trim() === 'My skills'", "the My skills link", limit=15)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/my/skills")
    expect(page.get_by_role("heading", level=1)).to_have_text("My skills")

    # The skill picker: type, ArrowDown highlights the first match, Enter picks it (and submits nothing).
    tab_to(page, "e.classList.contains('skill-search')", "the skill picker's search field")
    search = page.locator("input.skill-search")
    expect(search).to_have_attribute("role", "combobox")
    page.keyboard.type("qqzzxx")  # nothing matches: the list says so, and Enter neither picks nor sends
    expect(page.locator("ul.options li.none")).to_have_text("No skill matches “qqzzxx”.")
    no_serious_violations(page, "the skill picker finding nothing")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your skills are saved.")).to_have_count(0)
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.type("hydrogen fuel")
    options = page.locator("ul.options li[role=option]")
    expect(options.first).to_be_visible()
    expect(search).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "?")
    chosen = first.get_attribute("data-label")
    chosen_uri = first.get_attribute("data-uri")
    assert chosen and chosen_uri
    no_serious_violations(page, "the skill picker with its list of matches open")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/my/skills")  # Enter picked; it did not submit the form
    picked = page.locator("ul.picked li", has_text=chosen)
    expect(picked).to_have_count(1)
    expect(search).to_have_value("")
    expect(search).to_have_attribute("aria-expanded", "false")
    assert focused(page, "e.classList.contains('skill-search')"), "the focus left the search field"

    # Its level, then Save, by the keyboard.
    page.keyboard.press("Shift+Tab")  # back through the new row: its Remove button, then its level
    page.keyboard.press("Shift+Tab")
    assert focused(page, "e.tagName === 'SELECT'"), "the new skill's level is not reachable by the keyboard"
    page.keyboard.press("ArrowDown")  # practitioner -> expert
    tab_to(page, "e.tagName === 'BUTTON' && e.textContent.trim() === 'Save my skills'", "the Save button")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your skills are saved.")).to_be_visible()
    expect(page.locator("table.my-skills tr", has_text=chosen)).to_contain_text("Expert")

    person_id = db.scalar(select(User.person_id).where(func.lower(User.email) == WORKER))
    row = db.execute(
        select(PersonSkill.level, PersonSkill.source)
        .join(Skill, Skill.id == PersonSkill.skill_id)
        .where(PersonSkill.person_id == person_id, Skill.uri == chosen_uri)
    ).one()
    assert (row.level.value, row.source) == ("expert", SkillSource.CLAIMED)


def test_used_states_pass_axe_on_desktop_and_phone(live_server: str, page: Page, phone: Page) -> None:
    # A failed login shows its error in words.
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(OFFICE)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    no_serious_violations(page, "a failed login")

    # A form sent empty: the summary of errors at the top, each error beside its field.
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(f"{live_server}/organisations/new")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".field-error").first).to_be_visible()
    no_serious_violations(page, "a form with errors")

    # Every menu group open in turn (its list of links is shown only then).
    for summary in page.locator("details.menu-group > summary").all():
        summary.click()
        no_serious_violations(page, f"the menu group {summary.text_content()!r} open")

    # On a phone: the collapsed menu, then the menu open with a group open.
    phone.goto(f"{live_server}/")
    no_serious_violations(phone, "the collapsed menu on a phone")
    phone.get_by_role("button", name="Menu").click()
    phone.locator("details.menu-group > summary").first.click()
    expect(phone.locator("details.menu-group[open] ul")).to_be_visible()
    no_serious_violations(phone, "the menu open on a phone")
