"""Trainers and training providers' managers keep their courses in the browser, the API and the CLI.

A trainer of a training provider (role trainer, organisation = the provider) may manage its courses; the course
form with the skill picker; bad input beside each field with nothing saved; the import's checked preview listing
every row's problems before anything is saved; learners' results; the menu and the home.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import app as cli
from skillatlas.db import unit_of_work
from skillatlas.learning import plans
from skillatlas.learning.models import Course, CoursePrerequisite, CourseSkill, Outcome, PlanCourse
from skillatlas.learning.schemas import PlanIn
from skillatlas.people.models import PersonSkill, SkillSource
from skillatlas.taxonomy.models import Skill
from tests.conftest import create_user, csrf_token, login
from tests.learning.conftest import BMS, DESIGN, FLUIDS, PROVIDER, ROLE, Catalogue

runner = CliRunner()
OTHER_PROVIDER = "vamia"


@pytest.fixture
def trainer(client: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]) -> TestClient:
    """A trainer of the catalogue's provider (EDUCAM)."""
    create_user(sessions, "tutor@test.example", {"role": "trainer"}, organisation=PROVIDER)
    return login(client, "tutor@test.example")


def _courses(sessions: sessionmaker[Session]) -> dict[str, Course]:
    with unit_of_work(sessions) as db:
        found = {c.code: c for c in db.scalars(select(Course))}
        for course in found.values():
            _ = course.skills, course.prerequisites
            db.expunge(course)
        return found


def _running_plan(sessions: sessionmaker[Session], catalogue: Catalogue, *codes: str) -> int:
    with unit_of_work(sessions) as db:
        plan = plans.create_plan(db=db, actor=SYSTEM, data=PlanIn(
            person_id=catalogue.worker_person, role=ROLE, courses=[catalogue.course_ids[c] for c in codes]))  # fmt: skip
        plans.propose(db=db, actor=SYSTEM, plan_id=plan.id)
        plans.agree(db=db, actor=SYSTEM, plan_id=plan.id, side="worker")
        plans.agree(db=db, actor=SYSTEM, plan_id=plan.id, side="employer")
        plans.start(db=db, actor=SYSTEM, plan_id=plan.id)
        return plan.id


def test_a_trainer_manages_the_courses_of_their_provider_only(
    client: TestClient, trainer: TestClient, sessions: sessionmaker[Session]
) -> None:
    made = trainer.post(
        f"/api/organisations/{PROVIDER}/courses", json={"code": "TR-1", "title": "By a trainer"}
    )
    assert made.status_code == 201, made.text
    changed = trainer.put(
        f"/api/courses/{made.json()['id']}", json={"code": "TR-1", "title": "Renamed", "hours": 3}
    )
    assert changed.status_code == 200 and changed.json()["title"] == "Renamed"
    assert trainer.post(f"/api/organisations/{OTHER_PROVIDER}/courses", json={"code": "TR-2", "title": "Not mine"}
                        ).status_code == 403  # fmt: skip
    # A trainer of no organisation, and a worker of the provider, may not.
    create_user(sessions, "loose.trainer@test.example", {"role": "trainer"})
    loose = login(TestClient(client.app, raise_server_exceptions=False), "loose.trainer@test.example")
    assert (
        loose.post(
            f"/api/organisations/{PROVIDER}/courses", json={"code": "TR-3", "title": "Course X"}
        ).status_code
        == 403
    )
    create_user(sessions, "staff@test.example", {"role": "worker"}, organisation=PROVIDER)
    staff = login(TestClient(client.app, raise_server_exceptions=False), "staff@test.example")
    assert (
        staff.post(
            f"/api/organisations/{PROVIDER}/courses", json={"code": "TR-4", "title": "Course X"}
        ).status_code
        == 403
    )
    assert set(_courses(sessions)) == {"BAT-101", "BAT-201", "BAT-301", "BAT-ALL", "SW-101", "TR-1"}
    # The menu shows "My courses" to the trainer, not to the worker.
    assert 'href="/my/courses"' in trainer.get("/home").text
    assert 'href="/my/courses"' not in staff.get("/home").text


def test_my_courses_lists_the_providers_courses(trainer: TestClient, catalogue: Catalogue) -> None:
    page = trainer.get("/my/courses")
    assert page.status_code == 200 and "EDUCAM" in page.text
    for code, course_id in catalogue.course_ids.items():
        assert code in page.text and f'href="/courses/{course_id}/edit"' in page.text
    assert f'href="/my/courses/new?provider={PROVIDER}"' in page.text
    assert f'href="/my/courses/import?provider={PROVIDER}"' in page.text
    assert "€900" in page.text  # BAT-201's price, formatted


def test_the_course_form_shows_every_error_beside_its_field_and_saves_nothing(
    trainer: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    form = trainer.get("/my/courses/new", params={"provider": PROVIDER})
    assert (
        form.status_code == 200
        and 'class="skill-picker' in form.text
        and 'data-suggest-from="f-description"' in form.text
    )
    assert 'name="prerequisites" value="BAT-101"' in form.text  # chosen from a list, never typed
    bad = trainer.post("/my/courses/new", data={
        "provider": PROVIDER, "title": "", "code": "has spaces", "hours": "-1", "language": "english",
        "starts_on": "2026-09-10", "ends_on": "2026-09-01", "price_eur": "cheap", "eqf_level": "9",
        "skills.uri": [BMS], "skills.level": ["expert"], "csrf_token": csrf_token(trainer)})  # fmt: skip
    assert bad.status_code == 422
    for field in ("title", "code", "hours", "language", "price_eur", "eqf_level"):
        assert f'id="f-{field}-error"' in bad.text, field
    assert "Enter a number at least 0" in bad.text and "This is required" in bad.text
    # What was typed and picked is kept.
    assert (
        'value="has spaces"' in bad.text
        and f'value="{BMS}"' in bad.text
        and "battery management systems" in bad.text
    )
    late = trainer.post("/my/courses/new", data={"provider": PROVIDER, "title": "Late", "code": "LATE-1",
                                                 "starts_on": "2026-09-10", "ends_on": "2026-09-01",
                                                 "csrf_token": csrf_token(trainer)})  # fmt: skip
    assert (
        late.status_code == 422
        and 'id="f-ends_on-error"' in late.text
        and "ends before it starts" in late.text
    )
    taken = trainer.post("/my/courses/new", data={"provider": PROVIDER, "title": "Again", "code": "BAT-101",
                                                  "csrf_token": csrf_token(trainer)})  # fmt: skip
    assert taken.status_code == 409 and 'id="f-code-error"' in taken.text and "already" in taken.text
    courses = _courses(sessions)
    assert len(courses) == 5 and courses["BAT-101"].title == "Battery basics"  # nothing saved or overwritten


def test_a_trainer_adds_and_edits_a_course_with_skills_and_prerequisites(
    trainer: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    made = trainer.post("/my/courses/new", data={
        "provider": PROVIDER, "title": "Battery systems in depth", "code": "BAT-401",
        "description": "Battery management systems for technicians.", "hours": "16", "ects": "1.5",
        "eqf_level": "5", "language": "DE", "mode": "blended", "country": "de", "city": "Köln",
        "starts_on": "2026-09-01", "ends_on": "2026-09-30", "price_eur": "750", "award": "certificate",
        "learning_outcomes": "Read a BMS log\nReplace a module", "prerequisites": ["BAT-101"],
        "skills.uri": [BMS, FLUIDS], "skills.level": ["expert", ""], "csrf_token": csrf_token(trainer)},
        follow_redirects=False)  # fmt: skip
    assert made.status_code == 303, made.text
    course = _courses(sessions)["BAT-401"]
    assert made.headers["location"] == f"/courses/{course.id}"
    assert (course.language, course.country, course.city, course.eqf_level, course.ects) == (
        "de",
        "DE",
        "Köln",
        5,
        1.5,
    )
    assert course.learning_outcomes == ["Read a BMS log", "Replace a module"] and course.price_eur == 750
    with unit_of_work(sessions) as db:
        levels = dict(db.execute(select(Skill.uri, CourseSkill.level).join(Skill, Skill.id == CourseSkill.skill_id)
                                 .where(CourseSkill.course_id == course.id)).all())  # fmt: skip
        requires = db.scalars(
            select(CoursePrerequisite.requires_id).where(CoursePrerequisite.course_id == course.id)
        )
        assert list(requires) == [catalogue.course_ids["BAT-101"]]
        # A suggestion waiting for confirmation, to see that editing keeps it.
        design = db.scalar(select(Skill.id).where(Skill.uri == DESIGN))
        db.add(CourseSkill(course_id=course.id, skill_id=design, level="awareness", confirmed=False))
    assert {k: str(getattr(v, "value", v)) for k, v in levels.items()} == {
        BMS: "expert",
        FLUIDS: "practitioner",
    }
    # The edit form starts from the course as it is.
    form = trainer.get(f"/courses/{course.id}/edit").text
    assert (
        'value="Battery systems in depth"' in form and f'value="{BMS}"' in form and "Replace a module" in form
    )
    assert re.search(r'value="BAT-101"\s+checked', form)
    clash = trainer.post(
        f"/courses/{course.id}/edit",
        data={"title": "Another title", "code": "BAT-201", "csrf_token": csrf_token(trainer)},
    )
    assert clash.status_code == 409 and 'id="f-code-error"' in clash.text
    saved = trainer.post(f"/courses/{course.id}/edit", data={
        "title": "Battery systems, in depth", "code": "BAT-402", "price_eur": "800", "language": "en", "mode": "online",
        "skills.uri": [BMS], "skills.level": ["practitioner"], "csrf_token": csrf_token(trainer)},
        follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303
    edited = _courses(sessions)["BAT-402"]
    assert edited.id == course.id and edited.title == "Battery systems, in depth" and edited.price_eur == 800
    assert edited.prerequisites == []
    assert sorted((s.confirmed, str(getattr(s.level, "value", s.level))) for s in edited.skills) == [
        (False, "awareness"), (True, "practitioner")
    ]  # fmt: skip
    page = trainer.get(f"/courses/{course.id}").text
    assert "€800" in page and "Edit the course" in page and "suggested, not yet confirmed" in page


GOOD_CSV = (
    "code,title,hours,price_eur,language,mode,skills,prerequisites\n"
    "IMP-1,Imported basics,8,120,en,online,battery fluids|awareness,\n"
    "IMP-2,Imported systems,24,600,en,blended,battery management systems|practitioner,IMP-1\n"
    "BAT-101,Battery basics (2027),8,110,en,online,battery fluids|practitioner,\n"
)
BAD_CSV = (
    "code,title,hours,price_eur,language,mode,skills,prerequisites\n"
    "IMP-1,Imported basics,8,120,en,online,battery fluids|awareness,\n"
    "IMP-2,Imported systems,24,-600,en,by pigeon,battery telepathy|practitioner,IMP-9\n"
    "IMP-1,Twice,8,1,en,online,,\n"
)


def _check(client: TestClient, content: str, name: str = "courses.csv", **extra: str):
    return client.post("/my/courses/import", data={"provider": PROVIDER, "step": "check", "csrf_token": csrf_token(client), **extra},
                       files={"file": (name, content.encode(), "text/csv")})  # fmt: skip


def test_the_import_checks_every_row_before_anything_is_saved(
    trainer: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    assert "Check the file" in trainer.get("/my/courses/import", params={"provider": PROVIDER}).text
    bad = _check(trainer, BAD_CSV)
    assert bad.status_code == 422 and "Nothing was saved" in bad.text
    rows = re.findall(r"<tr class=\"has-error\"><td>(\d+)</td>", bad.text)
    assert rows == ["3", "4"]  # line 2 is fine
    for problem in ("price_eur: Enter a number at least 0", "mode: Choose one of: online, on site, blended",
                    "no skill in the taxonomy is called &#39;battery telepathy&#39;",
                    "IMP-9 is neither in the file nor a course of EDUCAM", "the code IMP-1 is also on line 2"):  # fmt: skip
        assert problem in bad.text, problem
    assert 'name="step" value="import"' not in bad.text  # no import button for a file with problems
    assert len(_courses(sessions)) == 5
    # The fixed file: every row fine, still nothing saved until "Import".
    good = _check(trainer, GOOD_CSV)
    assert (
        good.status_code == 200
        and 'id="import-ok"' in good.text
        and "2 new courses and 1 to update" in good.text
    )
    assert len(_courses(sessions)) == 5
    content = re.search(r'name="content" value="([^"]+)"', good.text).group(1)  # type: ignore[union-attr]
    done = trainer.post("/my/courses/import", data={"provider": PROVIDER, "step": "import", "filename": "courses.csv",
                                                    "content": content, "csrf_token": csrf_token(trainer)},
                        follow_redirects=False)  # fmt: skip
    assert (
        done.status_code == 303
        and done.headers["location"] == f"/my/courses?provider={PROVIDER}&imported=2-1"
    )
    assert "Imported: 2 new courses and 1 updated" in trainer.get(done.headers["location"]).text
    courses = _courses(sessions)
    assert courses["IMP-2"].prerequisites[0].requires_id == courses["IMP-1"].id
    assert courses["BAT-101"].title == "Battery basics (2027)" and courses["BAT-101"].price_eur == 110


def test_the_import_is_checked_again_when_it_is_saved(
    trainer: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    import base64

    # A content that was changed after its check (or never checked) is checked again: nothing saved.
    content = base64.b64encode(BAD_CSV.encode()).decode()
    again = trainer.post("/my/courses/import", data={"provider": PROVIDER, "step": "import", "filename": "x.csv",
                                                     "content": content, "csrf_token": csrf_token(trainer)})  # fmt: skip
    assert again.status_code == 422 and "Nothing was saved" in again.text and len(_courses(sessions)) == 5
    none = trainer.post(
        "/my/courses/import", data={"provider": PROVIDER, "step": "check", "csrf_token": csrf_token(trainer)}
    )
    assert (
        none.status_code == 422
        and 'id="f-file-error"' in none.text
        and "choose a CSV or XLSX file" in none.text
    )
    wrong = _check(trainer, "just text", name="notes.txt")
    assert wrong.status_code == 422 and "must be a CSV" in wrong.text
    cyclic = _check(trainer, "code,title,prerequisites\nC-1,One,C-2\nC-2,Two,C-1\n")
    assert cyclic.status_code == 422 and "cycle" in cyclic.text and len(_courses(sessions)) == 5
    assert trainer.post("/my/courses/import", data={"provider": OTHER_PROVIDER, "step": "check",
                                                    "csrf_token": csrf_token(trainer)},
                        files={"file": ("c.csv", GOOD_CSV.encode(), "text/csv")}).status_code == 403  # fmt: skip


def test_the_api_import_names_every_problem(trainer: TestClient, catalogue: Catalogue) -> None:
    answer = trainer.post(f"/api/organisations/{PROVIDER}/courses/import", params={"dry_run": True},
                          files={"file": ("c.csv", BAD_CSV.encode(), "text/csv")})  # fmt: skip
    assert answer.status_code == 422
    fields = [e["field"] for e in answer.json()["errors"]]
    assert "row 3: price_eur" in fields and "row 4: code" in fields and "row 3: prerequisites" in fields


def test_learners_and_their_results(
    client: TestClient, trainer: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    plan_id = _running_plan(sessions, catalogue, "BAT-101", "BAT-201")
    basics = catalogue.course_ids["BAT-101"]
    page = trainer.get(f"/courses/{basics}/learners")
    assert page.status_code == 200 and "Learner" in page.text and 'name="plan_id"' in page.text
    bad = trainer.post(f"/courses/{basics}/learners", data={"plan_id": str(plan_id), "outcome": "great",
                                                            "csrf_token": csrf_token(trainer)})  # fmt: skip
    assert bad.status_code == 422 and "Choose one of: passed, failed" in bad.text
    done = trainer.post(f"/courses/{basics}/learners", data={"plan_id": str(plan_id), "outcome": "passed",
                                                             "certificate": "EDU-42", "csrf_token": csrf_token(trainer)},
                        follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == f"/courses/{basics}/learners"
    with unit_of_work(sessions) as db:
        item = db.scalar(
            select(PlanCourse).where(PlanCourse.plan_id == plan_id, PlanCourse.course_id == basics)
        )
        assert item is not None and (item.outcome, item.certificate) == (Outcome.PASSED, "EDU-42")
        fluids = db.scalar(select(PersonSkill).join(Skill, Skill.id == PersonSkill.skill_id)
                           .where(PersonSkill.person_id == catalogue.worker_person, Skill.uri == FLUIDS))  # fmt: skip
        assert fluids is not None and fluids.source == SkillSource.ASSESSED and "EDU-42" in fluids.evidence
    assert "certificate EDU-42" in trainer.get(f"/courses/{basics}/learners").text
    # The trainer is no party to the plan itself, and a trainer of another provider sees no learners.
    assert trainer.get(f"/plans/{plan_id}").status_code == 403
    create_user(sessions, "other.tutor@test.example", {"role": "trainer"}, organisation=OTHER_PROVIDER)
    other = login(TestClient(client.app, raise_server_exceptions=False), "other.tutor@test.example")
    assert other.get(f"/courses/{basics}/learners").status_code == 403
    assert (
        other.post(f"/api/courses/{basics}/learners/{plan_id}", json={"outcome": "failed"}).status_code == 403
    )
    # The API: the list and a result.
    design = catalogue.course_ids["BAT-201"]
    listed = trainer.get(f"/api/courses/{design}/learners").json()
    assert [(r["plan_id"], r["outcome"]) for r in listed] == [(plan_id, None)]
    row = trainer.post(f"/api/courses/{design}/learners/{plan_id}", json={"outcome": "passed"}).json()
    assert row["outcome"] == "passed" and row["plan_state"] == "completed"
    wrong = trainer.post(
        f"/api/courses/{catalogue.course_ids['BAT-301']}/learners/{plan_id}", json={"outcome": "passed"}
    )
    assert wrong.status_code == 404


def test_the_home_shows_what_waits_for_the_trainer(
    trainer: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    course = catalogue.course_ids["BAT-301"]
    with unit_of_work(sessions) as db:
        design = db.scalar(select(Skill.id).where(Skill.uri == DESIGN))
        db.add(CourseSkill(course_id=course, skill_id=design, level="practitioner", confirmed=False))
    _running_plan(sessions, catalogue, "SW-101")
    home = trainer.get("/home").text
    assert (
        "Confirm the suggested skills of “Battery management systems”" in home
        and f'href="/courses/{course}"' in home
    )
    assert "Record the results of “Software design primer”" in home
    assert f'href="/courses/{catalogue.course_ids["SW-101"]}/learners"' in home
    # Confirming on the course page clears the first.
    trainer.post(f"/courses/{course}/confirm", data={"keep": [DESIGN], "csrf_token": csrf_token(trainer)})
    assert "Confirm the suggested skills" not in trainer.get("/home").text


def test_courses_through_the_cli(
    cli_env: dict[str, str], catalogue: Catalogue, sessions: sessionmaker[Session], tmp_path
) -> None:  # fmt: skip
    spec = tmp_path / "course.json"
    spec.write_text(json.dumps({"code": "CLI-1", "title": "From the command line", "skills": [{"uri": BMS}]}))
    saved = runner.invoke(cli, ["learning", "course", "save", str(spec), "--provider", PROVIDER])
    assert saved.exit_code == 0, saved.output
    course_id = _courses(sessions)["CLI-1"].id
    spec.write_text(json.dumps({"code": "CLI-2", "title": "Renamed", "price_eur": 5}))
    assert runner.invoke(cli, ["learning", "course", "edit", str(course_id), str(spec)]).exit_code == 0
    assert _courses(sessions)["CLI-2"].price_eur == 5
    plan_id = _running_plan(sessions, catalogue, "BAT-101")
    basics = str(catalogue.course_ids["BAT-101"])
    learners = json.loads(runner.invoke(cli, ["learning", "course", "learners", basics, "--json"]).output)
    assert [r["plan_id"] for r in learners] == [plan_id]
    result = runner.invoke(
        cli, ["learning", "course", "result", basics, "--plan", str(plan_id), "--outcome", "passed"]
    )
    assert result.exit_code == 0 and "the plan is completed" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    refused = runner.invoke(cli, ["learning", "import", str(bad), "--provider", PROVIDER, "--dry-run"])
    assert refused.exit_code == 2 and "Nothing was saved" in refused.output
    assert "IMP-9 is neither in the file" in refused.output and "also on line 2" in refused.output
    with unit_of_work(sessions) as db:
        assert db.scalar(select(func.count()).select_from(Course)) == 6
