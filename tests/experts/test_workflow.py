"""Experts through the API: consent, pseudonymous shortlists, the proposal workflow, feedback and the report."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import create_user, login
from tests.experts.conftest import BATTERY_DESIGN, BMS, SECURITY, SOFTWARE_DESIGN

PROFILE: dict[str, Any] = {
    "headline": "Battery systems engineer",
    "bio": "Designs lithium-ion battery packs and battery management systems for electric vehicles.",
    "languages": [{"code": "en", "level": "C1"}, {"code": "de", "level": "native"}],
    "countries": ["DE", "AT"],
    "work_mode": "either",
    "availability": [{"starts_on": "2026-06-01", "ends_on": "2026-12-31", "days_per_month": 6}],
    "day_rate_eur": 900,
    "sectors": ["batteries"],
    "consent": True,
}


def register(client: TestClient, sessions, email: str, skills: list[dict[str, str]], **profile: Any) -> int:
    """A user who records skills and registers as an expert; returns their person id."""
    _, person_id = create_user(sessions, email, {"role": "worker"})
    login(client, email)
    assert client.put(f"/api/people/{person_id}/skills", json=skills).status_code == 200
    saved = client.put(f"/api/experts/profiles/{person_id}", json={**PROFILE, **profile})
    assert saved.status_code == 200, saved.json()
    return person_id


def test_registration_needs_consent_and_withdrawing_unlists(client: TestClient, sessions, esco: None) -> None:
    _, person_id = create_user(sessions, "eva@example.org", {"role": "worker"})
    login(client, "eva@example.org")
    refused = client.put(f"/api/experts/profiles/{person_id}", json={**PROFILE, "consent": False})
    assert refused.status_code == 422 and refused.json()["field"] == "consent"
    saved = client.put(f"/api/experts/profiles/{person_id}", json=PROFILE).json()
    assert saved["listed"] and saved["consent_at"].startswith("2026-06-01")
    withdrawn = client.delete(f"/api/experts/profiles/{person_id}/consent").json()
    assert not withdrawn["listed"] and withdrawn["consent_withdrawn_at"]


def test_bad_profile_input_saves_nothing(client: TestClient, sessions, esco: None) -> None:
    _, person_id = create_user(sessions, "eva@example.org", {"role": "worker"})
    login(client, "eva@example.org")
    past = {**PROFILE, "availability": [{"starts_on": "2025-01-01", "ends_on": "2025-02-01"}]}
    response = client.put(f"/api/experts/profiles/{person_id}", json=past)
    assert response.status_code == 422 and response.json()["field"] == "availability.0"
    bad_level = {**PROFILE, "languages": [{"code": "en", "level": "D9"}]}
    assert client.put(f"/api/experts/profiles/{person_id}", json=bad_level).status_code == 422
    assert client.get(f"/api/experts/profiles/{person_id}").status_code == 404


def test_request_shortlist_proposal_feedback(client: TestClient, sessions, esco: None, orgs: dict) -> None:
    ana = register(
        client,
        sessions,
        "ana@example.org",
        [{"uri": BATTERY_DESIGN, "level": "expert"}, {"uri": BMS, "level": "practitioner"}],
    )
    bo = register(
        client,
        sessions,
        "bo@example.org",
        [{"uri": SOFTWARE_DESIGN, "level": "expert"}],
        headline="Software architect",
        bio="Automotive software architecture and AUTOSAR.",
        sectors=["software"],
    )
    cy = register(client, sessions, "cy@example.org", [{"uri": BATTERY_DESIGN, "level": "awareness"}],
             languages=[{"code": "fr", "level": "C2"}])  # fmt: skip
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    company = login(client, "boss@example.org")
    posted = company.post("/api/experts/requests", json={
        "organisation": "acea", "title": "Battery pack design review", "description": "Review our battery pack design.",
        "skills": [{"uri": BATTERY_DESIGN, "level": "practitioner"}, {"uri": BMS, "level": "practitioner"}],
        "languages": ["en"], "work_mode": "remote", "starts_on": "2026-07-01", "ends_on": "2026-08-31",
    })  # fmt: skip
    assert posted.status_code == 201, posted.json()
    request_id = posted.json()["id"]
    shortlist = company.get(f"/api/experts/requests/{request_id}/shortlist").json()
    assert shortlist[0]["expert_id"] == ana
    assert cy not in [e["expert_id"] for e in shortlist]  # cy speaks no English: filtered out
    assert all("Ana" not in str(e) and "@" not in str(e) for e in shortlist)  # pseudonymous
    assert any(
        r.startswith("covers battery design at expert level (claimed)") for r in shortlist[0]["reasons"]
    )
    assert bo not in [e["expert_id"] for e in shortlist] or shortlist[-1]["expert_id"] == bo

    proposed = company.post(f"/api/experts/requests/{request_id}/proposals", json={"expert_id": ana})
    assert proposed.status_code == 201, proposed.json()
    proposal = proposed.json()
    assert proposal["status"] == "proposed" and proposal["contact_email"] is None
    assert (
        company.post(
            f"/api/experts/proposals/{proposal['id']}/status", json={"status": "accepted"}
        ).status_code
        == 403
    )

    login(client, "ana@example.org")
    mine = client.get(f"/api/experts/people/{ana}/proposals").json()
    assert [p["id"] for p in mine] == [proposal["id"]]
    accepted = client.post(f"/api/experts/proposals/{proposal['id']}/status", json={"status": "accepted"})
    assert accepted.status_code == 200 and accepted.json()["contact_email"] == "ana@example.org"

    login(client, "boss@example.org")
    path = f"/api/experts/proposals/{proposal['id']}/status"
    assert client.post(path, json={"status": "completed", "rating": 5}).status_code == 409  # not deployed yet
    assert client.post(path, json={"status": "deployed"}).status_code == 200
    assert client.post(path, json={"status": "completed"}).json()["field"] == "rating"
    done = client.post(path, json={"status": "completed", "rating": 5, "comment": "Excellent review."}).json()
    assert done["status"] == "completed" and [h["status"] for h in done["history"]] == [
        "proposed", "accepted", "deployed", "completed"]  # fmt: skip
    # The track record and the recent deployment show in the next shortlist's reasons.
    again = client.get(f"/api/experts/requests/{request_id}/shortlist").json()
    reasons = next(e["reasons"] for e in again if e["expert_id"] == ana)
    assert any(r.startswith("track record: 5.0/5") for r in reasons)
    assert any(r.startswith("fairness: deployed recently") for r in reasons)


def test_requests_refuse_bad_input_and_other_companies(
    client: TestClient, sessions, esco: None, orgs: dict
) -> None:
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    login(client, "boss@example.org")
    base = {"organisation": "acea", "title": "Security audit"}
    assert client.post("/api/experts/requests", json=base).json()["field"] == "skills"
    unknown = client.post(
        "/api/experts/requests", json={**base, "skills": [{"uri": SKILL_X, "level": "expert"}]}
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "skills.0"
    level = client.post(
        "/api/experts/requests", json={**base, "skills": [{"uri": SECURITY, "level": "guru"}]}
    )
    assert level.status_code == 422
    past = client.post("/api/experts/requests", json={**base, "skills": [{"uri": SECURITY}],
                                                      "starts_on": "2025-01-01", "ends_on": "2025-02-01"})  # fmt: skip
    assert past.json()["field"] == "ends_on"
    other = client.post(
        "/api/experts/requests", json={**base, "organisation": "educam", "skills": [{"uri": SECURITY}]}
    )
    assert other.status_code == 403
    assert client.get("/api/experts/requests").json() == []


def test_needs_report_counts_requests_against_experts(
    office_client: TestClient, sessions, esco: None, orgs: dict
) -> None:
    for title in ("Pack review", "BMS tuning"):
        response = office_client.post("/api/experts/requests", json={
            "organisation": "acea", "title": title, "country": "DE",
            "skills": [{"uri": BMS, "level": "expert"}, {"uri": SECURITY, "level": "practitioner"}]})  # fmt: skip
        assert response.status_code == 201, response.json()
    report = office_client.get("/api/experts/report/needs").json()
    assert {(r["label"], r["requests"], r["experts"], r["country"]) for r in report} == {
        ("battery management systems", 2, 0, "DE"), ("ICT network security risks", 2, 0, "DE")}  # fmt: skip
    assert report[0]["month"] == "2026-06"


SKILL_X = "http://data.europa.eu/esco/skill/not-a-skill"


def test_a_request_in_plain_words_gets_its_skills_from_the_extractor(
    office_client: TestClient, esco: None, orgs: dict
) -> None:
    posted = office_client.post("/api/experts/requests", json={
        "organisation": "acea", "title": "Help with our BMS",
        "description": "We need someone who knows battery management systems."})  # fmt: skip
    assert posted.status_code == 201, posted.json()
    found = {s["uri"]: s for s in posted.json()["skills"]}
    assert BMS in found and found[BMS]["label"] == "battery management systems"
