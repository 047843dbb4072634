"""Mail at each step, through a real SMTP server on loopback: the applicant at every step, the group's lead when
someone applies, the panel when the interview is set; a refused step mails nobody."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from skillatlas.config import Settings
from skillatlas.web.app import create_app
from tests.applications.conftest import APPLICANT, GROUP, LEAD, OUTSIDER, PANELIST, People, interview_body
from tests.conftest import NOW
from tests.mail.conftest import Inbox, inbox, wait_for  # noqa: F401  (the SMTP server fixture)

SITE = "https://skillatlas.test"


@pytest.fixture
def client(engine: Engine, settings: Settings, inbox: Inbox) -> Iterator[TestClient]:  # noqa: F811
    """The app, sending its mail to `inbox` (the people fixture logs in on it)."""
    mailing = settings.model_copy(update={"smtp_url": inbox.url, "public_url": SITE})
    with TestClient(create_app(mailing, clock=lambda: NOW), raise_server_exceptions=False) as test_client:
        yield test_client
    test_client.app.state.engine.dispose()  # type: ignore[attr-defined]


def test_every_step_is_mailed(people: People, inbox: Inbox) -> None:  # noqa: F811
    applicant, lead = people.client("applicant"), people.client("lead")
    created = applicant.post(
        f"/api/groups/{GROUP}/applications", json={"motivation": "I teach hydrogen safety to technicians."}
    ).json()
    wait_for(lambda: len(inbox.to(APPLICANT)) == 1 and len(inbox.to(LEAD)) == 1)
    received = inbox.one(APPLICANT, "is received")
    assert f"{SITE}/applications/{created['id']}" in received.text
    assert f'href="{SITE}/applications/{created["id"]}"' in received.html
    assert "applies to join Hydrogen VET Forum" in str(inbox.one(LEAD).message["Subject"])

    path = f"/api/applications/{created['id']}"
    assert lead.post(f"{path}/shortlist").status_code == 200
    wait_for(lambda: len(inbox.to(APPLICANT)) == 2)
    assert "shortlist" in str(inbox.one(APPLICANT, "shortlist").message["Subject"])

    assert lead.post(f"{path}/interview", json=interview_body(people)).status_code == 200
    wait_for(lambda: len(inbox.to(APPLICANT)) == 3 and len(inbox.to(PANELIST)) == 1)
    invitation = inbox.one(APPLICANT, "Your interview")
    assert (
        "15 June 2026 at 10:00 UTC" in invitation.text and "https://meet.example/hydrogen" in invitation.text
    )
    assert "Panelist" in invitation.text
    panel = inbox.one(PANELIST, "Interview panel")
    assert "15 June 2026 at 10:00 UTC" in panel.text

    # a refused step (the applicant cannot decide) mails nobody
    assert applicant.post(f"{path}/outcome", json={"outcome": "accepted"}).status_code == 403
    assert (
        lead.post(f"{path}/outcome", json={"outcome": "accepted", "notes": "Welcome aboard"}).status_code
        == 200
    )
    wait_for(lambda: len(inbox.to(APPLICANT)) == 4)
    welcome = inbox.one(APPLICANT, "Welcome to Hydrogen VET Forum")
    assert "Welcome aboard" in welcome.text

    other = (
        people.client("outsider")
        .post(
            f"/api/groups/{GROUP}/applications",
            json={"motivation": "We test fuel-cell stacks and want to join."},
        )
        .json()
    )
    wait_for(lambda: len(inbox.to(OUTSIDER)) == 1)
    assert (
        lead.post(f"/api/applications/{other['id']}/decline", json={"reason": "Full this year"}).status_code
        == 200
    )
    wait_for(lambda: len(inbox.to(OUTSIDER)) == 2)
    assert "The reason: Full this year" in inbox.one(OUTSIDER, "was not accepted").text

    again = (
        people.client("outsider")
        .post(
            f"/api/groups/{GROUP}/applications",
            json={"motivation": "We test fuel-cell stacks, a second try."},
        )
        .json()
    )
    wait_for(lambda: len(inbox.to(OUTSIDER)) == 3)
    assert people.client("outsider").post(f"/api/applications/{again['id']}/withdraw").status_code == 200
    wait_for(lambda: len(inbox.to(OUTSIDER)) == 4)
    assert inbox.one(OUTSIDER, "You withdrew")
    assert len(inbox.to(APPLICANT)) == 4  # nothing more for the first applicant
