"""Committee and group leads do their job in a real browser, from their own home page, through the pages only:
the education committee's lead edits the committee's priorities and adds a task force under it; the hydrogen
group's lead finds the group under "My groups", adds a line to its working plan and marks it done. Then the
database is checked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.alliance.models import Committee, Group, WorkItemStatus, WorkPlanItem

pytestmark = pytest.mark.browser

PASSWORD = "asa-demo-2026"


def log_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/home")


def test_a_committee_lead_steers_the_committee(live_server: str, page: Page, db: Session) -> None:
    log_in(page, live_server, "education.lead@asa-demo.eu")
    # from the home page, through the menu: the alliance's committees are on the alliance page
    page.locator('details.menu-group[data-group="Alliance"] > summary').click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="The alliance", exact=True).click()
    page.get_by_role("link", name="Education", exact=True).first.click()
    page.get_by_role("link", name="Edit the committee").click()
    priorities = page.get_by_label("Priorities")
    priorities.fill(priorities.input_value() + "\nUpskilling for hydrogen mobility")
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save changes").click()
    # the error is beside its field, in words, and the typed priorities are kept
    expect(page.locator("#f-name-error")).to_be_visible()
    expect(page.get_by_label("Priorities")).to_have_value(
        "Effective learning programmes\nTraining\nInitial learning\nLife-long learning\n"
        "Upskilling for hydrogen mobility"
    )
    page.get_by_label("Name").fill("Education")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Upskilling for hydrogen mobility")).to_be_visible()

    page.get_by_role("link", name="Add a group").click()
    page.get_by_label("Name").fill("Hydrogen trainers' task force")
    page.get_by_label("Kind").select_option(value="task_force")
    page.get_by_label("Objectives and description").fill(
        "Train the trainers of hydrogen vehicle technicians."
    )
    page.get_by_role("button", name="Add group").click()
    expect(page.get_by_role("status")).to_contain_text("The group is added")

    db.expire_all()
    committee = db.scalar(select(Committee).where(Committee.slug == "education"))
    assert committee is not None and committee.priorities[-1] == "Upskilling for hydrogen mobility"
    group = db.scalar(select(Group).where(Group.name == "Hydrogen trainers' task force"))
    assert group is not None and "education" in {c.slug for c in group.committees}


def test_a_group_lead_keeps_the_working_plan(live_server: str, page: Page, db: Session) -> None:
    log_in(page, live_server, "hydrogen.lead@asa-demo.eu")
    page.locator('details.menu-group[data-group="Mine"] > summary').click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My groups", exact=True).click()
    expect(page.get_by_role("heading", name="Hydrogen VET Forum")).to_be_visible()
    page.get_by_role("link", name="Add to the working plan").first.click()
    page.get_by_label("Deliverable").fill("A 16-hour module with its assessment")
    page.get_by_label("Due date").fill("2026-09-30")
    page.get_by_role("button", name="Add the line").click()
    # no objective: said beside the field, and what was typed is kept
    expect(page.locator("#f-objective-error")).to_be_visible()
    expect(page.get_by_label("Deliverable")).to_have_value("A 16-hour module with its assessment")
    page.get_by_label("Objective").fill("Hydrogen safety module for VET schools")
    page.get_by_role("button", name="Add the line").click()
    expect(page.get_by_role("status")).to_contain_text("working plan is saved")
    page.get_by_role("link", name="Edit “Hydrogen safety module for VET schools”").click()
    page.get_by_label("Status").select_option(value="done")
    page.get_by_role("button", name="Save the line").click()
    expect(page.get_by_role("status")).to_contain_text("working plan is saved")

    db.expire_all()
    item = db.scalar(
        select(WorkPlanItem).where(WorkPlanItem.objective == "Hydrogen safety module for VET schools")
    )
    assert item is not None and item.status == WorkItemStatus.DONE
    assert item.due_date is not None and item.due_date.isoformat() == "2026-09-30"
    assert item.group.slug == "hydrogen-vet-forum"
