"""The expert pages: profile editor, posting a request, the shortlist, proposing, accepting, feedback."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import create_user, login
from tests.experts.conftest import BATTERY_DESIGN, BMS


def form(client: TestClient, url: str, data: dict[str, str | list[str]]):
    token = client.headers["X-CSRF-Token"]
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def test_the_whole_journey_through_the_pages(client: TestClient, sessions, esco: None, orgs: dict) -> None:
    _, ana = create_user(sessions, "ana@example.org", {"role": "worker"})
    login(client, "ana@example.org")
    assert 'href="/experts"' in client.get("/experts").text
    profile = {"headline": "Battery pack engineer", "bio": "Battery packs and BMS for EVs.",
               "languages.code": ["en", "de"], "languages.level": ["C1", "native"], "countries": "DE",
               "work_mode": "either", "availability.starts_on": "2026-07-01", "availability.ends_on": "2026-12-31",
               "availability.days": "5", "day_rate_eur": "850", "sectors": ["batteries"],
               "skills.uri": [BATTERY_DESIGN, BMS], "skills.level": ["expert", "practitioner"]}  # fmt: skip
    refused = form(client, "/experts/profile", profile)  # no consent ticked
    assert (
        refused.status_code == 422 and "consent" in refused.text and "Battery pack engineer" in refused.text
    )
    assert form(client, "/experts/profile", {**profile, "consent": "on"}).status_code == 303
    page = client.get("/experts/profile").text
    assert "Listed since" in page and re.search(r'battery design</span>\s*<input type="hidden"', page)

    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    login(client, "boss@example.org")
    assert client.get("/experts/requests/new").status_code == 200
    bad = form(client, "/experts/requests", {"organisation": "acea", "title": "Pack review",
                                             "skills.uri": BMS, "skills.level": "guru"})  # fmt: skip
    assert bad.status_code == 422 and "Choose the level needed for battery management systems" in bad.text
    posted = form(client, "/experts/requests", {"organisation": "acea", "title": "Pack review",
                                                "description": "Review a battery pack design.",
                                                "skills.uri": BATTERY_DESIGN, "skills.level": "practitioner",
                                                "languages": "en",
                                                "work_mode": "remote"})  # fmt: skip
    assert posted.status_code == 303
    request_url = posted.headers["location"]
    page = client.get(request_url).text
    assert f"Expert #{ana}" in page and "covers battery design at expert level (own claim)" in page
    assert "ana@example.org" not in page
    assert form(client, f"{request_url}/proposals", {"expert_id": str(ana)}).status_code == 303
    assert "shared once accepted" in client.get(request_url).text

    login(client, "ana@example.org")
    mine = client.get("/experts/proposals").text
    proposal_id = re.search(r"/experts/proposals/(\d+)/status", mine).group(1)
    answer = {"status": "accepted", "message": "Glad to help"}
    assert form(client, f"/experts/proposals/{proposal_id}/status", answer).status_code == 303

    login(client, "boss@example.org")
    assert (
        "ana@example.org" in client.get(request_url).text and "Glad to help" in client.get(request_url).text
    )
    step = f"/experts/proposals/{proposal_id}/status"
    assert form(client, step, {"status": "deployed", "back": "request"}).headers["location"] == request_url
    assert (
        form(
            client, step, {"status": "completed", "rating": "4", "comment": "Good", "back": "request"}
        ).status_code
        == 303
    )
    assert "rated 4/5" in client.get(request_url).text
    assert client.get("/experts/office").status_code == 403


def test_the_office_sees_every_request_and_the_needs_report(
    office_client: TestClient, esco: None, orgs: dict
) -> None:
    response = form(office_client, "/experts/requests", {"organisation": "educam", "title": "BMS tuning",
                                                         "skills.uri": BMS, "skills.level": "expert",
                                                         "country": "BE"})  # fmt: skip
    assert response.status_code == 303
    page = office_client.get("/experts/office").text
    assert "BMS tuning" in page and "battery management systems" in page
