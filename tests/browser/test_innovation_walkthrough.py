"""An organisation manager runs an innovation self-assessment in Chromium: from /home through the seven ISO 56002
clauses to the radar, the table beside it and the training suggested for the gaps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.db import unit_of_work
from tests.browser.page_checks import axe_violations, scrolls_sideways
from tests.browser.test_learning_walkthrough import MANAGER, log_in, open_menu

pytestmark = pytest.mark.browser

# Leadership and support are the gaps (their skills: change management, ideation, creative ideas: INNO-1 teaches
# them all); every other clause is established (3 of 4).
LOW = {"leadership": 0, "support": 1}


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> None:
    """The demo alliance on the bundled ESCO: the innovation agent role, its course and the question set."""
    from skillatlas.demo.loader import load_demo

    with unit_of_work(sessions) as db:
        load_demo(db=db, taxonomy=True)


def test_a_manager_assesses_and_sees_the_radar_and_the_training(
    live_server: str, page: Page, tmp_path: Path
) -> None:
    page.context.clear_cookies()
    log_in(page, live_server, MANAGER)
    expect(page).to_have_url(f"{live_server}/home")
    open_menu(page, "My work", "Innovation self-assessment")
    expect(page).to_have_url(f"{live_server}/innovation")
    # EDUCAM's two demo assessments, a year apart
    expect(page.get_by_role("link", name=re.compile("^Results of"))).to_have_count(2)
    page.get_by_label("Sector").select_option(label="Education and training")
    page.get_by_label("Size").select_option(label="Medium (50 to 249 people)")
    page.get_by_role("button", name="Start the assessment").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/innovation/assessments/\d+$"))
    overview = page.url

    # /home now says an assessment is in progress, and leads back to it
    page.goto(f"{live_server}/home")
    page.get_by_role("link", name="Innovation self-assessment of EDUCAM in progress").click()
    expect(page).to_have_url(overview)
    page.get_by_role("link", name="4 Context of the organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("4 Context of the organisation")
    for step in range(7):
        heading = page.get_by_role("heading", level=1).inner_text()
        clause = page.url.rsplit("/", 1)[1]
        level = LOW.get(clause, 3)
        groups = page.locator("fieldset.field")
        for i in range(groups.count()):
            groups.nth(i).locator(f'input[type=radio][value="{level}"]').check()
        if step == 0:
            assert axe_violations(page) == []  # a clause's form: radio groups, evidence fields, file input
            page.get_by_label("Evidence for 4.1 (optional)").fill(
                "A quarterly trend radar of the mobility sector."
            )
            page.get_by_label("Link to evidence (optional)").first.fill("https://example.org/trend-radar")
        button = "Save and go to the next clause" if step < 6 else "Save and see all steps"
        page.get_by_role("button", name=button).click()
        expect(page.get_by_role("heading", level=1)).not_to_have_text(heading)
    expect(page).to_have_url(overview)
    expect(page.get_by_text("20 of 20 questions answered")).to_be_visible()
    page.get_by_role("button", name="Complete the assessment and see the results").click()

    expect(page).to_have_url(f"{overview}/results")
    radar = page.get_by_role("img", name=re.compile("Innovation maturity of EDUCAM"))
    expect(radar).to_be_visible()
    expect(page.locator("svg.radar .series-current")).to_have_count(1)
    expect(page.locator("svg.radar .series-previous")).to_have_count(
        1
    )  # the demo's assessment before this one
    scores = page.locator("#scores")
    # the score cell (after the weight): levels 0, 0, 0 give 0; levels 3, 3, 3 of 4 give 75
    expect(scores.get_by_role("row", name=re.compile("^5 Leadership")).locator("td").nth(1)).to_have_text("0")
    expect(scores.get_by_role("row", name=re.compile("^4 Context")).locator("td").nth(1)).to_have_text("75")
    expect(page.locator("#gaps")).to_contain_text("Leadership")
    expect(page.locator("#gaps")).to_contain_text("Support")
    expect(page.locator("#peers")).to_contain_text("Not enough peers")  # three demo organisations, not five
    expect(page.locator("#suggested-training")).to_contain_text("INNO-1")
    expect(page.locator("#gap-skills")).to_contain_text("apply change management")
    expect(page.get_by_role("link", name="Innovation agent", exact=True)).to_have_attribute(
        "href", "/roles/innovation-agent"
    )
    page.screenshot(path=tmp_path / "innovation-results.png", full_page=True)
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert scrolls_sideways(page) == 0  # the radar shrinks, the tables fit a phone
    page.set_viewport_size({"width": 1280, "height": 900})

    # asking for an expert opens the expertise request form, prefilled
    page.get_by_role("link", name="Ask for an innovation expert for these gaps").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/experts/requests/new\?"))
    expect(page.get_by_label("Title")).to_have_value("Innovation management support")
    expect(page.locator(".skill-picker .picked")).to_contain_text("apply change management")
    expect(page.locator(".skill-picker .picked")).to_contain_text("perform ideation activities")
