"""Layout that users found broken: pages scrolling sideways on a phone, the menu not collapsing, charts and
extraction results squeezed into half the width."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.config import Settings
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.page_checks import DEMO_PASSWORD, axe_violations, scrolls_sideways
from tests.conftest import NOW

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}
PAGES = ["/", "/home", "/kpi", "/intelligence/demand", "/courses", "/skills"]
TEXT = (
    "We are looking for a high-voltage battery technician to diagnose and repair battery management systems. "
    "You test traction batteries with battery test equipment and read vehicle electrical systems."
)


def living_demo(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Adds the bundled ESCO and the living demo (courses, KPI outcomes, job ads) to the demo already loaded."""
    from skillatlas.demo.loader import load_demo

    with unit_of_work(sessions) as db:
        load_demo(db=db, taxonomy=True, issuing=issuing_for(settings), now=NOW)


@pytest.fixture
def phone(browser_context: BrowserContext) -> Iterator[Page]:
    """A tab in a separate context (own cookies) 375 pixels wide."""
    assert browser_context.browser is not None
    context = browser_context.browser.new_context(viewport=PHONE, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(f"{base}/login")
    expect(page.locator("form.logout")).to_have_count(1)  # logged in (the menu may be collapsed)


def width(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["width"]


def test_no_page_scrolls_sideways_on_a_phone(live_server: str, phone: Page, sessions, settings) -> None:
    living_demo(sessions, settings)
    log_in(phone, live_server, "office@asa-demo.eu")  # the longest menu
    for path in PAGES:
        phone.goto(live_server + path)
        assert phone.evaluate("window.innerWidth") == 375
        assert scrolls_sideways(phone) == 0, f"{path} scrolls sideways on a phone"
    # the pages had their content: charts drawn, tables of courses and skills
    phone.goto(f"{live_server}/kpi")
    assert width(phone, "#kpi-trend") > 250
    phone.goto(f"{live_server}/intelligence/demand")
    assert width(phone, "#top-chart") > 250
    phone.goto(f"{live_server}/courses")
    expect(phone.locator("main table tbody tr").first).to_be_visible()


def test_charts_and_extraction_results_use_the_full_width(
    live_server: str, page: Page, sessions, settings
) -> None:
    living_demo(sessions, settings)
    page.goto(f"{live_server}/kpi")
    full = width(page, "main h1")
    for chart in ("#kpi-trend", "#kpi-countries"):
        assert width(page, chart) > 0.9 * full, f"{chart} is squeezed: {width(page, chart)} of {full}px"
    page.goto(f"{live_server}/intelligence/demand")
    for chart in ("#top-chart", "#trend-chart"):
        assert width(page, chart) > 0.9 * full, f"{chart} is squeezed: {width(page, chart)} of {full}px"
    assert width(page, "#top-chart") > 900

    page.goto(f"{live_server}/intelligence/extract")
    page.locator("main form textarea").first.fill(TEXT)
    page.locator("main form button[type=submit]").first.click()
    found = page.locator("section", has=page.get_by_role("heading", name="Skills found"))
    expect(found.locator("table tbody tr").first).to_be_visible(
        timeout=60_000
    )  # the first extraction loads its model
    assert width(page, "section:has(table.skills-found)") > 0.95 * full
    assert width(page, "table.skills-found") > 0.9 * full
    violations = axe_violations(page)  # the crawl sees only the empty form
    assert not violations, "the extraction results:\n" + "\n".join(violations)


def test_the_menu_collapses_on_a_phone_and_opens_with_its_button(
    live_server: str, phone: Page, page: Page
) -> None:
    log_in(phone, live_server, "office@asa-demo.eu")
    phone.goto(f"{live_server}/home")
    menu, toggle = phone.locator("#site-menu"), phone.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    header = phone.locator("header.site").bounding_box()
    assert header is not None and header["height"] < 90, "the collapsed header takes the screen"

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(phone.get_by_role("button", name="Log out")).to_be_visible()
    assert scrolls_sideways(phone) == 0, "the open menu is wider than the phone"
    phone.locator("summary", has_text="Alliance").click()
    phone.get_by_role("link", name="KPIs").click()
    expect(phone).to_have_url(f"{live_server}/kpi")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Alliance KPIs")
    expect(phone.locator("#site-menu")).to_be_hidden()  # a new page starts with the menu closed
    toggle = phone.get_by_role("button", name="Menu")
    toggle.click()
    expect(phone.locator("#site-menu")).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(phone.locator("#site-menu")).to_be_hidden()

    # On a desktop the menu is always there and the button is not.
    page.goto(f"{live_server}/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.locator("#site-menu")).to_be_visible()
    expect(page.locator("summary", has_text="Alliance")).to_be_visible()
