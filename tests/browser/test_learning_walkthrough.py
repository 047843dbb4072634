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
COURSES = {"EV-HV-1": "450.0", "EV-HV-2": "1200.0", "EV-DIAG": "600.0"}  # code: cost in euros


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
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roles").click()
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
    # The cheapest courses that close the gap, EV-HV-1 only as EV-HV-2's prerequisite, and what they cost.
    rows = courses.locator("tbody tr")
    expect(rows).to_have_count(len(COURSES))
    for row, (code, cost) in zip(rows.all(), COURSES.items(), strict=True):
        expect(row.locator("td").nth(0)).to_contain_text(code)
        expect(row.locator("td").nth(1)).to_have_text(cost)
    expect(
        page.get_by_text(re.compile(r"Total price: 2250(\.0)? \(€2250(\.0)?, 72(\.0)? hours\)"))
    ).to_be_visible()
    page.screenshot(path=tmp_path / "path.png", full_page=True)

    # The worker proposes a plan with these courses to their employer.
    page.get_by_label("My goals").fill("Service traction batteries on my own")
    page.get_by_role("button", name="Propose a development plan with these courses to my employer").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/plans/\d+$"))
    plan_url = page.url
    expect(page.locator(".tag")).to_have_text("proposed")
    expect(page.get_by_text("Service traction batteries on my own")).to_be_visible()
    expect(page.locator("main table tbody tr")).to_have_count(len(COURSES))
    expect(page.get_by_text("Worker: not yet agreed")).to_be_visible()

    # EDUCAM's manager, at their own computer, opens the plan and agrees as the employer.
    boss = other_context.new_page()
    log_in(boss, live_server, MANAGER)
    boss.goto(plan_url)
    expect(boss.get_by_text("Service traction batteries on my own")).to_be_visible()
    boss.get_by_role("button", name="Agree to this plan as the employer").click()
    expect(boss.get_by_text(re.compile(r"Employer \(educam\): agreed by Marc Manager on "))).to_be_visible()
    expect(boss.get_by_text(re.compile(r"Worker: not yet agreed"))).to_be_visible()
    expect(boss.locator(".tag")).to_have_text("proposed")
    expect(boss.get_by_role("button", name=re.compile("Agree to this plan"))).to_have_count(0)

    # The worker sees the employer's agreement and agrees too: the plan is agreed by both.
    assert page.evaluate("window.walkthroughMark === true"), "a link or form was followed by a full page load"
    page.reload()
    expect(page.get_by_text(re.compile(r"Employer \(educam\): agreed by Marc Manager on "))).to_be_visible()
    page.get_by_role("button", name="Agree to this plan", exact=True).click()
    expect(page.get_by_text("Agreed by both")).to_be_visible()
    expect(page.locator(".tag")).to_have_text("agreed")
    expect(page.get_by_role("button", name=re.compile("Agree to this plan"))).to_have_count(0)
    page.screenshot(path=tmp_path / "agreed.png", full_page=True)

    # The database holds the agreed plan, with who agreed on each side and when; the pages show the same.
    plan = db.get(DevelopmentPlan, int(plan_url.rsplit("/", 1)[1]))
    assert plan is not None and plan.state == PlanState.AGREED
    users = dict(db.execute(select(func.lower(User.email), User.id)).all())
    assert (plan.worker_agreed_by, plan.employer_agreed_by) == (users[WORKER], users[MANAGER])
    assert plan.worker_agreed_at and plan.employer_agreed_at
    assert plan.employer_agreed_at <= plan.worker_agreed_at
    assert plan.goals == "Service traction batteries on my own"
    codes = db.scalars(select(Course.code).where(Course.id.in_([pc.course_id for pc in plan.courses])))
    assert sorted(codes) == sorted(COURSES)
    for side, name, at in (
        ("Worker", "Wim Worker", plan.worker_agreed_at),
        ("Employer (educam)", "Marc Manager", plan.employer_agreed_at),
    ):
        expect(page.get_by_text(f"{side}: agreed by {name} on {at:%d %b %Y %H:%M} UTC")).to_be_visible()
    boss.reload()
    expect(boss.get_by_text("Agreed by both")).to_be_visible()
    # One plan of this worker towards this role (the demo holds plans of other workers and roles).
    mine = [DevelopmentPlan.person_id == plan.person_id, DevelopmentPlan.role_version_id == plan.role_version_id]  # fmt: skip
    assert db.scalar(select(func.count()).select_from(DevelopmentPlan).where(*mine)) == 1
