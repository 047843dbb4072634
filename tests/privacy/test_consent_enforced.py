"""Consents mean what they say: each purpose is asked by the one permission check, at every door.

The purposes (privacy.models.ConsentPurpose) and where each is obeyed, tested here per purpose, given and
withdrawn (and never asked, which counts as not given):

- share_skills_with_employer: an employer's manager reads a worker's skills (API read and write), gap and
  path (API), and the workforce figures (API and page: a worker who does not share is left out and only
  counted); the worker themselves and the office need no consent.
- listed_as_expert: shortlists (API and page) and proposals; withdrawn on the privacy page, the expert leaves
  every shortlist at once, also when the matching snapshot was built before (and when a change bypassed the
  change counter); given again, the profile is listed again.
- share_kpis: the ledger events an organisation's manager reads carry a worker's pseudonym only with it.
- name_on_credentials: tests/privacy/test_erasure_reaches_credentials.py (new credentials carry the name in
  plain words only with it).
- contact_by_email: nothing mails news today (every mail is a notice about the person's own business or
  account, which needs no consent); the guard below fails when a mail is added without deciding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SYSTEM, Grant, Principal, allowed, consent_decides
from skillatlas.config import Settings
from skillatlas.db import unit_of_work
from skillatlas.experts import service as experts_service
from skillatlas.kpi import service as kpi_service
from skillatlas.kpi.models import OutcomeEvent
from skillatlas.people import service as people_service
from skillatlas.people.models import Person
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.privacy import service as privacy
from skillatlas.privacy.models import ConsentPurpose, ConsentRecord
from tests.conftest import NOW, TODAY, create_user, login
from tests.learning.conftest import BMS, DESIGN, PROVIDER, ROLE, Catalogue, catalogue  # noqa: F401

SHARE = ConsentPurpose.SHARE_SKILLS_WITH_EMPLOYER
MANAGER = "boss@test.example"
OFFICE = "office@test.example"
EVIDENCE = "three battery pack designs reviewed at Educam"
STATES = ["given", "withdrawn", "never asked"]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Lexical-only text matching for the shortlists (the embedding side is tested in tests/experts)."""
    return Settings(database_url=database_url, data_dir=tmp_path, embedding_backend="none")


def set_consent(sessions: sessionmaker[Session], person: int, purpose: ConsentPurpose, state: str) -> None:
    """Puts the person's consent in `state`: given, withdrawn (given, then withdrawn), or never asked."""
    if state == "never asked":
        return
    with unit_of_work(sessions) as db:
        privacy.set_consent(db=db, actor=SYSTEM, person_id=person, purpose=purpose, given=True, now=NOW)
        if state == "withdrawn":
            privacy.set_consent(db=db, actor=SYSTEM, person_id=person, purpose=purpose, given=False, now=NOW)


@pytest.fixture
def staff(sessions: sessionmaker[Session], catalogue: Catalogue) -> dict[str, int]:  # noqa: F811
    """The learning world's worker (at Educam, with skills, one with evidence), Educam's manager, the office."""
    with unit_of_work(sessions) as db:
        people_service.set_skills(db=db, actor=SYSTEM, person_id=catalogue.worker_person,
                                  skills=[PersonSkillIn(uri=BMS, level="practitioner", evidence=EVIDENCE)])  # fmt: skip
    create_user(sessions, MANAGER, {"role": "organisation_manager", "organisation": PROVIDER})
    create_user(sessions, OFFICE, {"role": "alliance_office"})
    return {"worker": catalogue.worker_person}


# --- the rule itself -------------------------------------------------------------------------------


def test_the_rules_that_let_an_employer_read_skills_ask_the_consent_and_refuse_without_the_fact() -> None:
    manager = Principal(user_id=1, grants=frozenset({Grant(Role.ORGANISATION_MANAGER, organisation_id=7)}),
                        via="session")  # fmt: skip
    office = Principal(user_id=2, grants=frozenset({Grant(Role.ALLIANCE_OFFICE)}), via="session")
    worker = Principal(user_id=3, person_id=5, via="session")
    facts: dict[str, Any] = {"person_id": 5, "organisation_id": 7}
    for action, purpose in [("person.skills.read", SHARE), ("person.skills.write", SHARE),
                            ("learning.gap.read", SHARE), ("kpi.events.person_ref", ConsentPurpose.SHARE_KPIS)]:  # fmt: skip
        assert allowed(manager, action, **facts, consents=frozenset({purpose})), action
        assert not allowed(manager, action, **facts, consents=frozenset()), action
        assert not allowed(manager, action, **facts), action  # a door that forgot to ask privacy refuses
        assert allowed(office, action, **facts, consents=frozenset()), action
        # Set-based (aggregates): only the consenting for the manager, everyone for the office.
        assert consent_decides(manager, action, purpose, organisation_id=7) is True
        assert consent_decides(office, action, purpose, organisation_id=7) is False
        assert consent_decides(manager, action, purpose, organisation_id=8) is None
    assert allowed(worker, "person.skills.read", **facts, consents=frozenset())  # one's own skills: always


# --- share_skills_with_employer, at every door ----------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_share_skills_with_employer_at_every_door(
    state: str, client: TestClient, sessions: sessionmaker[Session], staff: dict[str, int]
) -> None:
    worker = staff["worker"]
    set_consent(sessions, worker, SHARE, state)
    shares = state == "given"
    ok = 200 if shares else 403

    office = login(client, OFFICE)
    everyone = office.get(f"/api/organisations/{PROVIDER}/workforce-gap", params={"role": ROLE}).json()
    assert everyone["not_sharing"] == 0  # the office needs nobody's consent
    assert office.get(f"/api/people/{worker}/skills").status_code == 200

    manager = login(client, MANAGER)
    skills = manager.get(f"/api/people/{worker}/skills")
    assert skills.status_code == ok
    assert (EVIDENCE in skills.text) is shares  # skills and evidence
    written = manager.put(f"/api/people/{worker}/skills", json=[{"uri": DESIGN, "level": "practitioner"}])
    assert written.status_code == ok  # a write answers with the whole record
    assert manager.get(f"/api/people/{worker}/gap", params={"role": ROLE}).status_code == ok
    assert manager.post(f"/api/people/{worker}/path", params={"role": ROLE}, json={}).status_code == ok

    # The workforce (an aggregate): a worker who does not share is left out of every figure, only counted.
    mine = manager.get(f"/api/organisations/{PROVIDER}/workforce-gap", params={"role": ROLE}).json()
    assert mine["workers"] == (1 if shares else 0)
    assert mine["workers"] + mine["not_sharing"] == everyone["workers"]
    if not shares:
        assert mine["mean_readiness"] == 0 and all(d["workers_with_gap"] == 0 for d in mine["demand"])
    page = manager.get(f"/organisations/{PROVIDER}/workforce", params={"role": ROLE})
    assert page.status_code == 200
    assert f"{mine['workers']} workers" in page.text
    assert ("not let their employer see their skills" in page.text) is (mine["not_sharing"] > 0)

    login(client, "learner@test.example")  # the worker always reads their own record
    assert client.get(f"/api/people/{worker}/skills").status_code == 200
    assert client.get("/my/skills").status_code == 200


def test_withdrawing_takes_effect_at_once(
    client: TestClient, sessions: sessionmaker[Session], staff: dict[str, int]
) -> None:
    worker = staff["worker"]
    login(client, "learner@test.example")
    client.put(f"/api/people/{worker}/consents/share_skills_with_employer", json={"given": True})
    manager = TestClient(client.app, raise_server_exceptions=False)
    login(manager, MANAGER)
    assert manager.get(f"/api/people/{worker}/skills").status_code == 200
    withdrawn = client.post(f"/people/{worker}/privacy/consents",
                            data={"purpose": "share_skills_with_employer", "given": "no"}, follow_redirects=False)  # fmt: skip
    assert withdrawn.status_code == 303
    assert manager.get(f"/api/people/{worker}/skills").status_code == 403
    assert manager.get(f"/api/people/{worker}/gap", params={"role": ROLE}).status_code == 403


# --- listed_as_expert: shortlists, from a snapshot built before the withdrawal too --------------------

PROFILE: dict[str, Any] = {
    "headline": "Battery management systems engineer",
    "bio": "Designs battery management systems for electric vehicles.",
    "languages": [{"code": "en", "level": "C1"}],
    "countries": ["DE"],
    "work_mode": "either",
    "day_rate_eur": 800,
    "sectors": ["batteries"],
    "consent": True,
}


def _shortlisted(client: TestClient, request_id: int) -> list[int]:
    response = client.get(f"/api/experts/requests/{request_id}/shortlist")
    assert response.status_code == 200, response.text
    return [e["expert_id"] for e in response.json()]


def test_listed_as_expert_decides_every_shortlist(
    client: TestClient,
    sessions: sessionmaker[Session],
    engine: Any,
    catalogue: Catalogue,  # noqa: F811
) -> None:
    _, eva = create_user(sessions, "eva@test.example", {"role": "expert"})
    with unit_of_work(sessions) as db:
        people_service.set_skills(db=db, actor=SYSTEM, person_id=eva,
                                  skills=[PersonSkillIn(uri=BMS, level="expert")])  # fmt: skip
    expert = TestClient(client.app, raise_server_exceptions=False)
    login(expert, "eva@test.example")
    assert expert.put(f"/api/experts/profiles/{eva}", json=PROFILE).status_code == 200
    # The profile's consent is privacy's consent of record too.
    assert {s["purpose"]: s["given"] for s in expert.get(f"/api/people/{eva}/consents").json()}[
        "listed_as_expert"
    ]
    create_user(sessions, "company@test.example", {"role": "organisation_manager", "organisation": "acea"})
    company = login(client, "company@test.example")
    posted = company.post("/api/experts/requests", json={
        "organisation": "acea", "title": "Battery management review", "description": "Review our BMS.",
        "skills": [{"uri": BMS, "level": "practitioner"}], "languages": ["en"], "work_mode": "remote"})  # fmt: skip
    assert posted.status_code == 201, posted.text
    request_id = posted.json()["id"]
    label = experts_service.pseudonym(eva)
    assert _shortlisted(company, request_id) == [eva]  # the snapshot is built now
    assert label in company.get(f"/experts/requests/{request_id}").text

    # Withdrawn on the privacy page: off the shortlist (API and page), and no proposal.
    withdrawn = expert.post(f"/people/{eva}/privacy/consents", data={"purpose": "listed_as_expert", "given": "no"},
                            follow_redirects=False)  # fmt: skip
    assert withdrawn.status_code == 303
    assert _shortlisted(company, request_id) == []
    assert label not in company.get(f"/experts/requests/{request_id}").text
    proposed = company.post(f"/api/experts/requests/{request_id}/proposals", json={"expert_id": eva})
    assert proposed.status_code == 409
    assert expert.get(f"/api/experts/profiles/{eva}").json()["listed"] is False  # the profile follows

    # Given again: listed again.
    assert expert.put(f"/api/people/{eva}/consents/listed_as_expert", json={"given": True}).status_code == 200
    assert _shortlisted(company, request_id) == [eva]

    # A withdrawal the change counter never saw (written past the Session): the snapshot still holds the
    # expert, the shortlist does not.
    with engine.begin() as connection:
        connection.execute(insert(ConsentRecord).values(person_id=eva, purpose="listed_as_expert", given=False,
                                                        at=NOW, source="test"))  # fmt: skip
    assert _shortlisted(company, request_id) == []
    assert (
        company.post(f"/api/experts/requests/{request_id}/proposals", json={"expert_id": eva}).status_code
        == 409
    )


# --- share_kpis: the pseudonyms on the ledger events an organisation's manager reads -------------------


@pytest.mark.parametrize("state", STATES)
def test_share_kpis_decides_whether_the_employer_sees_the_pseudonym(
    state: str, client: TestClient, sessions: sessionmaker[Session], staff: dict[str, int], db: Session
) -> None:
    worker = staff["worker"]
    with unit_of_work(sessions) as session:
        person = session.get(Person, worker)
        event = kpi_service.record_for_person(db=session, kind="upskilled", person=person, occurred_on=TODAY,
                                              source="learning", source_ref="plan:0")  # fmt: skip
        assert event is not None
        event_id, ref = event.id, event.person_ref
    set_consent(sessions, worker, ConsentPurpose.SHARE_KPIS, state)

    office = login(client, OFFICE)
    seen = {e["id"]: e for e in office.get("/api/kpi/events", params={"organisation": PROVIDER}).json()}
    assert seen[event_id]["person_ref"] == ref  # the office sees every pseudonym

    manager = login(client, MANAGER)
    seen = {e["id"]: e for e in manager.get("/api/kpi/events", params={"organisation": PROVIDER}).json()}
    assert event_id in seen  # the outcome still counts
    assert seen[event_id]["person_ref"] == (ref if state == "given" else None)
    assert db.scalar(select(OutcomeEvent.person_ref).where(OutcomeEvent.id == event_id)) == ref  # ledger kept


# --- contact_by_email: nothing sends news ------------------------------------------------------------------

# Every mail the platform sends, each a notice about the person's own business or account (mail/notify.py):
# these need no consent. A mail of news (events, courses, requests) must check
# `privacy.has_consent(db, person_id, "contact_by_email")` before it is written, and be tested here.
OWN_BUSINESS_MAIL = {
    "confirm_address", "credential_received", "invitation", "password_reset", "plan_agreed", "plan_completed",
    "plan_proposed", "proposal_answered", "proposal_cancelled", "proposal_made", "signup_existing",
    "waitlist_promoted",
    # an application's steps to its applicant, a new application to the group's leads, an interview to its panel
    "application_panel", "application_received", "application_step",
}  # fmt: skip


def test_no_mail_of_news_is_sent_without_deciding_on_contact_by_email() -> None:
    from skillatlas.web.templating import templates

    folders = [Path(p) / "mail" for p in templates.env.loader.searchpath]  # type: ignore[union-attr]
    sent = {
        f.stem
        for folder in folders
        if folder.is_dir()
        for f in folder.glob("*.txt")
        if not f.stem.startswith("_")
    }
    assert sent, "no mail templates found"
    news = sent - OWN_BUSINESS_MAIL
    assert not news, (
        f"new mails {sorted(news)}: news needs the contact_by_email consent; notices add them here"
    )


# --- every purpose is tested -----------------------------------------------------------------------------

TESTED = {
    ConsentPurpose.SHARE_SKILLS_WITH_EMPLOYER: "test_share_skills_with_employer_at_every_door",
    ConsentPurpose.LISTED_AS_EXPERT: "test_listed_as_expert_decides_every_shortlist",
    ConsentPurpose.SHARE_KPIS: "test_share_kpis_decides_whether_the_employer_sees_the_pseudonym",
    ConsentPurpose.CONTACT_BY_EMAIL: "test_no_mail_of_news_is_sent_without_deciding_on_contact_by_email",
    ConsentPurpose.NAME_ON_CREDENTIALS: "test_name_on_credentials_decides_the_learners_name_in_new_credentials",
}


def test_every_consent_purpose_has_its_test() -> None:
    assert set(TESTED) == set(ConsentPurpose)
    from tests.privacy import test_erasure_reaches_credentials as credentials_tests

    for purpose, name in TESTED.items():
        assert name in globals() or hasattr(credentials_tests, name), (purpose, name)
