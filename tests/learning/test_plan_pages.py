"""Development plans in the browser: each bug users found, with the test that would have caught it.

Proposing is the proposer's agreement; one open plan per worker and role; my plans; due dates, milestones and
results on the plan page; a worker without an employer is told why; a GET behind every URL a form posts to;
the role's title, plain words and formatted money.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.auth.models import User
from skillatlas.cli import app as cli
from skillatlas.db import unit_of_work
from skillatlas.learning.models import DevelopmentPlan, Outcome, PlanCourse, PlanState
from skillatlas.people.models import PersonSkill, SkillSource
from skillatlas.taxonomy.models import Skill
from tests.conftest import create_user, csrf_token, login
from tests.learning.conftest import FLUIDS, PROVIDER, ROLE, Catalogue

runner = CliRunner()


@pytest.fixture
def boss(client: TestClient, sessions: sessionmaker[Session]) -> TestClient:
    """A manager of the worker's employer, logged in on a client of their own."""
    create_user(sessions, "boss@test.example", {"role": "organisation_manager", "organisation": PROVIDER},
                organisation=PROVIDER)  # fmt: skip
    return login(TestClient(client.app, raise_server_exceptions=False), "boss@test.example")


@pytest.fixture
def worker(client: TestClient, catalogue: Catalogue) -> TestClient:
    return login(client, catalogue.worker_email)


def _propose_from_my_path(
    worker: TestClient, catalogue: Catalogue, *codes: str, goals: str = "Pack design"
) -> int:
    ids = [str(catalogue.course_ids[c]) for c in codes]
    made = worker.post("/plans", data={"role": ROLE, "courses": ids, "goals": goals,
                                       "csrf_token": csrf_token(worker)}, follow_redirects=False)  # fmt: skip
    assert made.status_code == 303, made.text
    return int(made.headers["location"].rsplit("/", 1)[1])


def _plan(sessions: sessionmaker[Session], plan_id: int) -> DevelopmentPlan:
    with unit_of_work(sessions) as db:
        found = db.get(DevelopmentPlan, plan_id)
        assert found is not None
        db.expunge(found)
        return found


def _count_plans(sessions: sessionmaker[Session]) -> int:
    with unit_of_work(sessions) as db:
        return db.scalar(select(func.count()).select_from(DevelopmentPlan)) or 0


def _visible_text(html: str) -> str:
    """The page without its tags and attributes: what a person reads."""
    return re.sub(r"<[^>]+>", " ", html)


def test_proposing_is_the_proposers_agreement(
    worker: TestClient, boss: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    plan_id = _propose_from_my_path(worker, catalogue, "BAT-101")
    plan = _plan(sessions, plan_id)
    with unit_of_work(sessions) as db:
        worker_user = db.scalar(select(User.id).where(User.email == catalogue.worker_email))
    # The worker proposed it: their side has agreed, the employer's not yet.
    assert plan.state == PlanState.PROPOSED and plan.worker_agreed_by == worker_user
    assert plan.worker_agreed_at is not None and plan.employer_agreed_at is None
    page = worker.get(f"/plans/{plan_id}")
    assert "Worker: agreed by Learner on " in page.text and "Agree to this plan" not in page.text
    # One agreement from the employer is all it takes.
    boss.post(f"/plans/{plan_id}/agree", data={"csrf_token": csrf_token(boss)})
    assert _plan(sessions, plan_id).state == PlanState.AGREED
    # The same when the employer proposes: the employer's side has agreed, the worker's not yet.
    boss.post(f"/plans/{plan_id}/abandon", data={"csrf_token": csrf_token(boss)})
    made = boss.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE}).json()
    proposed = boss.post(f"/api/plans/{made['id']}/propose").json()
    assert proposed["employer_agreed_at"] is not None and proposed["worker_agreed_at"] is None
    assert "Agree to this plan" in worker.get(f"/plans/{made['id']}").text


def test_a_second_open_plan_towards_the_same_role_is_refused(
    worker: TestClient, boss: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    first = _propose_from_my_path(worker, catalogue, "BAT-101")
    # The page: refused, with a clear message and a link to the open plan; nothing saved.
    again = worker.post("/plans", data={"role": ROLE, "courses": [str(catalogue.course_ids["BAT-201"])],
                                        "csrf_token": csrf_token(worker)})  # fmt: skip
    assert again.status_code == 409
    assert "already an open development plan" in again.text and f'href="/plans/{first}"' in again.text
    assert _count_plans(sessions) == 1
    # The path page says so before anyone tries, and offers no second proposal.
    path = worker.get("/my/path", params={"role": ROLE})
    assert f'href="/plans/{first}"' in path.text and "Propose a development plan" not in path.text
    # The API, for the employer too: 409 naming the open plan.
    api = boss.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE})
    assert (
        api.status_code == 409 and f"/plans/{first}" in api.json()["detail"] and api.json()["field"] == "role"
    )
    assert _count_plans(sessions) == 1
    # Once the plan is abandoned, a new one may be made.
    worker.post(f"/plans/{first}/abandon", data={"csrf_token": csrf_token(worker)})
    assert _plan(sessions, first).state == PlanState.ABANDONED
    second = _propose_from_my_path(worker, catalogue, "BAT-201")
    assert second != first and _count_plans(sessions) == 2


def test_my_plans_for_the_worker_the_employer_and_nobody_else(
    client: TestClient,
    worker: TestClient,
    boss: TestClient,
    catalogue: Catalogue,
    sessions: sessionmaker[Session],
) -> None:
    plan_id = _propose_from_my_path(worker, catalogue, "BAT-101")
    mine = worker.get("/my/plans")
    assert mine.status_code == 200 and f'href="/plans/{plan_id}"' in mine.text
    assert "Battery pack engineer" in mine.text and "agreement of the employer" in mine.text
    theirs = boss.get("/my/plans")
    assert (
        f'href="/plans/{plan_id}"' in theirs.text
        and "Plans I follow" in theirs.text
        and "Learner" in theirs.text
    )
    assert [p["id"] for p in boss.get("/api/plans").json()] == [plan_id]
    create_user(sessions, "stranger@test.example", {"role": "worker"})
    stranger = login(TestClient(client.app, raise_server_exceptions=False), "stranger@test.example")
    assert f'href="/plans/{plan_id}"' not in stranger.get("/my/plans").text
    assert stranger.get("/api/plans").json() == []
    # The menu leads there.
    assert 'href="/my/plans"' in worker.get("/home").text
    # Filtered by state.
    assert f'href="/plans/{plan_id}"' not in worker.get("/my/plans", params={"state": "agreed"}).text
    assert [p["state"] for p in worker.get("/api/plans", params={"state": "proposed"}).json()] == ["proposed"]


def test_due_dates_milestones_and_results_on_the_plan_page(
    worker: TestClient, boss: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    basics, design = catalogue.course_ids["BAT-101"], catalogue.course_ids["BAT-201"]
    plan_id = _propose_from_my_path(worker, catalogue, "BAT-101", "BAT-201")
    url = f"/plans/{plan_id}"
    page = worker.get(url)
    assert f'name="due.{basics}"' in page.text and "Add the milestone" in page.text
    # Bad input: each message beside its field, nothing saved.
    bad = worker.post(f"{url}/due-dates", data={f"due.{basics}": "2026-13-45", f"due.{design}": "2026-10-01",
                                                "csrf_token": csrf_token(worker)})  # fmt: skip
    assert (
        bad.status_code == 422
        and f'id="f-due-{basics}-error"' in bad.text
        and "Enter a date like" in bad.text
    )
    assert all(pc.due_on is None for pc in _plan_courses(sessions, plan_id))
    empty = worker.post(
        f"{url}/milestones", data={"title": " ", "due_on": "soon", "csrf_token": csrf_token(worker)}
    )
    assert (
        empty.status_code == 422
        and 'id="f-title-error"' in empty.text
        and 'id="f-due_on-error"' in empty.text
    )
    assert _plan(sessions, plan_id).milestones == []
    # The worker (whose side agreed in proposing) sets the due dates and a milestone: still agreed by them.
    worker.post(f"{url}/due-dates", data={f"due.{basics}": "2026-07-15", f"due.{design}": "2026-10-01",
                                          "csrf_token": csrf_token(worker)})  # fmt: skip
    worker.post(f"{url}/milestones", data={"title": "First pack built", "due_on": "2026-11-01",
                                           "csrf_token": csrf_token(worker)})  # fmt: skip
    plan = _plan(sessions, plan_id)
    assert plan.worker_agreed_at is not None and plan.state == PlanState.PROPOSED
    assert {pc.course_id: str(pc.due_on) for pc in _plan_courses(sessions, plan_id)} == {
        basics: "2026-07-15", design: "2026-10-01"
    }  # fmt: skip
    assert plan.milestones == [{"title": "First pack built", "due_on": "2026-11-01", "done_on": None}]
    # The employer may not change what the worker agreed to: told to have it withdrawn.
    refused = boss.post(
        f"{url}/due-dates", data={f"due.{basics}": "2026-08-01", "csrf_token": csrf_token(boss)}
    )
    assert refused.status_code == 409 and "withdraw" in refused.text
    assert "cannot be changed now" in boss.get(url).text and "Add the milestone" not in boss.get(url).text
    boss.post(f"{url}/agree", data={"csrf_token": csrf_token(boss)})
    boss.post(f"{url}/start", data={"csrf_token": csrf_token(boss)})
    assert _plan(sessions, plan_id).state == PlanState.IN_PROGRESS
    # The worker ticks the milestone; the employer records the results (the worker may not).
    worker.post(f"{url}/milestones/0", data={"done": "1", "csrf_token": csrf_token(worker)})
    done_on = _plan(sessions, plan_id).milestones[0]["done_on"]
    assert done_on is not None and dt.date.fromisoformat(done_on)  # today
    assert "Not done after all" in worker.get(url).text and "Record the result" not in worker.get(url).text
    assert worker.post(f"{url}/outcomes", data={"course_id": basics, "outcome": "passed",
                                                "csrf_token": csrf_token(worker)}).status_code == 403  # fmt: skip
    wrong = boss.post(
        f"{url}/outcomes", data={"course_id": basics, "outcome": "maybe", "csrf_token": csrf_token(boss)}
    )
    assert wrong.status_code == 422 and "Choose one of: passed, failed" in wrong.text
    boss.post(
        f"{url}/outcomes", data={"course_id": basics, "outcome": "failed", "csrf_token": csrf_token(boss)}
    )
    boss.post(f"{url}/outcomes", data={"course_id": basics, "outcome": "passed", "certificate": "CERT-7",
                                       "csrf_token": csrf_token(boss)})  # fmt: skip
    boss.post(
        f"{url}/outcomes", data={"course_id": design, "outcome": "passed", "csrf_token": csrf_token(boss)}
    )
    results = {pc.course_id: (pc.outcome, pc.certificate) for pc in _plan_courses(sessions, plan_id)}
    assert results == {basics: (Outcome.PASSED, "CERT-7"), design: (Outcome.PASSED, "")}
    assert _plan(sessions, plan_id).state == PlanState.COMPLETED
    shown = worker.get(url).text
    assert "certificate CERT-7" in shown and ">completed<" in shown
    with unit_of_work(sessions) as db:
        fluids = db.scalar(
            select(PersonSkill).join(Skill, Skill.id == PersonSkill.skill_id).where(
                PersonSkill.person_id == catalogue.worker_person, Skill.uri == FLUIDS)
        )  # fmt: skip
        assert fluids is not None and fluids.source == SkillSource.ASSESSED


def _plan_courses(sessions: sessionmaker[Session], plan_id: int) -> list[PlanCourse]:
    with unit_of_work(sessions) as db:
        found = list(db.scalars(select(PlanCourse).where(PlanCourse.plan_id == plan_id)))
        for pc in found:
            db.expunge(pc)
        return found


def test_milestones_wait_for_the_agreement_and_due_dates_name_courses_of_the_plan(
    worker: TestClient, catalogue: Catalogue
) -> None:
    plan = worker.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE,
                                           "courses": [catalogue.course_ids["BAT-101"]],
                                           "milestones": [{"title": "Basics"}]}).json()  # fmt: skip
    url = f"/api/plans/{plan['id']}"
    early = worker.post(f"{url}/milestones/0", json={"done": True})
    assert early.status_code == 409 and "agreed" in early.json()["detail"]
    other = worker.put(url, json={"due_dates": {str(catalogue.course_ids["BAT-301"]): "2026-09-01"}})
    assert other.status_code == 422 and other.json()["field"] == "due_dates"
    bad = worker.put(url, json={"milestones": [{"title": "Basics", "due_on": "soon"}]})
    assert bad.status_code == 422 and bad.json()["field"] == "milestones.0.due_on"
    assert worker.get(url).json()["milestones"] == [{"title": "Basics", "due_on": None, "done_on": None}]


def test_a_worker_without_an_employer_is_told_why_and_reloading_is_harmless(
    client: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, "freelancer@test.example", {"role": "worker"})  # no employer
    me = login(client, "freelancer@test.example")
    path = me.get("/my/path", params={"role": ROLE})
    assert path.status_code == 200 and 'id="no-employer"' in path.text and "names no employer" in path.text
    assert "Propose a development plan" not in path.text
    # Posting anyway (an old tab): the reason in words, on the page, nothing saved.
    posted = me.post("/plans", data={"role": ROLE, "courses": [str(catalogue.course_ids["BAT-101"])],
                                     "csrf_token": csrf_token(me)})  # fmt: skip
    assert (
        posted.status_code == 422
        and "no employer is recorded" in posted.text
        and 'id="no-employer"' in posted.text
    )
    assert "Person id" not in posted.text and _count_plans(sessions) == 0
    # A reload of the URL the form posted to (a GET) leads somewhere sensible, never "Method Not Allowed".
    reload = me.get("/plans", follow_redirects=False)
    assert reload.status_code == 303 and reload.headers["location"] == "/my/plans"
    assert me.get("/plans").status_code == 200


def test_every_plan_form_url_answers_a_get(worker: TestClient, catalogue: Catalogue) -> None:
    plan_id = _propose_from_my_path(worker, catalogue, "BAT-101")
    for suffix in ("agree", "propose", "withdraw", "start", "abandon", "due-dates", "milestones", "outcomes",
                   "milestones/0"):  # fmt: skip
        answer = worker.get(f"/plans/{plan_id}/{suffix}", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/plans/{plan_id}", suffix
    for suffix in ("suggest", "confirm"):
        course = catalogue.course_ids["BAT-101"]
        answer = worker.get(f"/courses/{course}/{suffix}", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/courses/{course}"


def test_the_plan_shows_the_roles_title_not_its_slug(worker: TestClient, catalogue: Catalogue) -> None:
    plan_id = _propose_from_my_path(worker, catalogue, "BAT-101")
    text = _visible_text(worker.get(f"/plans/{plan_id}").text)
    assert "Development plan towards Battery pack engineer" in text
    assert ROLE not in text and PROVIDER not in text  # neither the role's nor the employer's slug


def test_my_path_in_plain_words_and_money(worker: TestClient, catalogue: Catalogue) -> None:
    page = worker.get("/my/path", params={"role": ROLE}).text
    text = _visible_text(page)
    for solver_word in ("highs", "optimality", "greedy", "gap 0"):
        assert solver_word not in text.lower()
    assert "the cheapest set of courses that closes your gaps" in text
    # BAT-101 (100) + BAT-201 (900) + BAT-301 (500): money formatted, never a raw float.
    assert "€1,500" in text and "€900" in text and "€100" in text
    main = _visible_text(page.split("<main", 1)[1].split("</main>", 1)[0])
    assert not re.search(r"\d\.0\b", main), re.findall(r".{20}\d\.0\b.{10}", main)
    hours = _visible_text(worker.get("/my/path", params={"role": ROLE, "cost": "hours"}).text)
    assert "fewest hours of study" in hours and "hours" in hours


def test_the_home_shows_plan_steps_waiting(
    worker: TestClient, boss: TestClient, catalogue: Catalogue
) -> None:
    plan = worker.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE}).json()
    assert "Propose the development plan towards Battery pack engineer" in worker.get("/home").text
    worker.post(f"/api/plans/{plan['id']}/propose")
    assert "A development plan waits for the employer" in boss.get("/home").text
    boss.post(f"/api/plans/{plan['id']}/agree")
    home = boss.get("/home").text
    assert "Start the agreed development plan towards Battery pack engineer" in home
    assert f'href="/plans/{plan["id"]}"' in home


def test_plans_through_the_cli(
    cli_env: dict[str, str], catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    basics = catalogue.course_ids["BAT-101"]
    person = str(catalogue.worker_person)

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["learning", "plans", *args])
        assert result.exit_code == 0, result.output
        return result.output

    created = run("create", "--person", person, "--role", ROLE, "--course", str(basics), "--goals", "CLI")
    plan_id = re.search(r"created plan (\d+)", created).group(1)  # type: ignore[union-attr]
    twice = runner.invoke(cli, ["learning", "plans", "create", "--person", person, "--role", ROLE])
    assert twice.exit_code == 2 and "already an open development plan" in twice.output
    run("due", plan_id, "--course", str(basics), "--on", "2026-08-01")
    run("milestone", plan_id, "--title", "Halfway", "--due", "2026-07-01")
    run("step", plan_id, "propose")
    assert runner.invoke(cli, ["learning", "plans", "step", plan_id, "agree"]).exit_code == 2  # which side?
    run("step", plan_id, "agree", "--side", "worker")
    assert "is agreed" in run("step", plan_id, "agree", "--side", "employer")
    run("step", plan_id, "start")
    run("tick", plan_id, "0")
    assert "the plan is completed" in run("result", plan_id, "--course", str(basics), "--outcome", "passed",
                                          "--certificate", "C-9")  # fmt: skip
    shown = json.loads(run("show", plan_id, "--json"))
    assert shown["state"] == "completed" and shown["courses"][0]["due_on"] == "2026-08-01"
    assert shown["milestones"][0]["title"] == "Halfway" and shown["milestones"][0]["done_on"]
    listed = json.loads(run("list", "--person", person, "--json"))
    assert [p["id"] for p in listed] == [int(plan_id)] and listed[0]["passed"] == 1
    assert runner.invoke(cli, ["learning", "plans", "list", "--state", "done"]).exit_code == 2
