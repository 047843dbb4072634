"""A trainer keeps their provider's courses in the browser: a new course with the skill picker, a bad value
shown beside its field, then an import whose checked preview shows a bad row and saves nothing, fixed and
imported. The database is checked at the end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance.models import Organisation
from skillatlas.db import unit_of_work
from skillatlas.learning.models import Course, CoursePrerequisite, CourseSkill
from skillatlas.taxonomy.models import Skill

pytestmark = pytest.mark.browser

PASSWORD = "asa-demo-2026"  # the demo's documented password
TRAINER = "trainer@asa-demo.eu"  # Tara Trainer, a trainer of Vamia (a training provider)
PROVIDER = "vamia"
PICKED = "battery management systems"

BAD_CSV = (
    "code,title,hours,price_eur,language,mode,skills,prerequisites\n"
    "VAM-BAT-1,Battery chemistry for technicians,8,150,en,online,battery chemistry|practitioner,\n"
    "VAM-BAT-2,Battery repair workshop,16,-400,en,on_site,battery management systems|expert,VAM-BAT-1\n"
)
GOOD_CSV = BAD_CSV.replace(",-400,", ",400,")


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> None:
    """The demo alliance on the bundled ESCO: the picker finds real skills as one types."""
    from skillatlas.demo.loader import load_demo

    with unit_of_work(sessions) as db:
        load_demo(db=db, taxonomy=True)


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def open_menu(page: Page, group: str, label: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("details.menu-group > summary", has_text=group).click()
    nav.get_by_role("link", name=label, exact=True).click()


def _provider_courses(db: Session) -> dict[str, Course]:
    db.expire_all()
    provider = db.scalar(select(Organisation.id).where(Organisation.slug == PROVIDER))
    return {c.code: c for c in db.scalars(select(Course).where(Course.provider_id == provider))}


def test_a_trainer_adds_a_course_and_imports_more(
    live_server: str, page: Page, db: Session, tmp_path: Path
) -> None:
    page.context.clear_cookies()
    log_in(page, live_server, TRAINER)
    before = _provider_courses(db)

    # My courses, from the menu: Vamia's, with a button to add one.
    open_menu(page, "My work", "My courses")
    expect(page).to_have_url(f"{live_server}/my/courses")
    expect(page.get_by_role("heading", name="Vamia")).to_be_visible()
    page.get_by_role("link", name="Add a course").click()
    expect(page).to_have_url(f"{live_server}/my/courses/new?provider={PROVIDER}")

    # The course, its skill picked from the taxonomy by typing a few letters.
    page.get_by_label("Title").fill("Battery management in practice")
    page.get_by_label("Code").fill("VAM-BMS")
    page.get_by_label("Description").fill(
        "Hands-on work with the battery management systems of electric cars."
    )
    page.get_by_label("Add a skill").fill("battery")
    option = page.locator(f"#f-skills-options li[role=option][data-label='{PICKED}']")
    expect(option).to_be_visible()
    option.click()
    picked = page.locator("#f-skills ul.picked li")
    expect(picked).to_have_count(1)
    expect(picked).to_contain_text(PICKED)
    page.get_by_label(f"Level reached for {PICKED}").select_option("expert")
    page.get_by_label("Hours of study").fill("24")
    page.get_by_label("Price in euros").fill("750")
    page.get_by_label("Starts on (optional)").fill("2026-10-01")
    page.get_by_label("Ends on (optional)").fill("2026-09-01")  # a slip of the finger: before the start
    page.get_by_label("Mode").select_option("blended")
    page.get_by_label("Country (on site or blended)").fill("SE")
    page.get_by_label("Place").fill("Uppsala")
    page.get_by_role("button", name="Add the course").click()

    # Refused: the message beside the end date, the rest as typed and picked; nothing saved.
    expect(page.locator("#f-ends_on-error")).to_have_text("the course ends before it starts")
    expect(page.get_by_label("Title")).to_have_value("Battery management in practice")
    expect(page.locator("#f-skills ul.picked li")).to_contain_text(PICKED)
    expect(page.get_by_label(f"Level reached for {PICKED}")).to_have_value("expert")
    assert "VAM-BMS" not in _provider_courses(db)
    page.get_by_label("Ends on (optional)").fill("2026-10-31")
    page.get_by_role("button", name="Add the course").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/courses/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Battery management in practice")
    expect(page.get_by_text("€750")).to_be_visible()
    expect(page.get_by_role("cell", name=PICKED, exact=True)).to_be_visible()
    page.screenshot(path=tmp_path / "course.png", full_page=True)

    # An import with one bad row: the check lists it, and nothing is saved.
    open_menu(page, "My work", "My courses")
    page.get_by_role("link", name="Import courses from a file").click()
    expect(page).to_have_url(f"{live_server}/my/courses/import?provider={PROVIDER}")
    upload = page.get_by_label("CSV or Excel file (.csv, .xlsx)")
    upload.set_input_files(files=[{"name": "vamia.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}])
    page.get_by_role("button", name="Check the file (saves nothing)").click()
    expect(page.locator("#import-problems")).to_contain_text("Nothing was saved. 1 row has problems")
    bad_row = page.locator("#import-rows tbody tr.has-error")
    expect(bad_row).to_have_count(1)
    expect(bad_row).to_contain_text("VAM-BAT-2")
    expect(bad_row).to_contain_text("price_eur: Enter a number at least 0.")
    expect(page.locator("#import-rows tbody tr").first).to_contain_text("fine")
    expect(page.get_by_role("button", name=re.compile(r"^Import \d"))).to_have_count(0)
    page.screenshot(path=tmp_path / "import-check.png", full_page=True)
    assert set(_provider_courses(db)) == set(before) | {"VAM-BMS"}

    # The row fixed: every row fine, still nothing saved until "Import".
    page.get_by_label("CSV or Excel file (.csv, .xlsx)").set_input_files(
        files=[{"name": "vamia.csv", "mimeType": "text/csv", "buffer": GOOD_CSV.encode()}]
    )
    page.get_by_role("button", name="Check the file (saves nothing)").click()
    expect(page.locator("#import-ok")).to_contain_text("Every row is fine: 2 new courses and 0 to update")
    assert set(_provider_courses(db)) == set(before) | {"VAM-BMS"}
    page.get_by_role("button", name="Import 2 courses").click()
    expect(page).to_have_url(f"{live_server}/my/courses?provider={PROVIDER}&imported=2-0")
    expect(page.get_by_role("status")).to_contain_text("Imported: 2 new courses and 0 updated")
    expect(page.get_by_role("link", name="Battery repair workshop")).to_be_visible()

    # The database: the course with its picked skill and level, the imported ones with theirs.
    courses = _provider_courses(db)
    assert set(courses) == set(before) | {"VAM-BMS", "VAM-BAT-1", "VAM-BAT-2"}
    made = courses["VAM-BMS"]
    assert (made.title, made.price_eur, made.hours, made.mode.value, made.country, made.city) == (
        "Battery management in practice", 750, 24, "blended", "SE", "Uppsala"
    )  # fmt: skip
    assert (str(made.starts_on), str(made.ends_on)) == ("2026-10-01", "2026-10-31")
    skills = dict(
        db.execute(
            select(Skill.preferred_label, CourseSkill.level)
            .join(Skill, Skill.id == CourseSkill.skill_id)
            .where(CourseSkill.course_id == made.id)
        ).all()
    )
    assert {k: str(getattr(v, "value", v)) for k, v in skills.items()} == {PICKED: "expert"}
    workshop = courses["VAM-BAT-2"]
    assert workshop.price_eur == 400
    requires = db.scalars(
        select(CoursePrerequisite.requires_id).where(CoursePrerequisite.course_id == workshop.id)
    )
    assert list(requires) == [courses["VAM-BAT-1"].id]
    assert (
        db.scalar(select(func.count()).select_from(CourseSkill).where(CourseSkill.course_id == workshop.id))
        == 1
    )
