"""A person's record of skills: who may read and change it, and bad input that changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skillatlas.db import unit_of_work
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import create_user, login

FIXTURE = Path(__file__).parent.parent / "taxonomy" / "esco_fixture"


@pytest.fixture
def uris(sessions) -> dict[str, str]:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)
        return {s.preferred_label: s.uri for s in taxonomy.search_skills(db=db, query="battery")}


def test_a_worker_records_their_own_skills(
    client: TestClient, sessions, uris: dict[str, str], demo: None
) -> None:
    _, person_id = create_user(sessions, "ana@example.org", {"role": "worker"}, organisation="educam")
    login(client, "ana@example.org")
    body = [{"uri": uris["battery design"], "level": "practitioner", "evidence": "3 pack designs", "years": 3},
            {"uri": uris["battery fluids"], "level": "expert"}]  # fmt: skip
    saved = client.put(f"/api/people/{person_id}/skills", json=body)
    assert saved.status_code == 200, saved.json()
    assert [s["label"] for s in saved.json()] == ["battery fluids", "battery design"]  # strongest first
    update = client.put(
        f"/api/people/{person_id}/skills", json=[{"uri": uris["battery design"], "level": "expert"}]
    )
    assert {s["label"]: s["level"] for s in update.json()}["battery design"] == "expert"
    gone = client.delete(f"/api/people/{person_id}/skills", params={"uri": uris["battery fluids"]})
    assert gone.status_code == 204
    assert [s["label"] for s in client.get(f"/api/people/{person_id}/skills").json()] == ["battery design"]


def test_a_claim_cannot_pose_as_a_credential(client: TestClient, sessions, uris: dict[str, str]) -> None:
    _, person_id = create_user(sessions, "ana@example.org", {"role": "worker"})
    login(client, "ana@example.org")
    body = [{"uri": uris["battery design"], "level": "expert", "source": "credentialed"}]
    assert client.put(f"/api/people/{person_id}/skills", json=body).status_code == 403


def test_unknown_uris_and_levels_save_nothing(client: TestClient, sessions, uris: dict[str, str]) -> None:
    _, person_id = create_user(sessions, "ana@example.org", {"role": "worker"})
    login(client, "ana@example.org")
    body = [
        {"uri": uris["battery design"], "level": "expert"},
        {"uri": "http://data.europa.eu/esco/skill/nope", "level": "expert"},
    ]
    refused = client.put(f"/api/people/{person_id}/skills", json=body)
    assert refused.status_code == 422 and refused.json()["field"] == "skills"
    bad_level = client.put(
        f"/api/people/{person_id}/skills", json=[{"uri": uris["battery design"], "level": "guru"}]
    )
    assert bad_level.status_code == 422
    assert client.get(f"/api/people/{person_id}/skills").json() == []


def test_others_cannot_see_a_workers_skills(
    client: TestClient, sessions, uris: dict[str, str], demo: None
) -> None:
    _, ana = create_user(sessions, "ana@example.org", {"role": "worker"}, organisation="educam")
    create_user(sessions, "bo@example.org", {"role": "worker"}, organisation="educam")
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "educam"})
    create_user(sessions, "other.boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    assert client.get(f"/api/people/{ana}/skills").status_code == 401
    login(client, "bo@example.org")
    assert client.get(f"/api/people/{ana}/skills").status_code == 403
    login(client, "other.boss@example.org")
    assert client.get(f"/api/people/{ana}/skills").status_code == 403
    login(client, "boss@example.org")
    # The employer's managers see the record only while the worker lets them (tests/privacy has every door).
    assert client.get(f"/api/people/{ana}/skills").status_code == 403
    login(client, "ana@example.org")
    client.put(f"/api/people/{ana}/consents/share_skills_with_employer", json={"given": True})
    login(client, "boss@example.org")
    assert client.get(f"/api/people/{ana}/skills").status_code == 200
