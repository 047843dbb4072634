"""Personal development plans: both sides agree, edits reopen, outcomes update the worker's skills."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import create_user, login
from tests.learning.conftest import FLUIDS, PROVIDER, ROLE, Catalogue


def _manager(client: TestClient, sessions: sessionmaker[Session]) -> TestClient:
    create_user(sessions, "boss@test.example", {"role": "organisation_manager", "organisation": PROVIDER},
                organisation=PROVIDER)  # fmt: skip
    return TestClient(client.app, raise_server_exceptions=False)


def test_plan_life_cycle(client: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]) -> None:
    boss = login(_manager(client, sessions), "boss@test.example")
    worker = login(client, catalogue.worker_email)
    basics = catalogue.course_ids["BAT-101"]
    made = worker.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE, "goals": "Battery work",
                                           "courses": [basics], "milestones": [{"title": "Basics", "due_on": "2026-09-01"}]})  # fmt: skip
    assert made.status_code == 201, made.text
    plan = made.json()
    assert plan["state"] == "draft" and plan["version"] == 1 and plan["employer"] == PROVIDER
    url = f"/api/plans/{plan['id']}"
    assert worker.post(f"{url}/agree").status_code == 409  # a draft is proposed first
    proposed = worker.post(f"{url}/propose").json()
    # Proposing is the proposer's agreement: the worker need not agree to their own plan again.
    assert proposed["state"] == "proposed" and proposed["worker_agreed_at"] is not None
    assert proposed["employer_agreed_at"] is None
    # One side agreed: the other side changing the plan now is refused, nothing saved.
    refused = boss.put(url, json={"goals": "Something else"})
    assert refused.status_code == 409 and "withdraw" in refused.json()["detail"]
    assert boss.get(url).json()["goals"] == "Battery work"
    agreed = boss.post(f"{url}/agree").json()
    assert agreed["state"] == "agreed" and agreed["employer_agreed_at"] is not None
    # Agreed, then edited by the employer: back to proposed; the employer agrees to their own change, the
    # worker must agree again.
    edited = boss.put(url, json={"goals": "Battery work, faster"}).json()
    assert (
        edited["state"] == "proposed"
        and edited["worker_agreed_at"] is None
        and edited["employer_agreed_at"] is not None
    )
    assert worker.post(f"{url}/agree").json()["state"] == "agreed"
    assert worker.post(f"{url}/start").json()["state"] == "in_progress"
    # The worker may not record their own pass.
    assert worker.post(f"{url}/outcomes", json={"course_id": basics, "outcome": "passed"}).status_code == 403
    done = boss.post(
        f"{url}/outcomes", json={"course_id": basics, "outcome": "passed", "certificate": "CERT-1"}
    )
    assert done.json()["state"] == "completed", done.text
    skills = {s["uri"]: s for s in worker.get(f"/api/people/{catalogue.worker_person}/skills").json()}
    assert skills[FLUIDS]["level"] == "practitioner" and skills[FLUIDS]["source"] == "assessed"
    assert "BAT-101" in skills[FLUIDS]["evidence"]
    # Counted in the KPI ledger: the agreement (once, though agreed again after the edit), the certificate, the upskilling.
    from sqlalchemy import select

    from skillatlas.db import unit_of_work
    from skillatlas.kpi.models import OutcomeEvent

    with unit_of_work(sessions) as db:
        kinds = sorted(str(getattr(k, "value", k)) for k in db.scalars(select(OutcomeEvent.kind).where(
            OutcomeEvent.source_ref == f"plan:{plan['id']}")))  # fmt: skip
    assert kinds == ["certification", "development_plan", "upskilled"]


def test_strangers_see_no_plan(
    client: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    worker = login(client, catalogue.worker_email)
    plan = worker.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE}).json()
    create_user(sessions, "stranger@test.example", {"role": "worker"})
    stranger = login(TestClient(client.app, raise_server_exceptions=False), "stranger@test.example")
    assert stranger.get(f"/api/plans/{plan['id']}").status_code == 403
    bad = worker.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE, "version": 5})
    assert bad.status_code == 404 and bad.json()["field"] == "version"


def test_naming_yourself_the_trainer_opens_no_plan(
    client: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:  # fmt: skip
    _, trainer_person = create_user(sessions, "coach@test.example", {"role": "trainer"})
    trainer = login(client, "coach@test.example")
    response = trainer.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE,
                                                "trainer_person_id": trainer_person})  # fmt: skip
    assert response.status_code == 403
