"""Personal data: consents, a person's data as JSON, and erasure, through the real app over HTTP."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Registration
from skillatlas.auth.models import AuditEntry, LoginSession, User
from skillatlas.auth.permissions import Principal
from skillatlas.people.models import Person
from skillatlas.privacy import service
from tests.conftest import PASSWORD, TODAY, create_user, csrf_token, login

EVENT = "hydrogen-vet-forum-2027"
WORKER = "ana.worker@test.example"


@pytest.fixture
def worker(client: TestClient, sessions: sessionmaker[Session], demo: None) -> dict[str, int]:
    """A worker registered for EVENT, with an API token; their client logged in."""
    user_id, person_id = create_user(sessions, WORKER, {"role": "worker"}, organisation="educam")
    with database.unit_of_work(sessions) as db:
        actor = Principal(user_id=user_id, person_id=person_id, via="session")
        alliance_service.register(db=db, actor=actor, event_slug=EVENT, today=TODAY)
    return {"user": user_id, "person": person_id}


def _token(client: TestClient) -> str:
    response = client.post("/api/me/tokens", json={"name": "export", "scopes": ["read", "write"]})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def test_consents_are_given_and_withdrawn_with_their_history(
    client: TestClient, worker: dict[str, int], db: Session
) -> None:
    login(client, WORKER)
    person = worker["person"]
    states = client.get(f"/api/people/{person}/consents").json()
    assert {s["purpose"]: s["given"] for s in states}["listed_as_expert"] is False
    assert all(s["at"] is None for s in states)  # never asked
    given = client.put(f"/api/people/{person}/consents/listed_as_expert", json={"given": True})
    assert given.status_code == 200 and given.json()["given"] is True
    assert service.has_consent(db, person, "listed_as_expert")
    assert service.consenting(db, [person, 999_999], "listed_as_expert") == {person}
    client.put(f"/api/people/{person}/consents/listed_as_expert", json={"given": False})
    db.expire_all()
    assert not service.has_consent(db, person, "listed_as_expert")
    # The page shows the state and changes it by a form.
    page = client.get(f"/people/{person}/privacy")
    assert page.status_code == 200 and "withdrawn" in page.text
    changed = client.post(
        f"/people/{person}/privacy/consents",
        data={"purpose": "share_kpis", "given": "yes"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert service.has_consent(db, person, "share_kpis")
    bad = client.put(f"/api/people/{person}/consents/sell_my_data", json={"given": True})
    assert bad.status_code == 422
    actions = db.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "person", AuditEntry.object_id == str(person)
        )
    ).all()
    assert actions.count("privacy.consent.give") == 2 and actions.count("privacy.consent.withdraw") == 1
    history = client.get(f"/api/people/{person}/personal-data").json()["consents"]["history"]
    assert [(h["purpose"], h["given"]) for h in history] == [
        ("listed_as_expert", True),
        ("listed_as_expert", False),
        ("share_kpis", True),
    ]


def test_the_export_holds_everything_but_secrets(client: TestClient, worker: dict[str, int]) -> None:
    login(client, WORKER)
    person = worker["person"]
    secret = _token(client)
    client.put(f"/api/people/{person}/consents/contact_by_email", json={"given": True})
    data = client.get(f"/api/people/{person}/personal-data").json()
    assert data["person"]["email"] == WORKER and data["person"]["employer"] == "educam"
    assert data["account"]["email"] == WORKER and data["account"]["roles"][0]["role"] == "worker"
    assert data["account"]["api_tokens"][0]["name"] == "export" and data["account"]["sessions"]
    assert [r["event"] for r in data["registrations"]] == [EVENT]
    assert data["skills"] == [] and data["credentials"] == []
    assert any(a["action"] == "login.success" for a in data["audit"])
    text = json.dumps(data)
    for leaked in ("password_hash", "$argon2", "token_hash", "csrf_token", secret):
        assert leaked not in text
    # The page offers the same as a download; a bearer token reads it too (read scope).
    download = client.get(f"/people/{person}/privacy/data.json")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert json.loads(download.text)["person"]["id"] == person
    other = TestClient(client.app, raise_server_exceptions=False)
    by_token = other.get(f"/api/people/{person}/personal-data", headers={"Authorization": f"Bearer {secret}"})
    assert by_token.status_code == 200


def test_self_erasure_needs_the_password_and_keeps_the_counts(
    client: TestClient, worker: dict[str, int], db: Session
) -> None:
    login(client, WORKER)
    person, user_id = worker["person"], worker["user"]
    secret = _token(client)
    registrations = db.scalar(select(func.count()).select_from(Registration))
    wrong = client.post(
        f"/people/{person}/privacy/erase", data={"password": "not it"}, follow_redirects=False
    )
    assert wrong.status_code == 401 and "password" in wrong.text
    assert db.get(Person, person).full_name != f"erased person #{person}"  # type: ignore[union-attr]

    erased = client.post(
        f"/people/{person}/privacy/erase", data={"password": PASSWORD}, follow_redirects=False
    )
    assert erased.status_code == 303
    db.expire_all()
    person_row = db.get(Person, person)
    assert person_row is not None and person_row.full_name == f"erased person #{person}"
    assert person_row.email is None
    user = db.get(User, user_id)
    assert user is not None and not user.is_active and WORKER not in user.email
    assert (
        db.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user_id)) == 0
    )
    # Counts stay: the registration keeps its row, under the pseudonym.
    assert db.scalar(select(func.count()).select_from(Registration)) == registrations
    assert db.scalar(select(Registration.id).where(Registration.person_id == person)) is not None
    # The audit log says what happened without the e-mail address.
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erase")).all()
    assert len(entries) == 1 and entries[0].details["requested_by"] == "self"
    everything = db.scalars(select(AuditEntry)).all()
    assert not any(WORKER in json.dumps(e.details) for e in everything)
    # The session, the token and the password open nothing any more.
    assert client.get("/account", follow_redirects=False).status_code == 303
    fresh = TestClient(client.app, raise_server_exceptions=False)
    assert fresh.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    refused = fresh.post(
        "/login", data={"email": WORKER, "password": PASSWORD, "csrf_token": csrf_token(fresh)}
    )
    assert refused.status_code == 401


def test_the_office_erases_without_a_password_once(
    office_client: TestClient, worker: dict[str, int], db: Session
) -> None:
    person = worker["person"]
    office_client.put(f"/api/people/{person}/consents/listed_as_expert", json={"given": True})
    first = office_client.post(f"/api/people/{person}/erase", json={})
    assert first.status_code == 200, first.text
    assert first.json()["requested_by"] == "office" and first.json()["sessions_ended"] == 0
    assert not service.has_consent(db, person, "listed_as_expert")  # every consent withdrawn
    again = office_client.post(f"/api/people/{person}/erase", json={})
    assert again.status_code == 409 and again.json()["field"] == "person_id"
    data = office_client.get(f"/api/people/{person}/personal-data").json()
    assert data["person"]["full_name"] == f"erased person #{person}" and data["person"]["erased_at"]
    assert data["account"]["is_active"] is False


def test_nobody_else_sees_or_erases_a_persons_data(
    client: TestClient, worker: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, "manager@test.example", {"role": "organisation_manager", "organisation": "educam"})
    person = worker["person"]
    anonymous = client.get(f"/api/people/{person}/personal-data")
    assert anonymous.status_code == 401
    login(client, "manager@test.example")
    for response in (
        client.get(f"/api/people/{person}/personal-data"),
        client.get(f"/api/people/{person}/consents"),
        client.post(f"/api/people/{person}/erase", json={"password": PASSWORD}),
        client.get(f"/people/{person}/privacy"),
    ):
        assert response.status_code == 403
    assert client.get("/api/people/999999/personal-data").status_code == 403


def test_other_domains_data_is_exported_and_erased(office_client: TestClient, worker: dict[str, int]) -> None:
    """Tables of later domains (here the expert profile) appear in the export and lose their free text."""
    person = worker["person"]
    saved = office_client.put(
        f"/api/experts/profiles/{person}",
        json={"headline": "Battery safety trainer", "bio": "Ana, 12 years at a cell plant.", "consent": True},
    )
    assert saved.status_code == 200, saved.text
    data = office_client.get(f"/api/people/{person}/personal-data").json()
    assert data["other"]["expert_profile"][0]["bio"] == "Ana, 12 years at a cell plant."
    assert office_client.post(f"/api/people/{person}/erase", json={}).status_code == 200
    profile = office_client.get(f"/api/people/{person}/personal-data").json()["other"]["expert_profile"][0]
    assert profile["bio"] == "" and profile["headline"] == "" and profile["listed"] is False
    assert profile["consent_withdrawn_at"] is not None


def test_self_erasure_through_the_api_needs_the_password_too(
    client: TestClient, worker: dict[str, int]
) -> None:
    login(client, WORKER)
    person = worker["person"]
    secret = _token(client)
    api = TestClient(client.app, raise_server_exceptions=False)
    api.headers["Authorization"] = f"Bearer {secret}"
    refused = api.post(f"/api/people/{person}/erase", json={})
    assert refused.status_code == 401 and refused.json()["field"] == "password"
    done = api.post(f"/api/people/{person}/erase", json={"password": PASSWORD})
    assert done.status_code == 200 and done.json()["requested_by"] == "self"
    assert done.json()["tokens_revoked"] == 1 and done.json()["sessions_ended"] == 1
    assert api.get("/api/me").status_code == 401  # the token it came with is revoked
