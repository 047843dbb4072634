"""The pages of the applications: "Apply to join" on the group's page, the form with its errors beside the
fields, each step's form, the applicant's home; the CLI; the demo's applications."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas import db as database
from skillatlas.applications.models import Application, ApplicationState
from skillatlas.cli import app as cli_app
from tests.applications.conftest import GROUP, OTHER_GROUP, People, apply_via_api

runner = CliRunner()


def test_the_group_page_offers_to_apply_while_the_lead_lets_it(people: People) -> None:
    applicant, lead = people.client("applicant"), people.client("lead")
    page = applicant.get(f"/groups/{GROUP}").text
    assert f'href="/groups/{GROUP}/apply"' in page and "Apply to join" in page
    assert "Apply to join" not in applicant.get(f"/groups/{OTHER_GROUP}").text
    assert (
        "Apply to join" in people.client("anonymous").get(f"/groups/{GROUP}").text
    )  # asks to log in on the form
    assert f"/groups/{GROUP}/applications" in lead.get(f"/groups/{GROUP}").text
    assert f"/groups/{GROUP}/applications" not in applicant.get(f"/groups/{GROUP}").text
    # the lead closes the intake on the group's applications page
    closed = lead.post(f"/groups/{GROUP}/applications/intake", data={}, follow_redirects=False)
    assert closed.status_code == 303
    assert "Apply to join" not in applicant.get(f"/groups/{GROUP}").text
    assert "does not take applications" in applicant.get(f"/groups/{GROUP}/apply").text
    lead.post(f"/groups/{GROUP}/applications/intake", data={"accepts_applications": "on"})
    assert "Apply to join" in applicant.get(f"/groups/{GROUP}").text
    # the badge on acceptance needs a badge: the error is shown beside the field
    refused = lead.post(
        f"/groups/{GROUP}/applications/intake",
        data={"accepts_applications": "on", "badge_on_acceptance": "on"},
    )
    assert refused.status_code == 422 and 'id="f-achievement-error"' in refused.text


def test_apply_in_the_form(people: People, sessions: sessionmaker[Session]) -> None:
    applicant = people.client("applicant")
    form = applicant.get(f"/groups/{GROUP}/apply").text
    assert 'data-suggest-from="f-cv_text"' in form  # "suggest skills from my CV text" through the extraction
    assert "Suggest skills from my CV text" in form
    assert "Vamia" in form or "VAMIA" in form  # the organisation that would join
    short = applicant.post(f"/groups/{GROUP}/apply", data={"motivation": "too short", "cv_text": "My CV"})
    assert short.status_code == 422
    assert 'id="f-motivation-error"' in short.text and "20 characters" in short.text
    assert "My CV" in short.text  # what was typed is kept
    sent = applicant.post(
        f"/groups/{GROUP}/apply",
        data={"motivation": "I teach hydrogen safety and want to join the forum.", "cv_text": "Trainer"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = applicant.get(sent.headers["location"])
    assert "Your application is sent" in page.text and "Submitted" in page.text
    assert "Withdraw my application" in page.text and "Shortlist" not in page.text
    assert "Your application:" in applicant.get(f"/groups/{GROUP}").text
    again = applicant.get(f"/groups/{GROUP}/apply").text
    assert "You have an application to this group already" in again
    with database.unit_of_work(sessions) as db:
        mine = db.scalars(
            select(Application.cv_text).where(Application.person_id == people.person_ids["applicant"])
        )
        assert mine.all() == ["Trainer"]
    assert people.client("anonymous").get(f"/groups/{GROUP}/apply", follow_redirects=False).status_code in (
        303,
        401,
    )


def test_each_step_in_the_pages(people: People) -> None:
    created = apply_via_api(people)
    lead, applicant = people.client("lead"), people.client("applicant")
    page = f"/applications/{created['id']}"
    assert "Shortlist" in lead.get(page).text
    assert lead.post(f"{page}/shortlist", follow_redirects=False).status_code == 303
    form = lead.get(page).text
    assert "Schedule the interview" in form and "Panelist" in form
    assert (
        f'value="{people.person_ids["applicant"]}"' not in form
    )  # the applicant is not offered for the panel
    bad = lead.post(f"{page}/interview", data={"date": "tomorrow", "time": "25:00", "place": ""})
    assert bad.status_code == 422
    for name in ("date", "time", "place", "panel"):
        assert f'id="f-{name}-error"' in bad.text, name
    past = lead.post(
        f"{page}/interview",
        data={
            "date": "2026-05-01",
            "time": "10:00",
            "place": "Room 1",
            "panel": str(people.person_ids["panelist"]),
        },
    )
    assert past.status_code == 422 and "in the future" in past.text
    done = lead.post(
        f"{page}/interview",
        data={
            "date": "2026-06-15",
            "time": "10:00",
            "place": "Room 1",
            "panel": str(people.person_ids["panelist"]),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = applicant.get(page).text
    assert "15 June 2026, 10:00" in shown and "Room 1" in shown and "Panelist" in shown
    home = applicant.get("/home").text
    assert "Your application to Hydrogen VET Forum" in home and "Interview scheduled" in home
    # an invalid step from the page: the message, not an error page
    refused = lead.post(f"{page}/shortlist")
    assert refused.status_code == 409 and "cannot be shortlisted" in refused.text
    no_choice = lead.post(f"{page}/outcome", data={})
    assert no_choice.status_code == 422 and 'id="f-outcome-error"' in no_choice.text
    accepted = lead.post(
        f"{page}/outcome", data={"outcome": "accepted", "notes": "Welcome"}, follow_redirects=False
    )
    assert accepted.status_code == 303
    assert "Accepted" in applicant.get("/home").text
    assert "Record the passed certification" not in lead.get(page).text  # no badge named yet
    assert "application settings" in lead.get(page).text


def test_the_leads_home_and_lists(people: People) -> None:
    created = apply_via_api(people)
    home = people.client("lead").get("/home").text
    assert "Application to Hydrogen VET Forum to review: Applicant" in home
    assert f"/applications/{created['id']}" in home
    assert "to review" not in people.client("other_lead").get("/home").text
    listing = people.client("lead").get(f"/groups/{GROUP}/applications").text
    assert "Applicant" in listing and "Submitted" in listing
    assert "Applicant" in people.client("lead").get("/applications").text
    assert "Applicant" in people.client("lead").get("/applications?state=submitted").text
    assert "Applicant" not in people.client("lead").get("/applications?state=accepted").text
    menu = people.client("applicant").get("/home").text
    assert 'href="/applications"' in menu


def test_the_cli_takes_an_application_through(people: People, cli_env: dict[str, str]) -> None:
    created = apply_via_api(people)
    number = str(created["id"])
    listed = runner.invoke(cli_app, ["applications", "list", "--group", GROUP, "--json"])
    assert listed.exit_code == 0 and f'"id": {number}' in listed.output
    assert runner.invoke(cli_app, ["applications", "shortlist", number]).exit_code == 0
    again = runner.invoke(cli_app, ["applications", "shortlist", number])
    assert (
        again.exit_code == 2 and again.output.startswith("error:") and "cannot be shortlisted" in again.output
    )
    stranger = runner.invoke(
        cli_app, ["applications", "interview", number, "--at", "2030-01-01 10:00", "--place", "Online",
                  "--panel", "Nobody Known"],
    )  # fmt: skip
    assert stranger.exit_code == 2 and "Nobody Known" in stranger.output
    scheduled = runner.invoke(
        cli_app, ["applications", "interview", number, "--at", "2030-01-01 10:00", "--place", "Online",
                  "--panel", "Panelist"],
    )  # fmt: skip
    assert scheduled.exit_code == 0, scheduled.output
    accepted = runner.invoke(cli_app, ["applications", "outcome", number, "--accepted", "--notes", "Good"])
    assert accepted.exit_code == 0 and "Accepted" in accepted.output
    shown = runner.invoke(cli_app, ["applications", "show", number])
    assert '"state": "accepted"' in shown.output
    closed = runner.invoke(cli_app, ["applications", "intake", GROUP, "--closed"])
    assert closed.exit_code == 0 and '"accepts_applications": false' in closed.output


def test_the_demo_has_one_application_in_each_state(people: People, sessions: sessionmaker[Session]) -> None:
    with database.unit_of_work(sessions) as db:
        states = db.scalars(
            select(Application.state)
            .join(Application.group)
            .where(Application.group.has(slug="innovation-agent-task-force"))
        ).all()
    assert sorted(states) == sorted(ApplicationState)
    # the demo worker sees theirs on the home page (demo users share one password)
    from fastapi.testclient import TestClient

    from skillatlas.demo.loader import demo_data
    from tests.conftest import login

    worker = login(
        TestClient(people.app, raise_server_exceptions=False),
        "worker@asa-demo.eu",
        demo_data()["demo_password"],
    )  # type: ignore[arg-type]
    home = worker.get("/home").text
    assert "Your application to Innovation Agent Task Force" in home and "Submitted" in home
    assert re.search(
        r"Apply to join|Your application:", worker.get("/groups/innovation-agent-task-force").text
    )


def test_the_pages_show_no_internal_words(people: People) -> None:
    """The crawl's checks (tests/browser/page_checks.py) on each page of an application's life."""
    from tests.browser.page_checks import problems_in

    created = apply_via_api(people)
    lead = people.client("lead")
    path = f"/api/applications/{created['id']}"
    lead.post(f"{path}/shortlist")
    lead.post(f"{path}/interview", json={"at": "2026-06-15T10:00:00Z", "place": "Room 1",
                                         "panel": [people.person_ids["panelist"]]})  # fmt: skip
    pages = [
        (lead, f"/applications/{created['id']}"),
        (lead, f"/groups/{GROUP}/applications"),
        (lead, "/applications"),
        (lead, "/home"),
        (lead, f"/groups/{GROUP}"),
        (people.client("applicant"), f"/groups/{GROUP}/apply"),
        (people.client("applicant"), f"/applications/{created['id']}"),
        (people.client("applicant"), "/home"),
        (people.client("office"), "/applications"),
    ]
    found = {}
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        if problems := problems_in(response.text):
            found[url] = problems
    assert not found, found
