"""The alliance's REST API through the real app: what works, and bad input that changes nothing."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.conftest import TODAY

ORG = {
    "name": "Batteries Academy",
    "short_name": "BatAc",
    "type": "education_training_provider",
    "country": "ro",
}


def future(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


def count(client: TestClient, path: str) -> int:
    return len(client.get(path).json())


def test_demo_alliance_over_the_api(client: TestClient, demo: None) -> None:
    committees = client.get("/api/committees").json()
    assert [c["name"] for c in committees] == [
        "Technology",
        "Education",
        "Social Aspects",
        "Regional Dimension",
    ]
    assert "Hydrogen" in committees[0]["priorities"]
    group = client.get("/api/groups/innovation-agent-task-force").json()
    assert group["kind"] == "task_force"
    assert set(group["committees"]) == {"technology", "education"}
    assert {m["organisation"] for m in group["members"]} == {"tu-graz", "itc", "ispim", "grenoble-inp", "asa"}
    assert any("ISO 56000" in item["objective"] for item in group["work_plan"])
    events = {e["slug"] for e in client.get("/api/events").json()}
    assert {
        "tie-2024",
        "siitme-2024",
        "eurospi-2024",
        "hydrogen-vet-forum-2024",
        "tims-conference-2024",
    } <= events
    upcoming = client.get("/api/events", params={"when": "upcoming"}).json()
    assert upcoming and all(e["ends_on"] >= TODAY.isoformat() for e in upcoming)


def test_create_organisation_normalises_and_refuses_duplicates(office_client: TestClient) -> None:
    client = office_client  # these calls write: the alliance office makes them
    created = client.post("/api/organisations", json=ORG)
    assert created.status_code == 201
    assert created.json()["country"] == "RO"
    assert created.json()["slug"] == "batac"
    again = client.post("/api/organisations", json={**ORG, "name": "batteries academy", "short_name": None})
    assert again.status_code == 409
    assert again.json()["field"] == "name"
    assert count(client, "/api/organisations") == 1


def test_bad_organisations_name_the_field(office_client: TestClient) -> None:
    client = office_client  # these calls write: the alliance office makes them
    cases = {
        "country": {**ORG, "country": "XX"},
        "type": {**ORG, "type": "pirate"},
        "nuts_region": {**ORG, "nuts_region": "DE11"},
        "website": {**ORG, "website": "ftp://x"},
        "name": {**ORG, "name": ""},
    }
    for field, body in cases.items():
        response = client.post("/api/organisations", json=body)
        assert response.status_code == 422, field
        assert response.json()["field"] == field, response.json()
    assert count(client, "/api/organisations") == 0


def test_group_under_an_unknown_committee_saves_nothing(office_client: TestClient, demo: None) -> None:
    client = office_client  # these calls write: the alliance office makes them
    before = count(client, "/api/groups")
    response = client.post(
        "/api/groups",
        json={"name": "Battery recycling task force", "kind": "task_force", "committees": ["technology", "sports"],
              "members": [{"organisation": "acea", "role": "lead"}], "work_plan": [{"objective": "Map recyclers"}]},
    )  # fmt: skip
    assert response.status_code == 404
    assert response.json()["field"] == "committee"
    assert count(client, "/api/groups") == before


def test_group_with_members_and_working_plan(office_client: TestClient, demo: None) -> None:
    client = office_client  # these calls write: the alliance office makes them
    response = client.post(
        "/api/groups",
        json={"name": "Battery recycling task force", "kind": "task_force", "committees": ["technology"],
              "activities": ["training"], "members": [{"organisation": "acea", "role": "lead"}],
              "work_plan": [{"objective": "Map recyclers", "owner": "acea", "due_date": future(90)}]},
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    group = response.json()
    assert group["members"] == [{"organisation": "acea", "organisation_name": "ACEA", "role": "lead"}]
    item = group["work_plan"][0]
    updated = client.patch(f"/api/work-plan/{item['id']}", json={"status": "in_progress"})
    assert updated.json()["status"] == "in_progress"
    member = client.post(f"/api/groups/{group['slug']}/members", json={"organisation": "educam"})
    assert member.status_code == 201
    twice = client.post(f"/api/groups/{group['slug']}/members", json={"organisation": "educam"})
    assert twice.status_code == 409


def test_event_dates_and_references_are_checked(office_client: TestClient, demo: None) -> None:
    client = office_client  # these calls write: the alliance office makes them
    base = {"name": "Hydrogen safety day", "starts_on": future(10), "ends_on": future(11), "mode": "on_site",
            "place": "Spa", "country": "BE", "group": "hydrogen-vet-forum", "organisers": ["aco"]}  # fmt: skip
    before = count(client, "/api/events")
    backwards = client.post("/api/events", json={**base, "ends_on": future(9)})
    assert backwards.status_code == 422 and backwards.json()["field"] == "ends_on"
    nowhere = client.post("/api/events", json={**base, "place": None})
    assert nowhere.status_code == 422 and nowhere.json()["field"] == "place"
    unknown_group = client.post("/api/events", json={**base, "group": "nope"})
    assert unknown_group.status_code == 404 and unknown_group.json()["field"] == "group"
    assert count(client, "/api/events") == before
    created = client.post("/api/events", json=base)
    assert created.status_code == 201
    assert created.json()["slug"] == "hydrogen-safety-day-2026"


def test_registration_over_the_api(office_client: TestClient) -> None:
    client = office_client  # these calls write: the alliance office makes them
    event = {
        "name": "Online battery day",
        "starts_on": future(5),
        "ends_on": future(5),
        "mode": "online",
        "capacity": 1,
    }
    slug = client.post("/api/events", json=event).json()["slug"]
    first = client.post(
        f"/api/events/{slug}/registrations", json={"full_name": "Ana", "email": "ana@example.org"}
    )
    assert first.status_code == 201 and first.json()["status"] == "registered"
    second = client.post(
        f"/api/events/{slug}/registrations", json={"full_name": "Bo", "email": "bo@example.org"}
    )
    assert second.json()["status"] == "waitlisted" and second.json()["waitlist_position"] == 1
    twice = client.post(
        f"/api/events/{slug}/registrations", json={"full_name": "Ana", "email": "ana@example.org"}
    )
    assert twice.status_code == 409 and twice.json()["field"] == "email"
    bad_email = client.post(
        f"/api/events/{slug}/registrations", json={"full_name": "C", "email": "not-an-address"}
    )
    assert bad_email.status_code == 422 and bad_email.json()["field"] == "email"
    promoted = client.post(f"/api/events/{slug}/registrations/{first.json()['person_id']}/cancel")
    assert promoted.json()["person_id"] == second.json()["person_id"]
    assert client.get(f"/api/events/{slug}").json()["registered"] == 1


def test_registration_for_a_past_event_is_refused(office_client: TestClient, demo: None) -> None:
    client = office_client  # these calls write: the alliance office makes them
    response = client.post(
        "/api/events/tie-2024/registrations", json={"full_name": "Ana", "email": "a@example.org"}
    )
    assert response.status_code == 409
    assert response.json()["field"] == "event"
    assert client.get("/api/events/tie-2024/registrations").json() == []


def test_unknown_things_are_404_with_json(client: TestClient) -> None:
    for path in ("/api/groups/nope", "/api/committees/nope", "/api/organisations/nope", "/api/events/nope"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_unknown_fields_are_refused(client: TestClient) -> None:
    response = client.post("/api/organisations", json={**ORG, "ceo": "someone"})
    assert response.status_code == 422
    assert response.json()["field"] == "ceo"


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/events/{slug}/registrations" in schema["paths"]
    assert client.get("/docs").status_code == 200
