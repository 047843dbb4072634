"""The alliance office does its administrative job in a real browser, through the pages only: invites a user with a
role, edits an organisation, adds a line to a group's working plan, creates an event, registers people and marks
who attended; then the database is checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.alliance.models import (
    Event,
    Group,
    Organisation,
    Registration,
    RegistrationStatus,
    WorkPlanItem,
)
from skillatlas.auth.models import OutboxMessage, Role, RoleGrant, User
from skillatlas.people.models import Person
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

OFFICE = "office@asa-demo.eu"  # Olga Office, the demo's alliance office
PASSWORD = "asa-demo-2026"
INVITED = "greta.group@example.org"


def open_menu(page: Page, group: str, entry: str) -> None:
    page.locator(f'details.menu-group[data-group="{group}"] > summary').click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=entry, exact=True).click()


def test_the_office_administers_the_alliance_in_the_browser(
    live_server: str, page: Page, db: Session, tmp_path: Path
) -> None:
    page.context.clear_cookies()  # the shared context may still hold an earlier test's login
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(OFFICE)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.evaluate("window.walkthroughMark = true")  # survives only if no click loads a whole new page

    # 1. Invite a user with a role: a bad attempt first (errors beside the fields), then the right one.
    open_menu(page, "Office", "Users and roles")
    expect(page).to_have_url(f"{live_server}/office/users")
    expect(page.get_by_role("cell", name="Olga Office")).to_be_visible()
    page.get_by_role("link", name="Invite a user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a user")
    page.get_by_label("E-mail address").fill("greta at example")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator("#f-full_name-error")).to_have_text("This is required.")
    expect(page.locator("#f-email-error")).to_have_text("Enter an e-mail address like name@example.org.")
    expect(page.get_by_label("E-mail address")).to_have_value("greta at example")  # what was typed is kept
    assert db.scalar(select(func.count()).select_from(User).where(User.full_name == "Greta Group")) == 0
    page.get_by_label("Full name").fill("Greta Group")
    page.get_by_label("E-mail address").fill(INVITED)
    page.get_by_label("Works for").select_option(label="EDUCAM")
    expect(page.get_by_label("Worker", exact=True)).to_be_checked()
    page.get_by_label("Leads the group").select_option(label="Hydrogen VET Forum")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status")).to_contain_text(f"the invitation is on its way to {INVITED}")
    expect(page.locator("ul.roles .tag")).to_have_text(["worker", "group lead of Hydrogen VET Forum"])
    page.screenshot(path=tmp_path / "invited.png", full_page=True)

    # 2. Edit an organisation, chosen from the members' list.
    open_menu(page, "Alliance", "Members")
    page.get_by_role("link", name="EDUCAM", exact=True).click()
    expect(page).to_have_url(f"{live_server}/organisations/educam")
    page.get_by_role("link", name="Edit the organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit EDUCAM")
    page.get_by_label("Website").fill("https://www.educam.be")
    page.get_by_label("NUTS region").fill("BE10")
    page.get_by_label("Description").fill(
        "Training centre for the automotive and mobility sector in Belgium."
    )
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("The changes are saved.")
    expect(page.get_by_role("link", name="https://www.educam.be")).to_be_visible()

    # 3. A line for a group's working plan.
    open_menu(page, "Alliance", "Groups")
    page.get_by_role("link", name="Hydrogen VET Forum", exact=True).click()
    page.get_by_role("link", name="Manage the group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage Hydrogen VET Forum")
    page.get_by_role("link", name="Add a line to the working plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a line to the working plan")
    page.get_by_label(re.compile(r"^Objective\b")).fill("Hydrogen safety module for IVET teachers")
    page.get_by_label("Deliverable").fill("Module outline and slides")
    page.get_by_label("Owner").select_option(label="Karlsruhe Institute of Technology")
    page.get_by_label("Due date").fill("2026-09-30")
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_role("button", name="Add the line").click()
    expect(page.get_by_role("status")).to_have_text("The working plan is saved.")
    line = page.locator("table.work-plan tbody tr", has_text="Hydrogen safety module for IVET teachers")
    expect(line).to_contain_text("Karlsruhe Institute of Technology")
    expect(line).to_contain_text("30 Sep 2026")

    # 4. A new event of that group, starting today so that people can still register.
    open_menu(page, "Office", "New event")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an event")
    page.get_by_label(re.compile(r"^Name\b")).fill("Hydrogen teachers' meet-up")
    page.get_by_label("Starts on").fill(TODAY.isoformat())
    page.get_by_label("Ends on").fill(TODAY.isoformat())
    page.get_by_label("Where it happens").select_option(label="Online")
    page.get_by_label("Places").fill("2")
    page.get_by_label("Group behind it").select_option(label="Hydrogen VET Forum")
    page.get_by_label("Automobile Club de l'Ouest").check()
    page.get_by_role("button", name="Add event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hydrogen teachers' meet-up")
    event_url = page.url
    slug = event_url.rsplit("/", 1)[1]

    # 5. Register three people (the third waits), cancel one (the third gets the place), mark who attended.
    page.get_by_role("link", name="Registrations and attendance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrations for Hydrogen teachers' meet-up")
    for name, email in (("Ada Attendee", "ada@example.org"), ("Bo Absent", "bo@example.org"),
                        ("Cy Waiting", "cy@example.org")):  # fmt: skip
        page.get_by_label("Full name").fill(name)
        page.get_by_label("E-mail address").fill(email)
        page.get_by_role("button", name="Register", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("The person is registered")
        expect(page.locator("table.registrations tbody tr", has_text=email)).to_have_count(1)
    expect(
        page.get_by_text(re.compile(r"2 with a place of 2 · 0 attended · 1 on the waitlist"))
    ).to_be_visible()
    expect(page.get_by_label("Cy Waiting", exact=True)).to_have_count(0)  # no place, nothing to tick
    page.get_by_role("button", name="Cancel the registration of Bo Absent").click()
    expect(page.get_by_role("status")).to_contain_text("the first on the waitlist has the place")
    expect(page.get_by_label("Bo Absent", exact=True)).to_have_count(0)
    page.get_by_label("Ada Attendee", exact=True).check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status")).to_have_text("Attendance saved: 1 marked as attended.")
    expect(page.get_by_label("Ada Attendee", exact=True)).to_be_checked()
    expect(page.get_by_label("Cy Waiting", exact=True)).not_to_be_checked()
    page.screenshot(path=tmp_path / "attendance.png", full_page=True)
    assert page.evaluate("window.walkthroughMark === true"), "a link or form was followed by a full page load"

    # The database holds every change.
    db.expire_all()
    user = db.scalar(select(User).where(User.email == INVITED))
    assert user is not None and user.full_name == "Greta Group" and user.organisation is not None
    assert user.organisation.slug == "educam"
    grants = db.execute(
        select(RoleGrant.role, Group.slug)
        .outerjoin(Group, Group.id == RoleGrant.group_id)
        .where(RoleGrant.user_id == user.id)
    ).all()
    assert sorted(grants) == [(Role.GROUP_LEAD, "hydrogen-vet-forum"), (Role.WORKER, None)]
    invitation = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == INVITED))
    assert invitation is not None and invitation.template == "invitation"
    assert f"{live_server}/password/reset?token=" in invitation.body
    educam = db.scalar(select(Organisation).where(Organisation.slug == "educam"))
    assert educam is not None and (educam.website, educam.nuts_region) == ("https://www.educam.be", "BE10")
    item = db.scalar(
        select(WorkPlanItem).where(WorkPlanItem.objective == "Hydrogen safety module for IVET teachers")
    )
    assert item is not None and item.group.slug == "hydrogen-vet-forum" and item.owner is not None
    assert (item.owner.slug, item.due_date.isoformat() if item.due_date else None, item.status.value) == (
        "kit", "2026-09-30", "in_progress",
    )  # fmt: skip
    event = db.scalar(select(Event).where(Event.slug == slug))
    assert event is not None and event.group is not None and event.group.slug == "hydrogen-vet-forum"
    assert (event.capacity, event.mode.value, [o.slug for o in event.organisers]) == (2, "online", ["aco"])
    statuses = dict(
        db.execute(
            select(Person.email, Registration.status).join(Person).where(Registration.event_id == event.id)
        ).all()
    )
    assert statuses == {
        "ada@example.org": RegistrationStatus.ATTENDED,
        "bo@example.org": RegistrationStatus.CANCELLED,
        "cy@example.org": RegistrationStatus.REGISTERED,
    }
    promoted = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "cy@example.org"))
    assert promoted is not None and promoted.template == "waitlist_promoted"
