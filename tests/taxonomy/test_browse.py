"""Browsing and searching the taxonomy through the API and the pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skillatlas.db import unit_of_work
from skillatlas.taxonomy import service

FIXTURE = Path(__file__).parent / "esco_fixture"


@pytest.fixture
def esco(sessions) -> None:
    with unit_of_work(sessions) as db:
        service.import_esco(db=db, directory=FIXTURE)


def test_search_and_read_a_skill(client: TestClient, esco: None) -> None:
    found = client.get("/api/taxonomy/skills", params={"q": "battery"}).json()
    labels = [s["preferred_label"] for s in found]
    assert labels[0].startswith("battery")  # prefix matches first
    assert {"battery design", "battery fluids", "battery management systems"} <= set(labels)
    skill = client.get(f"/api/taxonomy/skills/{found[0]['id']}").json()
    assert skill["uri"].startswith("http://data.europa.eu/esco/skill/")
    same = client.get("/api/taxonomy/skills/by-uri", params={"uri": skill["uri"]}).json()
    assert same["id"] == skill["id"]
    automotive = client.get("/api/taxonomy/skills", params={"automotive": "true"}).json()
    assert automotive and all(s["automotive"] for s in automotive)


def test_occupation_lists_its_skills(client: TestClient, esco: None) -> None:
    occupation = client.get("/api/taxonomy/occupations", params={"q": "ICT security"}).json()[0]
    read = client.get(f"/api/taxonomy/occupations/{occupation['id']}").json()
    assert read["preferred_label"] == "ICT security administrator"
    assert read["skills"] and {r["relation"] for r in read["skills"]} <= {"essential", "optional"}
    skill_id = read["skills"][0]["skill"]["id"]
    back = client.get(f"/api/taxonomy/skills/{skill_id}").json()
    assert any(r["occupation"]["id"] == occupation["id"] for r in back["occupations"])


def test_unknown_ids_are_404(client: TestClient) -> None:
    assert client.get("/api/taxonomy/skills/999999").status_code == 404
    assert client.get("/api/taxonomy/skills/by-uri", params={"uri": "http://nope"}).status_code == 404
    assert client.get("/skills/999999").status_code == 404


def test_pages(client: TestClient, esco: None) -> None:
    page = client.get("/skills", params={"q": "battery"}).text
    assert "battery management systems" in page and "automotive" in page
    skill_id = client.get("/api/taxonomy/skills", params={"q": "battery design"}).json()[0]["id"]
    assert "Occupations that need it" in client.get(f"/skills/{skill_id}").text
    assert "software analyst" in client.get("/occupations", params={"q": "software"}).text


def test_empty_taxonomy_says_how_to_load_it(client: TestClient) -> None:
    assert "skillatlas taxonomy load-bundled" in client.get("/skills").text


def test_the_alliance_proposes_and_approves_its_own_skill(office_client: TestClient, esco: None) -> None:
    groups = office_client.get("/api/taxonomy/skills", params={"q": "battery design"}).json()
    broader = office_client.get(f"/api/taxonomy/skills/{groups[0]['id']}").json()["broader"]
    body = {"preferred_label": "hydrogen tank safety briefing", "description": "Brief teams on H2 tank safety.",
            "broader_uri": broader[0]["uri"] if broader else None}  # fmt: skip
    proposed = office_client.post("/api/taxonomy/skills", json=body)
    assert proposed.status_code == 201, proposed.json()
    skill = proposed.json()
    assert skill["uri"].startswith("urn:skillatlas:skill:") and skill["review_state"] == "proposed"
    again = office_client.post(
        "/api/taxonomy/skills", json={"preferred_label": "Hydrogen tank safety briefing"}
    )
    assert again.status_code == 409
    approved = office_client.post(f"/api/taxonomy/skills/{skill['id']}/review", json={"state": "approved"})
    assert approved.json()["review_state"] == "approved"
    esco_skill = office_client.post(
        f"/api/taxonomy/skills/{groups[0]['id']}/review", json={"state": "approved"}
    )
    assert esco_skill.status_code == 422  # ESCO's own skills come from ESCO
    assert office_client.get("/api/taxonomy").json()["alliance_skills"] == 1


def test_a_worker_cannot_add_skills_to_the_taxonomy(client: TestClient, sessions, esco: None) -> None:
    from tests.conftest import create_user, login

    create_user(sessions, "ana@example.org", {"role": "worker"})
    login(client, "ana@example.org")
    assert client.post("/api/taxonomy/skills", json={"preferred_label": "my own skill"}).status_code == 403
