"""Notifications arrive at a real SMTP server: a waitlist promotion, an expert proposal and its answer,
development-plan steps, a credential received; nobody erased or without an address is mailed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Organisation, OrganisationType, Registration, RegistrationStatus
from skillatlas.alliance.schemas import EventCreate, RegistrationCreate
from skillatlas.auth.models import OutboxMessage
from skillatlas.auth.permissions import SYSTEM
from skillatlas.config import Settings
from skillatlas.credentials import service as credentials_service
from skillatlas.credentials.schemas import AchievementCreate, IssueRequest
from skillatlas.db import unit_of_work, utcnow
from skillatlas.mail import service as mail_service
from skillatlas.people.models import Person
from skillatlas.privacy import service as privacy_service
from tests.conftest import NOW, TODAY, create_user, login
from tests.credentials.conftest import achievement_values
from tests.experts.conftest import BATTERY_DESIGN, BMS
from tests.experts.test_workflow import register as register_expert
from tests.learning.conftest import PROVIDER, ROLE, Catalogue
from tests.mail.conftest import Inbox, Received

SITE = "https://skillatlas.test"


@pytest.fixture
def mail_settings(settings: Settings, inbox: Inbox) -> Settings:
    """Sending to the test server; links point at SITE."""
    return settings.model_copy(update={"smtp_url": inbox.url, "public_url": SITE})


def links(received: Received) -> list[str]:
    """The site's links in the text part; each must also be in the HTML part."""
    found = re.findall(rf"{re.escape(SITE)}/\S+", received.text)
    for link in found:
        assert f'href="{link}"' in received.html, link
    return found


def make_event(db: Session, capacity: int = 1) -> str:
    start = TODAY + dt.timedelta(days=30)
    data = EventCreate(name="Battery day", starts_on=start, ends_on=start, mode="on_site", place="Brussels",
                       capacity=capacity)  # fmt: skip
    return alliance_service.create_event(db=db, actor=SYSTEM, data=data).slug


def test_a_cancellation_mails_the_person_it_gives_the_seat_to(
    mail_client: TestClient, inbox: Inbox, mail_sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(mail_sessions) as db:
        slug = make_event(db)
    _, ana = create_user(mail_sessions, "ana@example.org", {"role": "worker"})
    create_user(mail_sessions, "bo@example.org", {"role": "worker"})
    a = login(TestClient(mail_client.app), "ana@example.org")
    b = login(TestClient(mail_client.app), "bo@example.org")
    assert a.post(f"/api/events/{slug}/registrations").json()["status"] == "registered"
    assert b.post(f"/api/events/{slug}/registrations").json()["status"] == "waitlisted"
    assert inbox.received == []
    promoted = a.post(f"/api/events/{slug}/registrations/{ana}/cancel")
    assert promoted.status_code == 200 and promoted.json()["status"] == "registered"
    got = inbox.one("bo@example.org")
    assert got.message["Subject"] == "You have a seat at Battery day"
    assert "a seat became free at Battery day and it is yours" in got.text and "Where: Brussels" in got.text
    assert links(got) == [f"{SITE}/events/{slug}"]
    assert inbox.to("ana@example.org") == []


def test_erased_persons_and_persons_without_an_address_get_no_mail(
    inbox: Inbox, mail_sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(mail_sessions) as db:
        slug = make_event(db)
        for i in (1, 2):
            data = RegistrationCreate(full_name=f"Person {i}", email=f"p{i}@example.org")
            alliance_service.register(db=db, actor=SYSTEM, event_slug=slug, data=data, today=TODAY)
        synthetic = Person(full_name="Synthetic worker", email=None)
        db.add(synthetic)
        db.flush()
        event = alliance_service.get_event(db=db, slug=slug)
        db.add(Registration(event=event, person=synthetic, status=RegistrationStatus.WAITLISTED,
                            registered_at=utcnow() + dt.timedelta(days=1)))  # fmt: skip
        first, second = (
            db.scalar(select(Person.id).where(Person.email == f"p{i}@example.org")) for i in (1, 2)
        )
    with unit_of_work(mail_sessions) as db:
        privacy_service.erase(db=db, actor=SYSTEM, person_id=second, now=NOW)
    with unit_of_work(mail_sessions) as db:  # the erased person gets the seat, unmailed
        promoted = alliance_service.cancel_registration(db=db, actor=SYSTEM, event_slug=slug, person_id=first)
        assert promoted is not None and promoted.person_id == second
    with unit_of_work(mail_sessions) as db:  # then the synthetic person, who has no address
        promoted = alliance_service.cancel_registration(
            db=db, actor=SYSTEM, event_slug=slug, person_id=second
        )
        assert promoted is not None and promoted.person_id == synthetic.id
    assert inbox.received == []
    with mail_sessions() as db:
        assert db.scalars(select(OutboxMessage)).all() == []
        assert mail_service.notify_person(db=db, person_id=synthetic.id, template="waitlist_promoted") is None
        assert mail_service.send(db=db, to=f"erased-1@{privacy_service.ERASED_DOMAIN}", template="x") is None


def test_a_proposal_mails_the_expert_and_the_answer_mails_the_requester(
    mail_client: TestClient, inbox: Inbox, sessions: sessionmaker[Session], esco: None, orgs: dict
) -> None:
    skills = [{"uri": BATTERY_DESIGN, "level": "expert"}, {"uri": BMS, "level": "practitioner"}]
    ana = register_expert(mail_client, sessions, "ana@example.org", skills)
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    company = login(TestClient(mail_client.app), "boss@example.org")
    posted = company.post("/api/experts/requests", json={
        "organisation": "acea", "title": "Battery pack design review", "description": "Review our pack design.",
        "skills": skills, "languages": ["en"], "work_mode": "remote", "starts_on": "2026-07-01",
        "ends_on": "2026-08-31", "days": 5,
    })  # fmt: skip
    assert posted.status_code == 201, posted.text
    request_id = posted.json()["id"]
    proposal = company.post(f"/api/experts/requests/{request_id}/proposals", json={"expert_id": ana}).json()
    to_expert = inbox.one("ana@example.org")
    assert to_expert.message["Subject"] == 'You are proposed for "Battery pack design review"'
    assert "ACEA Motors is looking for expertise" in to_expert.text and "Days: 5" in to_expert.text
    assert links(to_expert) == [f"{SITE}/experts/proposals"]
    assert inbox.to("boss@example.org") == []

    expert = login(TestClient(mail_client.app), "ana@example.org")
    answered = expert.post(f"/api/experts/proposals/{proposal['id']}/status", json={"status": "accepted"})
    assert answered.status_code == 200
    to_requester = inbox.one("boss@example.org")
    assert to_requester.message["Subject"] == 'The expert accepted your request "Battery pack design review"'
    assert "You can now contact them" in to_requester.text and "Ana, ana@example.org" in to_requester.text
    assert links(to_requester) == [f"{SITE}/experts/requests/{request_id}"]


def test_plan_steps_mail_the_worker_and_the_employers_managers(
    mail_client: TestClient, inbox: Inbox, sessions: sessionmaker[Session], catalogue: Catalogue
) -> None:
    create_user(sessions, "boss@test.example", {"role": "organisation_manager", "organisation": PROVIDER},
                organisation=PROVIDER)  # fmt: skip
    boss = login(TestClient(mail_client.app), "boss@test.example")
    worker = login(TestClient(mail_client.app), catalogue.worker_email)
    course = catalogue.course_ids["BAT-101"]
    plan = worker.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE,
                                           "courses": [course]}).json()  # fmt: skip
    url = f"/api/plans/{plan['id']}"
    assert inbox.received == []  # a draft mails nobody
    assert worker.post(f"{url}/propose").status_code == 200
    mine = inbox.one(catalogue.worker_email, "waits for your agreement")
    theirs = inbox.one("boss@test.example", "waits for your agreement")
    assert 'towards the role "Battery pack engineer" was proposed to you' in mine.text
    assert "A development plan for Learner towards the role" in theirs.text
    assert links(mine) == links(theirs) == [f"{SITE}/plans/{plan['id']}"]
    worker.post(f"{url}/agree")
    assert len(inbox.to(catalogue.worker_email)) == 1  # one side agreeing is no step for the mail
    assert boss.post(f"{url}/agree").json()["state"] == "agreed"
    for address in (catalogue.worker_email, "boss@test.example"):
        inbox.one(address, "is agreed")
    worker.post(f"{url}/start")
    done = boss.post(f"{url}/outcomes", json={"course_id": course, "outcome": "passed"})
    assert done.json()["state"] == "completed"
    completed = inbox.one(catalogue.worker_email, "is completed")
    assert completed.message["Subject"] == 'The development plan towards "Battery pack engineer" is completed'
    assert "Congratulations: you passed every course" in completed.text
    assert "Learner passed every course" in inbox.one("boss@test.example", "is completed").text


def test_an_issued_credential_mails_its_learner(
    inbox: Inbox, mail_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    issuing = credentials_service.Issuing(base_url=SITE, data_dir=tmp_path / "keys")
    with unit_of_work(mail_sessions) as db:
        db.add(Organisation(slug="asa", name="Automotive Skills Alliance", type=OrganisationType.ASSOCIATION,
                            country="BE", description=""))  # fmt: skip
        ana = Person(full_name="Ana Popescu", email="ana@example.org")
        synthetic = Person(full_name="Synthetic learner", email=None)
        db.add_all([ana, synthetic])
        db.flush()
        slug = credentials_service.create_achievement(
            db=db, actor=SYSTEM, data=AchievementCreate.model_validate(achievement_values())
        ).slug
    uuids = []
    for learner in (ana.id, synthetic.id):
        with unit_of_work(mail_sessions) as db:
            issued = credentials_service.issue(db=db, actor=SYSTEM, issuing=issuing, now=NOW,
                                               data=IssueRequest(achievement=slug, learner=learner))  # fmt: skip
            uuids.append(issued.uuid)
    got = inbox.one("ana@example.org")
    assert len(inbox.received) == 1  # the synthetic learner has no address
    assert got.message["Subject"] == 'You received the micro-credential "Hydrogen VET teacher"'
    assert "Automotive Skills Alliance issued you" in got.text
    assert links(got) == [f"{SITE}/credentials/{uuids[0]}", f"{SITE}/learners/{ana.id}/credentials"]
