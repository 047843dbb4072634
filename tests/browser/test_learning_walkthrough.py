"""A worker's way from a job role to a development plan that their employer and they have both agreed to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import User
from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.learning.models import Course, DevelopmentPlan, PlanState
from skillatlas.people import service as people_service
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.roles.models import JobRole, JobRoleVersion
from skillatlas.taxonomy.models import Skill
from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

PASSWORD = "asa-demo-2026"  # the demo's documented password
WORKER = "worker@asa-demo.eu"  # Wim Worker, employed by EDUCAM
MANAGER = "manager@educam.example"  # Marc Manager, EDUCAM's organisation manager
ROLE = "battery-technician"
# The worker's record before training: one skill at the role's level, one below it, the rest missing.
HAVE = {"battery chemistry": "practitioner", "battery components": "practitioner"}
GAP = {
    "battery components": "partly",
    "battery chemistry": "have",
    "battery management systems": "missing",
    "repair battery components": "missing",
    "operate battery test equipment": "missing",
    "vehicle electrical systems": "missing",
    "automotive diagnostic equipment": "missing",
}
COURSES = {"EV-HV-1": "€450", "EV-HV-2": "€1,200", "EV-DIAG": "€600"}  # code: cost, as the page shows it


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> None:
    """The demo alliance on the bundled ESCO (its job roles and courses are built from ESCO skills), and a
    worker who already has some of the battery technician's skills."""
    from skillatlas.demo.loader import load_demo

    with unit_of_work(sessions) as db:
        load_demo(db=db, taxonomy=True)
        person_id = db.scalar(select(User.person_id).where(func.lower(User.email) == WORKER))
        skills = [
            PersonSkillIn(uri=db.scalar(select(Skill.uri).where(Skill.preferred_label == label)), level=level)
            for label, level in HAVE.items()
        ]
        people_service.set_skills(db=db, actor=SYSTEM, person_id=person_id, skills=skills)


@pytest.fixture
def other_context(browser_context: BrowserContext) -> Iterator[BrowserContext]:
    """A second, separate browser context (its own cookies): another person at another computer."""
    assert browser_context.browser is not None
    context = browser_context.browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


def open_menu(page: Page, group: str, label: str) -> None:
    """Opens a group of the main menu ("Skills", "My work"...) and follows one of its links."""
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("details.menu-group > summary", has_text=group).click()
    nav.get_by_role("link", name=label, exact=True).click()


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()  # the login has gone through


def test_from_a_role_to_a_plan_agreed_by_both(
    live_server: str, page: Page, other_context: BrowserContext, db: Session, tmp_path: Path
) -> None:
    page.context.clear_cookies()  # the shared context may still hold an earlier test's login
    log_in(page, live_server, WORKER)
    page.evaluate("window.walkthroughMark = true")  # survives only if no click loads a whole new page

    # From the published demo role to my gap and path.
    open_menu(page, "Skills", "Job roles")
    expect(page).to_have_url(f"{live_server}/roles")
    page.get_by_role("link", name="Battery technician (electric vehicles)").click()
    expect(page).to_have_url(f"{live_server}/roles/{ROLE}")
    expect(page.get_by_text("published", exact=True)).to_be_visible()
    page.get_by_role("link", name="My gap and path for this role").click()
    expect(page).to_have_url(f"{live_server}/my/path?role={ROLE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("My gap and training path")

    gap, courses = page.locator("table").nth(0), page.locator("table").nth(1)
    expect(gap.locator("tbody tr")).to_have_count(len(GAP))
    for label, status in GAP.items():
        expect(gap.locator("tbody tr", has=page.get_by_role("cell", name=label, exact=True))).to_contain_text(
            status
        )
    # The cheapest courses that close the gap, EV-HV-1 only as EV-HV-2's prerequisite, and what they cost:
    # in euros as people write them, and in plain words (no solver's vocabulary).
    rows = courses.locator("tbody tr")
    expect(rows).to_have_count(len(COURSES))
    for row, (code, cost) in zip(rows.all(), COURSES.items(), strict=True):
        expect(row.locator("td").nth(0)).to_contain_text(code)
        expect(row.locator("td").nth(1)).to_have_text(cost)
    expect(page.locator(".path-total")).to_contain_text("In all: €2,250 and 72 hours of study.")
    expect(page.locator(".path-total")).to_contain_text("the cheapest set of courses that closes your gaps")
    expect(page.locator("main")).not_to_contain_text("highs")
    expect(page.locator("main")).not_to_contain_text("optimality")
    page.screenshot(path=tmp_path / "path.png", full_page=True)

    # The worker proposes a plan with these courses to their employer: proposing is their agreement.
    page.get_by_label("My goals").fill("Service traction batteries on my own")
    page.get_by_role("button", name="Propose a development plan with these courses to my employer").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/plans/\d+$"))
    plan_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Development plan towards Battery technician (electric vehicles)"
    )
    expect(page.locator(".tag")).to_have_text("proposed")
    expect(page.get_by_text("Service traction batteries on my own")).to_be_visible()
    expect(page.locator("#plan-courses tbody tr")).to_have_count(len(COURSES))
    expect(page.get_by_text(re.compile(r"Worker: agreed by Wim Worker on "))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Employer \(EDUCAM\): not yet agreed"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Agree to this plan"))).to_have_count(0)

    # EDUCAM's manager, at their own computer, opens the plan and agrees as the employer: agreed by both.
    boss = other_context.new_page()
    log_in(boss, live_server, MANAGER)
    boss.goto(plan_url)
    expect(boss.get_by_text("Service traction batteries on my own")).to_be_visible()
    boss.get_by_role("button", name="Agree to this plan as the employer").click()
    expect(boss.get_by_text("Agreed by both")).to_be_visible()
    expect(boss.locator(".tag")).to_have_text("agreed")
    # Then sets a due date for the first course: a change, so the plan goes back to the worker.
    boss.get_by_label("Due date of Demo: High-voltage battery basics").fill("2026-07-15")
    boss.get_by_role("button", name="Save the due dates").click()
    expect(boss.locator(".tag")).to_have_text("proposed")
    expect(boss.get_by_text(re.compile(r"Employer \(EDUCAM\): agreed by Marc Manager on "))).to_be_visible()
    expect(boss.get_by_text(re.compile(r"Worker: not yet agreed"))).to_be_visible()

    # The worker sees the change and agrees to the plan as it now stands.
    assert page.evaluate("window.walkthroughMark === true"), "a link or form was followed by a full page load"
    page.reload()
    expect(page.locator("#plan-courses tbody tr", has_text="EV-HV-1")).to_contain_text("2026-07-15")
    page.get_by_role("button", name="Agree to this plan", exact=True).click()
    expect(page.get_by_text("Agreed by both")).to_be_visible()
    expect(page.locator(".tag")).to_have_text("agreed")
    expect(page.get_by_role("button", name=re.compile("Agree to this plan"))).to_have_count(0)
    page.screenshot(path=tmp_path / "agreed.png", full_page=True)

    # My plans (from the menu) lists it, agreed, waiting to be started.
    open_menu(page, "My work", "My plans")
    expect(page).to_have_url(f"{live_server}/my/plans")
    mine = page.locator(
        "table tbody tr", has=page.get_by_role("link", name="Battery technician (electric vehicles)")
    )
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("agreed")
    expect(mine).to_contain_text("to be started")
    mine.get_by_role("link").click()
    expect(page).to_have_url(plan_url)

    # The database holds the agreed plan, with who agreed on each side and when; the pages show the same.
    plan = db.get(DevelopmentPlan, int(plan_url.rsplit("/", 1)[1]))
    assert plan is not None and plan.state == PlanState.AGREED
    users = dict(db.execute(select(func.lower(User.email), User.id)).all())
    assert (plan.worker_agreed_by, plan.employer_agreed_by) == (users[WORKER], users[MANAGER])
    assert plan.worker_agreed_at and plan.employer_agreed_at
    assert plan.employer_agreed_at <= plan.worker_agreed_at
    assert plan.goals == "Service traction batteries on my own"
    by_code = {db.get(Course, pc.course_id).code: pc for pc in plan.courses}  # type: ignore[union-attr]
    assert sorted(by_code) == sorted(COURSES)
    assert str(by_code["EV-HV-1"].due_on) == "2026-07-15" and by_code["EV-HV-2"].due_on is None
    for side, name, at in (
        ("Worker", "Wim Worker", plan.worker_agreed_at),
        ("Employer (EDUCAM)", "Marc Manager", plan.employer_agreed_at),
    ):
        expect(page.get_by_text(f"{side}: agreed by {name} on {at:%d %b %Y %H:%M} UTC")).to_be_visible()
    boss.reload()
    expect(boss.get_by_text("Agreed by both")).to_be_visible()
    # One plan of this worker towards this role (the living demo has plans of its own for others).
    towards = (
        select(func.count())
        .select_from(DevelopmentPlan)
        .join(JobRoleVersion, JobRoleVersion.id == DevelopmentPlan.role_version_id)
        .join(JobRole, JobRole.id == JobRoleVersion.role_id)
        .where(DevelopmentPlan.person_id == plan.person_id, JobRole.slug == ROLE)
    )
    assert db.scalar(towards) == 1
