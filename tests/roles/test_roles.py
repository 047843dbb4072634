"""Job roles: versions, the draft -> in review -> published life cycle, who may do what, the demo roles."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.db import unit_of_work
from skillatlas.roles.demo import demo_roles, load_demo_roles
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import create_user, login
from tests.learning.conftest import BMS, DESIGN, FIXTURE, FLUIDS

BODY = {"title": "Cell engineer", "skills": [{"uri": DESIGN, "level": "expert"}, {"uri": FLUIDS}]}


def _taxonomy(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def test_life_cycle_keeps_old_versions(
    office_client: TestClient, sessions: sessionmaker[Session], demo: None
) -> None:
    _taxonomy(sessions)
    created = office_client.post("/api/roles", json={**BODY, "slug": "cell-engineer"})
    assert created.status_code == 201 and created.json()["state"] == "draft"
    assert office_client.post("/api/roles/cell-engineer/publish").status_code == 409  # not in review yet
    assert office_client.post("/api/roles/cell-engineer/submit").json()["state"] == "in_review"
    assert office_client.post("/api/roles/cell-engineer/publish").json()["state"] == "published"
    changed = office_client.put(
        "/api/roles/cell-engineer", json={**BODY, "skills": [{"uri": BMS}], "change_note": "BMS"}
    )
    assert changed.json()["version"] == 2 and changed.json()["state"] == "draft"
    # The public still sees version 1 until version 2 is published; version 1 stays readable as it was.
    assert TestClient(office_client.app).get("/api/roles/cell-engineer").json()["version"] == 1
    assert (
        TestClient(office_client.app).get("/api/roles/cell-engineer", params={"version": 2}).status_code
        == 401
    )
    office_client.post("/api/roles/cell-engineer/submit")
    office_client.post("/api/roles/cell-engineer/publish")
    v1 = office_client.get("/api/roles/cell-engineer", params={"version": 1}).json()
    v2 = office_client.get("/api/roles/cell-engineer").json()
    assert {s["uri"] for s in v1["skills"]} == {DESIGN, FLUIDS} and [s["uri"] for s in v2["skills"]] == [BMS]
    assert office_client.get("/api/roles/cell-engineer", params={"version": 9}).json()["field"] == "version"


def test_bad_role_input(office_client: TestClient, sessions: sessionmaker[Session], demo: None) -> None:
    _taxonomy(sessions)
    unknown = office_client.post("/api/roles", json={"title": "X role", "skills": [{"uri": "http://nope"}]})
    assert unknown.status_code == 422 and unknown.json()["field"] == "skills"
    twice = office_client.post("/api/roles", json={"title": "X role", "skills": [{"uri": BMS}, {"uri": BMS}]})
    assert twice.status_code == 422
    assert office_client.post("/api/roles", json={"title": "X role", "skills": []}).status_code == 422


def test_the_groups_lead_reviews_a_worker_may_not(
    client: TestClient, sessions: sessionmaker[Session], demo: None
) -> None:
    _taxonomy(sessions)
    create_user(sessions, "lead@t.example", {"role": "group_lead", "group": "innovation-agent-task-force"})
    create_user(sessions, "w@t.example", {"role": "worker"})
    login(client, "w@t.example")
    assert client.post("/api/roles", json={**BODY, "group": "innovation-agent-task-force"}).status_code == 403
    login(client, "lead@t.example")
    made = client.post("/api/roles", json={**BODY, "group": "innovation-agent-task-force"})
    assert made.status_code == 201, made.text
    assert client.post("/api/roles/cell-engineer/submit").status_code == 200
    assert client.post("/api/roles/cell-engineer/publish").json()["state"] == "published"


def test_demo_roles_resolve_in_the_bundled_esco(sessions: sessionmaker[Session], demo: None) -> None:
    from skillatlas.taxonomy.bundle import load_occupations, load_skills

    skills = {s.preferred_label for s in load_skills()}
    occupations = {o.preferred_label for o in load_occupations()}
    for role in demo_roles():
        assert all(s["label"] in skills for s in role["skills"]), role["slug"]
        assert all(o in occupations for o in role["occupations"]), role["slug"]
    with unit_of_work(sessions) as db:
        assert load_demo_roles(db=db) == 0  # no taxonomy loaded: nothing to build roles from
